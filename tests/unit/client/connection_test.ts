import assert from "node:assert/strict";
import {
  type ClientEnvironment,
  StreamClient,
  type TransportFactory,
  type TransportHandlers,
  type TransportName,
} from "@/lib/client/mod.ts";
import type { ServerEnvelope } from "@/lib/protocol/mod.ts";
import { FakeClock, seededRandom } from "@/lib/time/mod.ts";

/** A scripted transport: the test opens it, feeds it and ends it. */
class FakeConn {
  closed = false;
  resubscribes = 0;
  constructor(
    readonly name: TransportName,
    readonly handlers: TransportHandlers,
    readonly position: () => object,
  ) {}
  open() {
    this.handlers.onOpen();
  }
  send(e: ServerEnvelope) {
    this.handlers.onActivity();
    this.handlers.onEnvelope(e);
  }
  end(reason = "dropped", retryAfterMs?: number) {
    this.handlers.onEnd({ kind: "failed", reason, retryAfterMs });
  }
}

class FakeEnv implements ClientEnvironment {
  online = true;
  visible = true;
  listeners = new Map<string, () => void>();
  addEventListener(type: string, fn: () => void) {
    this.listeners.set(type, fn);
  }
  removeEventListener(type: string) {
    this.listeners.delete(type);
  }
  isOnline() {
    return this.online;
  }
  isVisible() {
    return this.visible;
  }
  fire(type: string) {
    this.listeners.get(type)?.();
  }
}

const ts = "2026-11-28T13:00:00.000Z";
const snap = (seq: number) =>
  ({
    type: "snapshot",
    topic: "pnl",
    epoch: "ep-1",
    seq,
    ts,
    data: { n: seq },
  }) as ServerEnvelope;
const delta = (base: number, seq: number) =>
  ({
    type: "delta",
    topic: "pnl",
    epoch: "ep-1",
    base,
    seq,
    ts,
    patch: { n: seq },
  }) as ServerEnvelope;

function setup(
  options: Partial<ConstructorParameters<typeof StreamClient>[0]> = {},
) {
  const clock = new FakeClock({ start: Date.parse(ts) });
  const conns: FakeConn[] = [];
  const env = new FakeEnv();
  const factory =
    (name: TransportName): TransportFactory => ({ handlers, position }) => {
      const conn = new FakeConn(name, handlers, position);
      conns.push(conn);
      return {
        resubscribe: () => void conn.resubscribes++,
        close: () => void (conn.closed = true),
      };
    };
  const client = new StreamClient({
    baseUrl: "http://board.test",
    clock,
    random: seededRandom(3),
    environment: env,
    factories: {
      ws: factory("ws"),
      sse: factory("sse"),
      poll: factory("poll"),
    },
    ...options,
  });
  const last = () => conns[conns.length - 1]!;
  return { clock, conns, env, client, last };
}

Deno.test("StreamClient goes live on WebSocket, applies deltas and repairs a gap by resubscribing", () => {
  const { client, last } = setup();
  client.start();
  last().open();
  last().send(snap(1));
  last().send(delta(1, 2));
  assert.equal(client.state.status, "live");
  assert.equal(client.state.transport, "ws");
  last().send(delta(5, 6));
  assert.equal(last().resubscribes, 1);
  assert.equal(client.state.view?.seq, 2);
  assert.equal(client.state.gaps, 1, "the gap is counted for load reports");
  last().handlers.onBytes?.(120);
  last().send(delta(2, 3));
  assert.equal(client.state.bytesReceived, 120);
  client.close();
});

Deno.test("StreamClient falls back WebSocket -> SSE -> long-poll, resuming from its position each time", async () => {
  const { clock, client, last } = setup();
  client.start();
  last().end("refused");
  await clock.advance(500); // the first backoff ceiling
  assert.equal(last().name, "ws");
  last().end("refused");
  assert.equal(client.state.transport, "sse");
  assert.match(client.state.fallbackReason!, /WebSocket could not open/);
  await clock.advance(0);
  assert.equal(last().name, "sse");
  last().open();
  last().send(snap(4));
  assert.equal(client.state.status, "live");
  last().end("proxy closed");
  await clock.advance(500);
  assert.equal(last().name, "sse");
  assert.deepEqual(last().position(), { since: 4, epoch: "ep-1" });
  last().open();
  await clock.advance(5_000); // opened but silent: a buffering proxy
  assert.equal(client.state.transport, "poll");
  await clock.advance(0);
  assert.equal(last().name, "poll");
  assert.deepEqual(last().position(), { since: 4, epoch: "ep-1" });
  last().open();
  last().send(delta(4, 5));
  assert.equal(client.state.view?.seq, 5);
  assert.equal(client.state.status, "live");
  client.close();
});

