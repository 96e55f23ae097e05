import assert from "node:assert/strict";
import { HeartbeatTicker } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("HeartbeatTicker ticks a tenth of the interval, from 10 ms up to one second", () => {
  const clock = new FakeClock();
  const tick = (heartbeatMs: number) =>
    new HeartbeatTicker({ clock, heartbeatMs }).tickMs;
  assert.equal(tick(15_000), 1000);
  assert.equal(tick(1000), 100);
  assert.equal(tick(50), 10);
  assert.throws(() => tick(0), /'heartbeatMs' must be a positive number/);
});

Deno.test("HeartbeatTicker runs one timer for all members, only while it has any", async () => {
  const clock = new FakeClock({ start: 0 });
  const ticker = new HeartbeatTicker({ clock, heartbeatMs: 1000 });
  const beats: [string, number][] = [];
  const member = (name: string) => ({
    beat: (now: number) => void beats.push([name, now]),
  });
  const a = member("a");
  const b = member("b");
  ticker.add(a);
  ticker.add(b);
  assert.equal(clock.pendingTimers, 1, "one timer, however many members");
  await clock.advance(100);
  assert.deepEqual(beats, [["a", 100], ["b", 100]]);
  ticker.delete(a);
  await clock.advance(100);
  assert.deepEqual(beats.slice(2), [["b", 200]]);
  ticker.delete(b);
  assert.equal(clock.pendingTimers, 0, "the last one out stops the timer");
  await clock.advance(1000);
  assert.equal(beats.length, 3);
});

Deno.test("HeartbeatTicker: a member that throws does not silence the others", async () => {
  const clock = new FakeClock();
  const ticker = new HeartbeatTicker({ clock, heartbeatMs: 1000 });
  let beaten = 0;
  const broken = {
    beat: () => {
      throw new Error("socket gone");
    },
  };
  const fine = { beat: () => void beaten++ };
  ticker.add(broken);
  ticker.add(fine);
  await clock.advance(300);
  assert.equal(beaten, 3);
  ticker.delete(broken);
  ticker.delete(fine);
});

Deno.test("HeartbeatTicker: a member that leaves during a tick, and one that joins, are handled", async () => {
  const clock = new FakeClock();
  const ticker = new HeartbeatTicker({ clock, heartbeatMs: 1000 });
  const late = { beat: () => {} };
  const leaver = {
    beat: () => {
      ticker.delete(leaver);
      ticker.add(late);
    },
  };
  ticker.add(leaver);
  await clock.advance(100);
  assert.equal(ticker.size, 1);
  assert.equal(clock.pendingTimers, 1, "still ticking for the newcomer");
  ticker.delete(late);
  assert.equal(clock.pendingTimers, 0);
});
