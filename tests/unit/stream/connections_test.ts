import assert from "node:assert/strict";
import { ConnectionRegistry } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("ConnectionRegistry.closeAll() spreads closes over the drain window instead of all at once", async () => {
  const clock = new FakeClock({ start: 0 });
  const registry = new ConnectionRegistry();
  const closedAt: number[] = [];
  for (let i = 0; i < 100; i++) {
    const transport = i % 2 ? "ws" : "sse";
    const connection = {
      close: () => {
        closedAt.push(clock.now());
        registry.delete(transport, connection);
      },
    };
    registry.add(transport, connection);
  }
  const done = registry.closeAll(1001, "server shutting down", {
    clock,
    drainMs: 2000,
  });
  await clock.advance(0);
  assert.equal(closedAt.length, 5, "the first wave at once");
  await clock.advance(1000);
  assert.ok(
    closedAt.length >= 50 && closedAt.length <= 60,
    String(closedAt.length),
  );
  await clock.advance(1000);
  await done;
  assert.equal(closedAt.length, 100);
  assert.ok(Math.max(...closedAt) <= 2000);
  assert.deepEqual(registry.counts(), { sse: 0, ws: 0 });
});

Deno.test("ConnectionRegistry.closeAll() waits for connections to be gone, up to the grace period", async () => {
  const clock = new FakeClock({ start: 0 });
  const registry = new ConnectionRegistry();
  const slow = { close: () => {} }; // its peer never answers
  const prompt = {
    close: () =>
      void clock.setTimeout(() => registry.delete("ws", prompt), 100),
  };
  registry.add("ws", slow);
  registry.add("ws", prompt);
  let done = false;
  const closing = registry.closeAll(1001, "bye", { clock, graceMs: 1000 })
    .then(() => done = true);
  await clock.advance(500);
  assert.equal(done, false, "still waiting for the slow one");
  assert.equal(registry.size, 1);
  await clock.advance(500);
  await closing;
  assert.equal(done, true, "the grace period ended the wait");
  registry.delete("ws", slow);
  const quick = registry.closeAll(1001, "bye", { clock, graceMs: 1000 });
  await quick; // nothing open: no wait at all
  assert.equal(clock.pendingTimers, 0);
});