Deno.test("StreamClient probes WebSocket while on a fallback and moves back up when it works", async () => {
  const { clock, conns, client, last } = setup({
    probeIntervalMs: 30_000,
    wsFailuresBeforeFallback: 1,
  });
  client.start();
  last().end("refused");
  await clock.advance(0);
  const sse = last();
  sse.open();
  sse.send(snap(1));
  await clock.advance(30_000);
  const probe = last();
  assert.equal(probe.name, "ws");
  assert.deepEqual(probe.position(), { since: 1, epoch: "ep-1" });
  probe.send(delta(1, 2));
  assert.equal(sse.closed, true);
  assert.equal(client.state.transport, "ws");
  assert.equal(client.state.status, "live");
  assert.equal(client.state.view?.seq, 2);
  probe.send(delta(2, 3));
  assert.equal(client.state.view?.seq, 3);
  assert.equal(conns.length, 3);
  client.close();
});

Deno.test("StreamClient backs off with jitter on the same transport and honours the server's retryAfterMs", async () => {
  const { clock, conns, client, last } = setup();
  client.start();
  last().open();
  last().send(snap(1));
  last().end("server shutting down", 4_000);
  await clock.advance(3_999);
  assert.equal(conns.length, 1);
  await clock.advance(1);
  assert.equal(conns.length, 2);
  assert.equal(client.state.reconnects, 1);
  last().open();
  last().send(delta(1, 2));
  last().end("dropped");
  assert.equal(client.state.status, "reconnecting");
  await clock.advance(500);
  assert.equal(conns.length, 3);
  client.close();
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("StreamClient waits while offline and reconnects at once when back online", async () => {
  const { clock, conns, env, client, last } = setup();
  client.start();
  last().open();
  last().send(snap(1));
  env.online = false;
  env.fire("offline");
  assert.equal(client.state.status, "offline");
  assert.equal(last().closed, true);
  await clock.advance(60_000);
  assert.equal(conns.length, 1, "nothing attempted while offline");
  env.online = true;
  env.fire("online");
  assert.equal(conns.length, 2);
  client.close();
});

Deno.test("StreamClient revalidates at once when a background tab becomes visible after a silence", async () => {
  const { clock, conns, env, client, last } = setup({ livenessMs: 35_000 });
  client.start();
  last().open();
  last().send(snap(1));
  await clock.advance(20_000);
  env.fire("visibilitychange");
  await clock.advance(0);
  assert.equal(conns.length, 2, "a fresh connection, not trust in the old one");
  assert.equal(conns[0]!.closed, true);
  client.close();
});

Deno.test("StreamClient with a forced transport never leaves it", async () => {
  const { clock, conns, client, last } = setup({ transports: ["poll"] });
  client.start();
  for (let i = 0; i < 5; i++) {
    last().end("refused");
    await clock.advance(30_000);
  }
  assert.ok(conns.every((c) => c.name === "poll"));
  client.close();
});

Deno.test("StreamClient gives up after maxAttempts failed attempts in a row, saying why", async () => {
  const errors: string[] = [];
  const { clock, conns, client, last } = setup({
    maxAttempts: 3,
    transports: ["ws"],
    onError: (e) => errors.push(e.code),
  });
  client.start();
  for (let i = 0; i < 3; i++) {
    last().end("refused");
    await clock.advance(30_000);
  }
  assert.equal(client.state.status, "closed");
  assert.equal(conns.length, 3);
  assert.equal(errors.at(-1), "gave_up");
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("StreamClient keeps an adopted probe alive on its heartbeats, like any connection", async () => {
  const { clock, conns, client, last } = setup({
    probeIntervalMs: 30_000,
    wsFailuresBeforeFallback: 1,
  });
  client.start();
  last().end("refused");
  await clock.advance(0);
  last().open();
  last().send(snap(1));
  await clock.advance(30_000);
  const probe = last();
  probe.send(delta(1, 2));
  assert.equal(client.state.transport, "ws");
  for (let i = 0; i < 8; i++) {
    await clock.advance(10_000);
    probe.send({ type: "heartbeat", ts } as ServerEnvelope);
  }
  assert.equal(probe.closed, false, "80 s of heartbeats: still the connection");
  assert.equal(conns.length, 3);
  assert.equal(client.state.status, "live");
  client.close();
});

Deno.test("StreamClient stays live on WebSocket for minutes on a quiet board: the acknowledgment and heartbeats are enough", async () => {
  const { clock, conns, client, last } = setup();
  client.start();
  last().open();
  // Current already (the page was rendered at this seq): no data, an ack.
  last().send(
    {
      type: "heartbeat",
      ts,
      topic: "pnl",
      epoch: "ep-1",
      seq: 1,
    } as ServerEnvelope,
  );
  for (let s = 0; s < 180; s += 15) {
    await clock.advance(15_000);
    last().send({ type: "heartbeat", ts } as ServerEnvelope);
  }
  assert.equal(client.state.status, "live");
  assert.equal(client.state.transport, "ws");
  assert.equal(conns.length, 1, "never reconnected, never fell back");
  client.close();
});
