import assert from "node:assert/strict";
import {
  type BusChange,
  type BusEvent,
  deltaMessage,
  Hub,
  type HubMessage,
} from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

function delta(
  epoch: string,
  base: number,
  seq: number,
  patch: Record<string, number>,
): HubMessage {
  return deltaMessage({
    topic: "pnl",
    epoch,
    base,
    seqHint: seq,
    ts: "2026-11-28T00:00:00.000Z",
    patch,
    state: {},
  }, seq);
}

function setup() {
  const clock = new FakeClock();
  const hub = new Hub({
    clock,
    topics: { pnl: { n: 0 } },
    epoch: "first",
    batchMs: 0,
  });
  const seen: HubMessage[] = [];
  hub.subscribe("pnl", {}, { start() {}, live: (m) => seen.push(m) });
  return { clock, hub, seen, [Symbol.dispose]: () => hub.close() };
}

Deno.test("Hub.sync() to another epoch takes the shared state and sends every subscriber a snapshot", async () => {
  using s = setup();
  s.hub.sync("second", {
    pnl: { state: { n: 7 }, seq: 4, log: [delta("second", 3, 4, { n: 7 })] },
  });
  assert.equal(s.hub.epoch, "second");
  assert.deepEqual(s.hub.position("pnl"), { epoch: "second", seq: 4 });
  assert.equal(s.seen.at(-1)?.envelope.type, "snapshot");
  assert.deepEqual(
    (await s.hub.resume("pnl", { since: 3, epoch: "second" })).resumed,
    true,
  );
});

Deno.test("Hub.sync() in the same epoch applies the missed deltas as deltas when the log bridges the gap", () => {
  using s = setup();
  s.hub.sync("first", {
    pnl: {
      state: { n: 3 },
      seq: 3,
      log: [delta("first", 1, 2, { n: 2 }), delta("first", 2, 3, { n: 3 })],
    },
  });
  assert.deepEqual(s.seen.map((m) => m.envelope.type), ["delta", "delta"]);
  assert.deepEqual(s.hub.state("pnl"), { n: 3 });
});

Deno.test("Hub.sync() in the same epoch falls back to a snapshot when the log no longer covers the gap", () => {
  using s = setup();
  s.hub.sync("first", {
    pnl: { state: { n: 9 }, seq: 9, log: [delta("first", 8, 9, { n: 9 })] },
  });
  assert.deepEqual(s.seen.map((m) => m.envelope.type), ["snapshot"]);
  assert.deepEqual(s.hub.state("pnl"), { n: 9 });
});

Deno.test("Hub offers a change the bus refused again, newest state first, until it is published", async () => {
  const clock = new FakeClock();
  let refuse = 2;
  const handlers = new Set<(e: BusEvent) => void>();
  const offered: BusChange[] = [];
  const hub = new Hub({
    clock,
    topics: { pnl: { n: 0 } },
    epoch: "first",
    batchMs: 10,
    bus: {
      publish(change) {
        offered.push(change);
        if (refuse-- > 0) {
          return Promise.reject(new Error("Redis is unreachable"));
        }
        const event = {
          topic: change.topic,
          message: deltaMessage(change, change.base + 1),
          state: change.state,
        };
        for (const h of handlers) h(event);
        return Promise.resolve();
      },
      subscribe(handler) {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
    },
    onPublishError: () => {},
  });
  hub.publish("pnl", { n: 1 });
  await clock.advance(10);
  hub.publish("pnl", { n: 2 }); // newer, while the first is refused
  await clock.advance(500);
  await clock.advance(500);
  assert.deepEqual(hub.state("pnl"), { n: 2 });
  assert.deepEqual(offered.map((c) => c.state.n), [1, 2, 2]);
  hub.close();
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("Hub.drain() hands the last change to the bus and returns even when the bus keeps refusing", async () => {
  const clock = new FakeClock();
  let offers = 0;
  const hub = new Hub({
    clock,
    topics: { pnl: { n: 0 } },
    epoch: "first",
    bus: {
      publish() {
        offers++;
        return Promise.reject(new Error("not the leader"));
      },
      subscribe: () => () => {},
    },
    onPublishError: () => {},
  });
  hub.publish("pnl", { n: 1 });
  await hub.drain();
  assert.ok(offers >= 1 && offers <= 3, `${offers} offers`);
  hub.close();
  assert.equal(clock.pendingTimers, 0);
});
