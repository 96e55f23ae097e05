import assert from "node:assert/strict";
import { Deadline, TimeoutError, withTimeout } from "@/lib/resilience/mod.ts";
import { FakeClock, systemClock } from "@/lib/time/mod.ts";

Deno.test("withTimeout() aborts a real fetch to a server that never answers: the server sees the connection close", async () => {
  const { promise: requestSeen, resolve: onRequest } = Promise.withResolvers<
    void
  >();
  const { promise: clientGone, resolve: onGone } = Promise.withResolvers<
    void
  >();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      onRequest();
      // Never answers on its own; only the client's disconnect ends the wait.
      return new Promise<Response>((resolve) => {
        req.signal.addEventListener("abort", () => {
          onGone();
          resolve(new Response(null, { status: 499 }));
        });
      });
    },
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}/slow`;
    const started = performance.now();
    await assert.rejects(
      withTimeout((signal) => fetch(url, { signal }), 150, {
        clock: systemClock,
        operation: "GET /slow",
      }),
      (e) =>
        e instanceof TimeoutError &&
        e.message === "GET /slow timed out after 150 ms" && e.timeoutMs === 150,
    );
    assert.ok(performance.now() - started < 2000);
    await requestSeen;
    await clientGone; // the request was really cancelled, not left running
  } finally {
    await server.shutdown();
  }
});

Deno.test("withTimeout() passes the result through and clears its timer", async () => {
  const clock = new FakeClock();
  assert.equal(
    await withTimeout(() => Promise.resolve(42), 100, { clock }),
    42,
  );
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("withTimeout() aborts the operation with the caller's reason when the caller aborts", async () => {
  const clock = new FakeClock();
  const caller = new AbortController();
  let seen: unknown;
  const run = withTimeout(
    (signal) =>
      new Promise((_, reject) => {
        signal.addEventListener("abort", () => {
          seen = signal.reason;
          reject(signal.reason);
        });
      }),
    10_000,
    { clock, signal: caller.signal },
  );
  caller.abort(new Error("user navigated away"));
  await assert.rejects(run, /user navigated away/);
  assert.match(String(seen), /user navigated away/);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("withTimeout() settles at the limit even if the operation ignores its signal", async () => {
  const clock = new FakeClock();
  const run = withTimeout(() => new Promise(() => {}), 50, { clock });
  await clock.advance(50);
  await assert.rejects(run, TimeoutError);
});

Deno.test("withTimeout() refuses a negative limit", async () => {
  await assert.rejects(withTimeout(() => Promise.resolve(1), -1), RangeError);
});

Deno.test("Deadline shares one budget among calls and aborts them all when it is spent", async () => {
  const clock = new FakeClock();
  using deadline = new Deadline(1000, { clock, operation: "tick" });
  const aborted: string[] = [];
  for (const name of ["a", "b"]) {
    deadline.signal.addEventListener("abort", () => aborted.push(name));
  }
  await clock.advance(999);
  assert.deepEqual(aborted, []);
  await clock.advance(1);
  assert.deepEqual(aborted, ["a", "b"]);
  assert.ok(deadline.signal.reason instanceof TimeoutError);
  assert.equal(deadline.remaining(), 0);
});
