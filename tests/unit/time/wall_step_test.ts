/**
 * A wall clock that steps (NTP, an operator, a VM resumed) must not
 * freeze or rush anything: every duration runs on the monotonic clock,
 * and only timestamps follow the wall.
 */
import assert from "node:assert/strict";
import { CircuitBreaker, CircuitOpenError } from "@/lib/resilience/mod.ts";
import { FailureLimiter } from "@/lib/security/mod.ts";
import { Simulator } from "@/lib/sources/simulator.ts";
import { Hub, type HubMessage } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("wall-clock steps: the stream keeps its batch pace, and ts follows the wall", async () => {
  const clock = new FakeClock({
    start: Date.parse("2026-06-01T12:00:00.000Z"),
  });
  using hub = new Hub({ clock, topics: { t: { n: 0 } }, batchMs: 100 });
  const got: HubMessage[] = [];
  hub.subscribe("t", {}, { start() {}, live: (m) => got.push(m) });
  let n = 0;
  const publishAndWait = async () => {
    hub.publish("t", { n: ++n });
    await clock.advance(100);
  };
  await publishAndWait();
  assert.equal(got.length, 1);
  for (const step of [-30_000, 300_000, -300_000, -3_600_000]) {
    clock.stepWall(step);
    const before: number = got.length;
    await publishAndWait();
    await publishAndWait();
    assert.equal(got.length, before + 2, `after a ${step} ms step`);
    const ts = Date.parse(String(got.at(-1)!.envelope.ts));
    assert.ok(Math.abs(ts - clock.now()) <= 100, "ts is wall time");
  }
  assert.deepEqual(hub.state("t"), { n });
});

Deno.test("wall-clock steps: the simulator keeps stepping once per interval", async () => {
  const clock = new FakeClock();
  const sim = new Simulator({ clock, random: () => 0.5, intervalMs: 1000 });
  const costs = () => sim.figures().costsMinor;
  const start = costs();
  clock.stepWall(-300_000);
  await clock.advance(1000);
  assert.ok(costs() > start, "stepped after the wall went back");
  const after = costs();
  clock.stepWall(600_000); // forward: no burst of 600 steps
  await clock.advance(1000);
  const oneStep = costs() - after;
  assert.ok(oneStep > 0 && oneStep <= 60, `one step, not a burst (${oneStep})`);
});

Deno.test("wall-clock steps: a breaker's cooldown and a lockout window run on monotonic time", async () => {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker({
    clock,
    failureThreshold: 1,
    cooldownMs: 30_000,
  });
  await assert.rejects(breaker.execute(() => Promise.reject(new Error("500"))));
  assert.equal(breaker.state, "open");
  clock.stepWall(3_600_000); // an hour forward on the wall
  await assert.rejects(
    breaker.execute(() => Promise.resolve(1)),
    CircuitOpenError,
    "still cooling down",
  );
  clock.stepWall(-7_200_000); // and back past where it was
  await clock.advance(30_000);
  assert.equal(await breaker.execute(() => Promise.resolve(1)), 1);

  const limiter = new FailureLimiter({
    clock,
    maxFailures: 1,
    windowMs: 60_000,
  });
  limiter.fail("10.0.0.1");
  assert.ok(limiter.retryAfterMs("10.0.0.1") > 0);
  clock.stepWall(3_600_000);
  assert.ok(
    limiter.retryAfterMs("10.0.0.1") > 0,
    "a wall step does not unlock",
  );
  await clock.advance(60_000);
  assert.equal(limiter.retryAfterMs("10.0.0.1"), 0);
});
