import assert from "node:assert/strict";
import { LocalTimeSchedule } from "@/lib/time/mod.ts";

const iso = (ms: number) => new Date(ms).toISOString();

Deno.test("LocalTimeSchedule.last(): a daily time is today's once passed, yesterday's before", () => {
  const eight = new LocalTimeSchedule("Europe/Berlin", { hour: 8, minute: 0 });
  const before = eight.last(Date.parse("2026-12-07T06:59:59Z"));
  assert.deepEqual([iso(before.at), before.date], [
    "2026-12-06T07:00:00.000Z",
    "2026-12-06",
  ]);
  const exactly = eight.last(Date.parse("2026-12-07T07:00:00Z"));
  assert.deepEqual([iso(exactly.at), exactly.date], [
    "2026-12-07T07:00:00.000Z",
    "2026-12-07",
  ]);
});

Deno.test("LocalTimeSchedule.last(): a weekly time goes back to its weekday, up to a week", () => {
  const monday = new LocalTimeSchedule("UTC", {
    hour: 9,
    minute: 30,
    weekday: 1,
  });
  // Monday 7 Dec 2026 at 09:00: this Monday's is still ahead.
  assert.equal(
    iso(monday.last(Date.parse("2026-12-07T09:00:00Z")).at),
    "2026-11-30T09:30:00.000Z",
  );
  assert.equal(
    iso(monday.last(Date.parse("2026-12-07T09:30:00Z")).at),
    "2026-12-07T09:30:00.000Z",
  );
  assert.equal(
    iso(monday.last(Date.parse("2026-12-13T23:59:00Z")).at),
    "2026-12-07T09:30:00.000Z",
  );
});

Deno.test("LocalTimeSchedule.last(): a time skipped by daylight saving happens an hour later that day; an hour that happens twice, at its first", () => {
  const half = new LocalTimeSchedule("America/New_York", {
    hour: 2,
    minute: 30,
  });
  // 8 Mar 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 is 03:30 EDT.
  const spring = half.last(Date.parse("2026-03-08T12:00:00Z"));
  assert.deepEqual([iso(spring.at), spring.date], [
    "2026-03-08T07:30:00.000Z",
    "2026-03-08",
  ]);
  const one = new LocalTimeSchedule("America/New_York", {
    hour: 1,
    minute: 30,
  });
  // 1 Nov 2026: 01:30 happens in EDT (05:30Z) and again in EST.
  assert.equal(
    iso(one.last(Date.parse("2026-11-01T12:00:00Z")).at),
    "2026-11-01T05:30:00.000Z",
  );
});

Deno.test("LocalTimeSchedule refuses an hour, minute or weekday out of range", () => {
  assert.throws(
    () => new LocalTimeSchedule("UTC", { hour: 24, minute: 0 }),
    /expected hour 0-23, minute 0-59 and weekday 1-7/,
  );
  assert.throws(
    () => new LocalTimeSchedule("UTC", { hour: 8, minute: 0, weekday: 0 }),
    RangeError,
  );
});

Deno.test("LocalTimeSchedule.next(): the first occurrence strictly after an instant, across a week and a skipped hour", () => {
  const eight = new LocalTimeSchedule("Europe/Berlin", { hour: 8, minute: 0 });
  assert.equal(
    iso(eight.next(Date.parse("2026-12-07T07:00:00Z")).at),
    "2026-12-08T07:00:00.000Z",
  );
  assert.equal(
    iso(eight.next(Date.parse("2026-12-07T06:59:59Z")).at),
    "2026-12-07T07:00:00.000Z",
  );
  const friday = new LocalTimeSchedule("UTC", {
    hour: 17,
    minute: 0,
    weekday: 5,
  });
  assert.deepEqual(friday.next(Date.parse("2026-12-11T17:00:00Z")), {
    at: Date.parse("2026-12-18T17:00:00Z"),
    date: "2026-12-18",
  });
  const half = new LocalTimeSchedule("America/New_York", {
    hour: 2,
    minute: 30,
  });
  assert.equal(
    iso(half.next(Date.parse("2026-03-08T06:00:00Z")).at),
    "2026-03-08T07:30:00.000Z",
  );
});
