import assert from "node:assert/strict";
import {
  CalendarError,
  type PeriodName,
  ReportingCalendar,
} from "@/lib/time/mod.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);

function bounds(calendar: ReportingCalendar, name: PeriodName, when: string) {
  const p = calendar.period(name, at(when));
  return {
    from: iso(p.from),
    to: iso(p.to),
    previous: [iso(p.previous.from), iso(p.previous.to)],
  };
}

Deno.test("calendar: in New York, the day clocks go forward is 23 hours and the day they go back is 25 (2026)", () => {
  const ny = new ReportingCalendar({ timeZone: "America/New_York" });
  const spring = ny.period("today", at("2026-03-08T15:00:00Z"));
  assert.equal(iso(spring.from), "2026-03-08T05:00:00.000Z"); // 00:00 EST
  assert.equal(iso(spring.to), "2026-03-09T04:00:00.000Z"); // 00:00 EDT
  assert.equal((spring.to - spring.from) / 3_600_000, 23);
  const autumn = ny.period("today", at("2026-11-01T15:00:00Z"));
  assert.equal(iso(autumn.from), "2026-11-01T04:00:00.000Z");
  assert.equal(iso(autumn.to), "2026-11-02T05:00:00.000Z");
  assert.equal((autumn.to - autumn.from) / 3_600_000, 25);
});

Deno.test("calendar: in Berlin, 29 March 2026 is 23 hours and 25 October 2026 is 25", () => {
  const berlin = new ReportingCalendar({ timeZone: "Europe/Berlin" });
  assert.deepEqual(
    bounds(berlin, "today", "2026-03-29T12:00:00Z").from,
    "2026-03-28T23:00:00.000Z",
  );
  assert.deepEqual(
    bounds(berlin, "today", "2026-03-29T12:00:00Z").to,
    "2026-03-29T22:00:00.000Z",
  );
  assert.deepEqual(
    bounds(berlin, "today", "2026-10-25T12:00:00Z").from,
    "2026-10-24T22:00:00.000Z",
  );
  assert.deepEqual(
    bounds(berlin, "today", "2026-10-25T12:00:00Z").to,
    "2026-10-25T23:00:00.000Z",
  );
});

Deno.test("calendar: the previous period runs to the same wall-clock point, across a daylight-saving change too", () => {
  const ny = new ReportingCalendar({ timeZone: "America/New_York" });
  // 10:00 EDT on 9 March: yesterday (23 h long) from 00:00 EST to 10:00 EDT.
  assert.deepEqual(bounds(ny, "today", "2026-03-09T14:00:00Z").previous, [
    "2026-03-08T05:00:00.000Z",
    "2026-03-08T14:00:00.000Z",
  ]);
  // 10:00 EDT on 8 March: 7 March from 00:00 to 10:00 EST.
  assert.deepEqual(bounds(ny, "today", "2026-03-08T14:00:00Z").previous, [
    "2026-03-07T05:00:00.000Z",
    "2026-03-07T15:00:00.000Z",
  ]);
});

Deno.test("calendar: month, quarter and year to date, with previous periods cut at their end when shorter", () => {
  const utc = new ReportingCalendar();
  // 31 March: February has no 31st, so the comparison is all of February.
  assert.deepEqual(bounds(utc, "mtd", "2026-03-31T10:00:00Z"), {
    from: "2026-03-01T00:00:00.000Z",
    to: "2026-04-01T00:00:00.000Z",
    previous: ["2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"],
  });
  assert.deepEqual(bounds(utc, "mtd", "2026-03-15T10:00:00Z").previous, [
    "2026-02-01T00:00:00.000Z",
    "2026-02-15T10:00:00.000Z",
  ]);
  assert.deepEqual(bounds(utc, "qtd", "2026-05-15T12:00:00Z"), {
    from: "2026-04-01T00:00:00.000Z",
    to: "2026-07-01T00:00:00.000Z",
    previous: ["2026-01-01T00:00:00.000Z", "2026-02-15T12:00:00.000Z"],
  });
  assert.deepEqual(
    bounds(utc, "qtd", "2026-12-31T23:59:59Z").from,
    "2026-10-01T00:00:00.000Z",
  );
  assert.deepEqual(bounds(utc, "ytd", "2026-07-01T00:00:00Z"), {
    from: "2026-01-01T00:00:00.000Z",
    to: "2027-01-01T00:00:00.000Z",
    previous: ["2025-01-01T00:00:00.000Z", "2025-07-01T00:00:00.000Z"],
  });
});

