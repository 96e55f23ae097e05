import assert from "node:assert/strict";
import {
  retry,
  type RetryEvent,
  UpstreamHttpError,
} from "@/lib/resilience/mod.ts";
import { FakeClock, seededRandom } from "@/lib/time/mod.ts";

const http = (status: number, headers: Record<string, string> = {}) =>
  new UpstreamHttpError(status, `upstream answered ${status}`, {
    headers: new Headers(headers),
  });

/** Runs retry on a scripted sequence of outcomes; returns calls, events and the result. */
async function script(
  outcomes: (Error | string)[],
  options: Parameters<typeof retry>[1] = {},
  advanceMs = 120_000,
) {
  const clock = new FakeClock({ start: Date.parse("2026-11-28T13:00:00Z") });
  const events: RetryEvent[] = [];
  let calls = 0;
  const run = retry(() => {
    const outcome = outcomes[calls++];
    return outcome instanceof Error
      ? Promise.reject(outcome)
      : Promise.resolve(outcome ?? "done");
  }, {
    clock,
    random: seededRandom(1),
    onRetry: (e) => events.push(e),
    ...options,
  });
  const settled = run.then((value) => ({ value }), (error) => ({ error }));
  await clock.advance(advanceMs);
  return { calls: () => calls, events, result: await settled };
}

Deno.test("retry() backs off with full jitter under a doubling, capped ceiling", async () => {
  const failures = Array.from({ length: 7 }, () => http(503));
  const { events, result } = await script(failures, {
    maxAttempts: 8,
    minDelayMs: 100,
    maxDelayMs: 1000,
  });
  assert.deepEqual(result, { value: "done" });
  const ceilings = [100, 200, 400, 800, 1000, 1000, 1000];
  events.forEach((e, i) => {
    assert.equal(e.source, "backoff");
    assert.ok(
      e.delayMs >= 0 && e.delayMs < ceilings[i]!,
      `${e.delayMs} < ${ceilings[i]}`,
    );
  });
  assert.ok(
    new Set(events.map((e) => e.delayMs)).size > 3,
    "jittered, not fixed",
  );
});

Deno.test("retry() stops after maxAttempts and rethrows the last error unchanged", async () => {
  const last = http(500);
  const { calls, result } = await script([http(502), http(503), last], {
    maxAttempts: 3,
  });
  assert.equal(calls(), 3);
  assert.deepEqual(result, { error: last });
});

Deno.test("retry() honours Retry-After in seconds and as an HTTP-date, and retry-after-ms", async () => {
  const { events } = await script([
    http(429, { "retry-after": "3" }),
    http(503, { "retry-after": "Sat, 28 Nov 2026 13:00:10 GMT" }),
    http(429, { "retry-after-ms": "1500" }),
  ], { maxAttempts: 4 });
  assert.deepEqual(events.map((e) => [e.source, e.delayMs]), [["hint", 3000], [
    "hint",
    7000,
  ], ["hint", 1500]]);
});

Deno.test("retry() clamps a hint to maxHintMs, and falls back to backoff for a malformed one", async () => {
  const { events } = await script([
    http(503, { "retry-after": "86400" }),
    http(503, { "retry-after": "whenever" }),
  ], { maxHintMs: 5000, minDelayMs: 10, maxDelayMs: 10 });
  assert.deepEqual(events.map((e) => e.source), ["hint", "backoff"]);
  assert.equal(events[0]!.delayMs, 5000);
  assert.ok(events[1]!.delayMs < 10);
});

Deno.test("retry() uses the RateLimit field's t= when there is no Retry-After", async () => {
  const { events } = await script([
    http(429, { ratelimit: '"default";r=0;t=4' }),
  ]);
  assert.deepEqual(events.map((e) => e.delayMs), [4000]);
});

Deno.test("retry() stops at once on Stripe-Should-Retry: false, and retries any status on true", async () => {
  const refused = await script([http(503, { "stripe-should-retry": "false" })]);
  assert.equal(refused.calls(), 1);
  const allowed = await script([http(409, { "stripe-should-retry": "true" })]);
  assert.equal(allowed.calls(), 2);
  assert.deepEqual(allowed.result, { value: "done" });
});

Deno.test("retry() does not retry 4xx other than 408 and 429, nor an adapter's retryable: false", async () => {
  for (const status of [400, 401, 403, 404, 422]) {
    assert.equal((await script([http(status)])).calls(), 1, String(status));
  }
  for (const status of [408, 429, 500, 502, 503, 504, 529]) {
    assert.equal((await script([http(status)])).calls(), 2, String(status));
  }
  const spendCap = new UpstreamHttpError(429, "spend cap reached", {
    retryable: false,
  });
  assert.equal((await script([spendCap])).calls(), 1);
});

Deno.test("retry() retries network errors (TypeError from fetch) but not programming errors", async () => {
  assert.equal(
    (await script([new TypeError("error sending request: connection refused")]))
      .calls(),
    2,
  );
  assert.equal(
    (await script([new SyntaxError("Unexpected token < in JSON")])).calls(),
    1,
  );
});

Deno.test("retry() stops waiting the moment its signal aborts", async () => {
  const clock = new FakeClock();
  const abort = new AbortController();
  let calls = 0;
  const run = retry(() => {
    calls++;
    return Promise.reject(http(503, { "retry-after": "30" }));
  }, { clock, signal: abort.signal });
  await clock.advance(1000);
  abort.abort(new Error("shutting down"));
  await assert.rejects(run, /shutting down/);
  assert.equal(calls, 1);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("retry() validates its options", async () => {
  await assert.rejects(
    retry(() => Promise.resolve(1), { maxAttempts: 0 }),
    /'maxAttempts' must be a positive integer, received 0/,
  );
});
