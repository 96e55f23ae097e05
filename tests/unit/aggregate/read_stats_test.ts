import assert from "node:assert/strict";
import { ReadStats } from "@/lib/aggregate/mod.ts";
import { FakeClock, seededRandom } from "@/lib/time/mod.ts";

Deno.test("ReadStats: an hour of reads gives percentiles, errors, and a value a minute; older minutes fall out", async () => {
  const clock = new FakeClock();
  const stats = new ReadStats({ clock, random: seededRandom(1) });
  for (let minute = 0; minute < 90; minute++) {
    for (let i = 1; i <= 10; i++) {
      // Each minute: 10 reads of minute+i ms; the last one failed.
      stats.record("stripe", (minute + i) / 1000, i === 10);
    }
    await clock.advance(60_000);
  }
  const s = stats.summary("stripe")!;
  // The window holds minutes 31..89 (60 minutes with the current, empty one).
  assert.equal(s.reads, 590);
  assert.equal(s.errors, 59);
  assert.equal(s.latencyMs.length, 60);
  assert.equal(s.latencyMs.at(-1), 0, "the current minute has no reads yet");
  assert.equal(s.latencyMs.at(-2), 89 + 6, "minute 89's median");
  assert.deepEqual(s.errorsPerMinute.slice(-3), [1, 1, 0]);
  assert.ok(s.p50Ms >= 64 && s.p50Ms <= 67, `p50 ${s.p50Ms}`);
  assert.ok(s.p99Ms >= 97, `p99 ${s.p99Ms}`);
  assert.equal(stats.summary("claude"), undefined);
});

Deno.test("ReadStats: a busy minute keeps a bounded sample of its latencies", () => {
  const clock = new FakeClock();
  const stats = new ReadStats({
    clock,
    random: seededRandom(2),
    samplesPerMinute: 50,
  });
  for (let i = 0; i < 10_000; i++) stats.record("sim", (i % 100) / 1000, false);
  const s = stats.summary("sim")!;
  assert.equal(s.reads, 10_000);
  assert.ok(
    Math.abs(s.p50Ms - 50) < 15,
    `p50 of a uniform 0-99 ms: ${s.p50Ms}`,
  );
});