Deno.test("calendar: the year turns at local midnight: 23:30 UTC on 31 December is already next year in Berlin", () => {
  const berlin = new ReportingCalendar({ timeZone: "Europe/Berlin" });
  assert.deepEqual(
    bounds(berlin, "ytd", "2026-12-31T22:30:00Z").from,
    "2025-12-31T23:00:00.000Z",
  );
  assert.deepEqual(
    bounds(berlin, "ytd", "2026-12-31T22:30:00Z").to,
    "2026-12-31T23:00:00.000Z",
  );
  assert.deepEqual(
    bounds(berlin, "ytd", "2026-12-31T23:30:00Z").from,
    "2026-12-31T23:00:00.000Z",
  );
  assert.deepEqual(
    bounds(berlin, "today", "2026-12-31T23:30:00Z").from,
    "2026-12-31T23:00:00.000Z",
  );
});

Deno.test("calendar: a leap day is its own day, and the next year compares 29 February with 1 March", () => {
  const utc = new ReportingCalendar();
  assert.deepEqual(bounds(utc, "today", "2028-02-29T12:00:00Z"), {
    from: "2028-02-29T00:00:00.000Z",
    to: "2028-03-01T00:00:00.000Z",
    previous: ["2028-02-28T00:00:00.000Z", "2028-02-28T12:00:00.000Z"],
  });
  assert.deepEqual(
    bounds(utc, "mtd", "2028-02-29T12:00:00Z").to,
    "2028-03-01T00:00:00.000Z",
  );
  assert.deepEqual(bounds(utc, "today", "2028-03-01T12:00:00Z").previous, [
    "2028-02-29T00:00:00.000Z",
    "2028-02-29T12:00:00.000Z",
  ]);
  assert.deepEqual(bounds(utc, "ytd", "2028-02-29T12:00:00Z").previous, [
    "2027-01-01T00:00:00.000Z",
    "2027-03-01T12:00:00.000Z",
  ]);
});

Deno.test("calendar: weeks start on Monday by default, or on Sunday", () => {
  const monday = new ReportingCalendar();
  const sunday = new ReportingCalendar({ weekStart: "sunday" });
  // Wednesday 2 December 2026.
  assert.equal(
    bounds(monday, "wtd", "2026-12-02T12:00:00Z").from,
    "2026-11-30T00:00:00.000Z",
  );
  assert.equal(
    bounds(sunday, "wtd", "2026-12-02T12:00:00Z").from,
    "2026-11-29T00:00:00.000Z",
  );
  // Sunday 29 November 2026: the last day of a Monday week, the first of a Sunday one.
  assert.equal(
    bounds(monday, "wtd", "2026-11-29T12:00:00Z").from,
    "2026-11-23T00:00:00.000Z",
  );
  assert.equal(
    bounds(sunday, "wtd", "2026-11-29T12:00:00Z").from,
    "2026-11-29T00:00:00.000Z",
  );
  assert.deepEqual(bounds(monday, "wtd", "2026-12-02T12:00:00Z").previous, [
    "2026-11-23T00:00:00.000Z",
    "2026-11-25T12:00:00.000Z",
  ]);
});

Deno.test("calendar: the next boundary is the next local midnight, and bad zones or week starts are refused with what is accepted", () => {
  const ny = new ReportingCalendar({ timeZone: "America/New_York" });
  assert.equal(
    iso(ny.nextBoundary(at("2026-03-08T15:00:00Z"))),
    "2026-03-09T04:00:00.000Z",
  );
  assert.equal(
    iso(ny.nextBoundary(at("2026-03-09T03:59:59.999Z"))),
    "2026-03-09T04:00:00.000Z",
  );
  assert.equal(
    iso(ny.nextBoundary(at("2026-03-09T04:00:00Z"))),
    "2026-03-10T04:00:00.000Z",
  );
  assert.throws(
    () => new ReportingCalendar({ timeZone: "Mars/Olympus" }),
    (e: unknown) =>
      e instanceof CalendarError &&
      /unknown time zone "Mars\/Olympus"; expected an IANA name/.test(
        e.message,
      ),
  );
  assert.throws(
    () => new ReportingCalendar({ weekStart: "friday" as never }),
    /expected "monday" or "sunday"/,
  );
});
