import assert from "node:assert/strict";
import {
  CircuitBreaker,
  CircuitOpenError,
  type CircuitStateChange,
  TimeoutError,
  UpstreamHttpError,
} from "@/lib/resilience/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

const ok = () => Promise.resolve("ok");
const fail = () => Promise.reject(new UpstreamHttpError(500, "upstream 500"));

function make(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
  const clock = new FakeClock({ start: Date.parse("2026-11-28T13:00:00Z") });
  const changes: CircuitStateChange[] = [];
  const breaker = new CircuitBreaker({
    clock,
    name: "stripe",
    failureThreshold: 3,
    cooldownMs: 10_000,
    onStateChange: (c) => changes.push(c),
    ...options,
  });
  return { clock, breaker, changes };
}

Deno.test("CircuitBreaker opens on N consecutive failures and then fails fast with retryAfterMs", async () => {
  const { clock, breaker, changes } = make();
  for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(fail));
  assert.equal(breaker.state, "open");
  assert.equal(changes[0]?.to, "open");
  assert.match(
    changes[0]!.reason,
    /3 consecutive failures; last: upstream 500/,
  );
  assert.equal(changes[0]!.at, "2026-11-28T13:00:00.000Z");
  let called = false;
  await clock.advance(4_000);
  await assert.rejects(
    breaker.execute(() => {
      called = true;
      return ok();
    }),
    (e) =>
      e instanceof CircuitOpenError && e.retryAfterMs === 6_000 &&
      /stripe is unavailable/.test(e.message),
  );
  assert.equal(called, false);
});

Deno.test("CircuitBreaker: a success resets the consecutive count", async () => {
  const { breaker } = make();
  await assert.rejects(breaker.execute(fail));
  await assert.rejects(breaker.execute(fail));
  await breaker.execute(ok);
  await assert.rejects(breaker.execute(fail));
  await assert.rejects(breaker.execute(fail));
  assert.equal(breaker.state, "closed");
});

Deno.test("CircuitBreaker opens on a failure rate over the window once the minimum calls are in", async () => {
  const { clock, breaker } = make({
    failureThreshold: 100,
    failureRate: 0.5,
    minimumCalls: 6,
    windowMs: 60_000,
  });
  for (const outcome of [ok, fail, ok, fail, ok]) {
    await breaker.execute(outcome).catch(() => {});
  }
  assert.equal(breaker.state, "closed", "5 calls are under the minimum");
  await breaker.execute(fail).catch(() => {});
  assert.equal(breaker.state, "open", "3 of 6 failed");

  const second = make({
    failureThreshold: 100,
    failureRate: 0.5,
    minimumCalls: 4,
    windowMs: 1_000,
  });
  await second.breaker.execute(fail).catch(() => {});
  await second.breaker.execute(fail).catch(() => {});
  await second.clock.advance(1_500); // those fell out of the window
  await second.breaker.execute(ok);
  await second.breaker.execute(ok);
  await second.breaker.execute(ok);
  await second.breaker.execute(fail).catch(() => {});
  assert.equal(second.breaker.state, "closed");
  void clock;
});

Deno.test("CircuitBreaker half-open admits exactly one probe; concurrent callers fail fast", async () => {
  const { clock, breaker, changes } = make();
  for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(fail));
  await clock.advance(10_000);
  assert.equal(breaker.state, "half_open");
  let release!: (v: string) => void;
  let probes = 0;
  const probe = breaker.execute(() => {
    probes++;
    return new Promise<string>((r) => release = r);
  });
  const others = await Promise.allSettled(
    Array.from({ length: 5 }, () =>
      breaker.execute(() => {
        probes++;
        return ok();
      })),
  );
  assert.equal(probes, 1);
  for (const o of others) {
    assert.ok(
      o.status === "rejected" && o.reason instanceof CircuitOpenError &&
        o.reason.retryAfterMs === 0,
    );
  }
  release("ok");
  assert.equal(await probe, "ok");
  assert.equal(breaker.state, "closed");
  assert.deepEqual(changes.map((c) => c.to), ["open", "half_open", "closed"]);
});

Deno.test("CircuitBreaker closes after M successful probes and reopens on a failed one", async () => {
  const { clock, breaker, changes } = make({ successThreshold: 2 });
  for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(fail));
  await clock.advance(10_000);
  await breaker.execute(ok);
  assert.equal(breaker.state, "half_open", "one of two probes");
  await assert.rejects(breaker.execute(fail));
  assert.equal(breaker.state, "open");
  assert.match(changes.at(-1)!.reason, /probe failed/);
  await clock.advance(10_000);
  await breaker.execute(ok);
  await breaker.execute(ok);
  assert.equal(breaker.state, "closed");
});

Deno.test("CircuitBreaker counts timeouts as failures, but not 429s or the caller's own aborts", async () => {
  const { breaker } = make();
  const throttled = () =>
    Promise.reject(new UpstreamHttpError(429, "slow down"));
  const aborted = () =>
    Promise.reject(
      new DOMException("The signal has been aborted", "AbortError"),
    );
  for (let i = 0; i < 10; i++) {
    await assert.rejects(breaker.execute(throttled));
    await assert.rejects(breaker.execute(aborted));
  }
  assert.equal(breaker.state, "closed");
  const timeout = () => Promise.reject(new TimeoutError("GET /balance", 5000));
  for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(timeout));
  assert.equal(breaker.state, "open");
});

Deno.test("CircuitBreaker: a throttled probe neither closes nor reopens, and frees the probe slot", async () => {
  const { clock, breaker } = make();
  for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(fail));
  await clock.advance(10_000);
  await assert.rejects(
    breaker.execute(() =>
      Promise.reject(new UpstreamHttpError(429, "slow down"))
    ),
  );
  assert.equal(breaker.state, "half_open");
  assert.equal(await breaker.execute(ok), "ok");
  assert.equal(breaker.state, "closed");
});

Deno.test("CircuitBreaker validates its options with std-style messages", () => {
  assert.throws(
    () => new CircuitBreaker({ cooldownMs: -1 }),
    {
      message:
        "Cannot create circuit breaker: 'cooldownMs' must be a non-negative number, received -1",
    },
  );
  assert.throws(
    () => new CircuitBreaker({ failureRate: 1.5 }),
    /'failureRate' must be in \(0, 1\]/,
  );
});

Deno.test("CircuitBreaker.reset closes an open circuit at once, says why, and forgets the failures that opened it", async () => {
  const { breaker, changes } = make();
  for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(fail));
  assert.equal(breaker.state, "open");
  breaker.reset("reset by an operator");
  assert.equal(breaker.state, "closed");
  assert.deepEqual(changes.map((c) => [c.to, c.reason.slice(0, 20)]), [
    ["open", "3 consecutive failur"],
    ["closed", "reset by an operator"],
  ]);
  assert.equal(await breaker.execute(ok), "ok");
  // Two failures after the reset do not reopen it: the count started over.
  for (let i = 0; i < 2; i++) await assert.rejects(breaker.execute(fail));
  assert.equal(breaker.state, "closed");
});
