import assert from "node:assert/strict";
import { ConnectionRegistry } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("ConnectionRegistry.closeAll() spreads closes over the drain window instead of all at once", async () => {
  const clock = new FakeClock({ start: 0 });
  const registry = new ConnectionRegistry();
  const closedAt: number[] = [];
  for (let i = 0; i < 100; i++) {
    registry.add(i % 2 ? "ws" : "sse", {
      close: () => closedAt.push(clock.now()),
    });
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
