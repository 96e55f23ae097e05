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

Deno.test("ConnectionRegistry lists registered clients (address, transport, topics, position, backlog, age) oldest first, and closes one by its id", () => {
  const registry = new ConnectionRegistry();
  const closed: [string, number, string][] = [];
  const conn = (name: string, seq: number) => ({
    close: (code: number, reason: string) => {
      closed.push([name, code, reason]);
      registry.delete("ws", connection(name));
    },
    describe: () => ({ topics: ["pnl"], seq, backlog: 0 }),
  });
  const made = new Map<string, ReturnType<typeof conn>>();
  const connection = (name: string) => made.get(name)!;
  made.set("a", conn("a", 40));
  made.set("b", conn("b", 42));
  registry.add("ws", connection("a"), { address: "10.0.0.1", openedAt: 1_000 });
  registry.add("ws", connection("b"), {
    address: "10.0.0.2",
    openedAt: 61_000,
  });
  // Registered without who it is: counted, not listed.
  registry.add("sse", { close: () => {} });
  assert.deepEqual(registry.clients(121_000), [
    {
      id: "c1",
      transport: "ws",
      address: "10.0.0.1",
      topics: "pnl",
      seq: 40,
      backlog: 0,
      ageS: 120,
    },
    {
      id: "c2",
      transport: "ws",
      address: "10.0.0.2",
      topics: "pnl",
      seq: 42,
      backlog: 0,
      ageS: 60,
    },
  ]);
  assert.equal(registry.close("c2", 1008, "closed by an operator"), true);
  assert.deepEqual(closed, [["b", 1008, "closed by an operator"]]);
  assert.deepEqual(registry.clients(121_000).map((c) => c.id), ["c1"]);
  assert.equal(registry.close("c9", 1008, "x"), false);
  assert.equal(registry.size, 2);
});

Deno.test("ConnectionRegistry.clients lists the oldest `limit` across transports, oldest first, without describing the rest", () => {
  const registry = new ConnectionRegistry();
  let described = 0;
  const connection = () => ({
    close: () => {},
    describe: () => {
      described++;
      return { topics: ["pnl"] };
    },
  });
  // Opened a second apart, alternating between two transports.
  for (let i = 0; i < 200; i++) {
    registry.add(i % 2 ? "sse" : "ws", connection(), {
      address: "10.0.0.1",
      openedAt: i * 1_000,
    });
  }
  const lines = registry.clients(1_000_000, 5);
  assert.deepEqual(lines.map((c) => [c.transport, c.ageS]), [
    ["ws", 1_000],
    ["sse", 999],
    ["ws", 998],
    ["sse", 997],
    ["ws", 996],
  ]);
  assert.ok(described <= 10, `${described} described for 5 lines`);
});
