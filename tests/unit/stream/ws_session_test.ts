import assert from "node:assert/strict";
import { Hub, WsSession, type WsSessionOptions } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import { testStreamOptions } from "../../_helpers/stream_options.ts";

/** A session over a peer that records what it was sent, parsed. */
function openSession(hub: Hub, options: WsSessionOptions) {
  const sent: Record<string, unknown>[] = [];
  const session = new WsSession(
    {
      send: (t) => void sent.push(JSON.parse(t)),
      close() {},
      bufferedAmount: 0,
    },
    hub,
    options,
  );
  return { session, sent };
}

function setup(options: { maxFrameBytes?: number; heartbeatMs?: number } = {}) {
  const clock = new FakeClock();
  const hub = new Hub({ clock, topics: { pnl: { n: 0 } }, epoch: "ws-epoch" });
  const sent: Record<string, unknown>[] = [];
  const closes: [number, string][] = [];
  let ended = 0;
  const peer = {
    send: (text: string) => void sent.push(JSON.parse(text)),
    close: (code: number, reason: string) => void closes.push([code, reason]),
    bufferedAmount: 0,
  };
  const session = new WsSession(peer, hub, {
    ...testStreamOptions(clock, options),
    onEnd: () => ended++,
  });
  return { clock, hub, sent, closes, session, ended: () => ended };
}

Deno.test("WsSession answers subscribe with a snapshot, then streams deltas", async () => {
  const { clock, hub, sent, session } = setup();
  session.handleFrame('{"type":"subscribe","topic":"pnl"}');
  assert.equal(sent[0]?.type, "snapshot");
  hub.publish("pnl", { n: 1 });
  await clock.advance(100);
  assert.equal(sent[1]?.type, "delta");
  session.end();
  hub.close();
});

Deno.test("WsSession: a second subscribe to the same topic replaces the first (gap repair)", async () => {
  const { clock, hub, sent, session } = setup();
  session.handleFrame('{"type":"subscribe","topic":"pnl"}');
  session.handleFrame(
    '{"type":"subscribe","topic":"pnl","since":1,"epoch":"ws-epoch"}',
  );
  assert.equal(hub.subscriberCount("pnl"), 1);
  hub.publish("pnl", { n: 1 });
  await clock.advance(100);
  assert.equal(
    sent.filter((m) => m.type === "delta").length,
    1,
    "no duplicate deliveries",
  );
  session.handleFrame('{"type":"unsubscribe","topic":"pnl"}');
  assert.equal(hub.subscriberCount("pnl"), 0);
  session.end();
  hub.close();
});

Deno.test("WsSession answers malformed input with error envelopes and stays open", () => {
  const { sent, closes, session, hub } = setup();
  const frames = [
    "{",
    "[]",
    '"text"',
    '{"type":"subscribe"}',
    '{"type":"subscribe","topic":"pnl","since":"4"}',
    '{"type":"subscribe","topic":"pnl","since":1.5}',
    '{"type":"subscribe","topic":"pnl","epoch":"x"}',
    '{"type":"ping","id":5}',
    '{"type":"nope"}',
    '{"type":"subscribe","topic":"__proto__"}',
  ];
  for (const f of frames) session.handleFrame(f);
  session.handleFrame(new Uint8Array([1, 2, 3]));
  assert.equal(sent.length, frames.length + 1);
  assert.ok(
    sent.every((m) => m.type === "error" && typeof m.message === "string"),
  );
  assert.equal(sent.at(-2)?.code, "unknown_topic");
  assert.deepEqual(closes, []);
  assert.equal(session.ended, false);
  session.end();
  hub.close();
});

Deno.test("WsSession closes with 1009 on a frame over the limit, counting bytes not characters", () => {
  const { closes, session, hub } = setup({ maxFrameBytes: 300 });
  session.handleFrame(JSON.stringify({ type: "ping", id: "é".repeat(120) })); // ~260 bytes: fine
  assert.deepEqual(closes, []);
  session.handleFrame(JSON.stringify({ type: "ping", id: "é".repeat(145) })); // ~310 bytes
  assert.equal(closes[0]?.[0], 1009);
  assert.equal(session.ended, true);
  hub.close();
});

Deno.test("WsSession sends a heartbeat only after a silent interval", async () => {
  const { clock, sent, session, hub } = setup({ heartbeatMs: 1000 });
  await clock.advance(999);
  assert.equal(sent.length, 0);
  await clock.advance(1);
  assert.equal(sent[0]?.type, "heartbeat");
  await clock.advance(500);
  session.handleFrame('{"type":"ping","id":"a"}'); // traffic resets the silence
  await clock.advance(900);
  assert.equal(sent.length, 2);
  await clock.advance(100);
  assert.equal(sent[2]?.type, "heartbeat");
  session.end();
  assert.equal(clock.pendingTimers, 0, "no timer outlives the session");
  hub.close();
});

Deno.test("WsSession ends when a write fails, releasing its subscriptions once", async () => {
  const clock = new FakeClock();
  const hub = new Hub({ clock, topics: { pnl: { n: 0 } } });
  let ended = 0;
  let fail = false;
  const session = new WsSession(
    {
      send: () => {
        if (fail) throw new Error("socket gone");
      },
      close: () => {},
      bufferedAmount: 0,
    },
    hub,
    { ...testStreamOptions(clock), onEnd: () => ended++ },
  );
  session.handleFrame('{"type":"subscribe","topic":"pnl"}');
  fail = true;
  hub.publish("pnl", { n: 1 });
  await clock.advance(100);
  assert.equal(session.ended, true);
  assert.equal(hub.subscriberCount("pnl"), 0);
  session.end();
  assert.equal(ended, 1);
  hub.close();
});

Deno.test("WsSession carries several topics on one connection, each with its own position", async () => {
  const clock = new FakeClock();
  using hub = new Hub({
    clock,
    topics: { pnl: { n: 0 }, health: { ok: true } },
    epoch: "multi",
  });
  const { session, sent } = openSession(hub, testStreamOptions(clock));
  session.handleFrame('{"type":"subscribe","topic":"pnl"}');
  session.handleFrame('{"type":"subscribe","topic":"health"}');
  assert.deepEqual(session.topics, ["pnl", "health"]);
  hub.publish("health", { ok: false });
  hub.publish("pnl", { n: 1 });
  await clock.advance(100);
  assert.deepEqual(
    sent.map((m) => [m.type, m.topic]),
    [["snapshot", "pnl"], ["snapshot", "health"], ["delta", "health"], [
      "delta",
      "pnl",
    ]],
  );
  session.handleFrame('{"type":"unsubscribe","topic":"health"}');
  hub.publish("health", { ok: true });
  await clock.advance(100);
  assert.equal(sent.length, 4);
  session.end();
});

Deno.test("WsSession closes a client that sends more than its message rate with 1008 and a rate_limited error", () => {
  const { sent, closes, session, hub } = setup();
  for (let i = 0; i < 60; i++) {
    session.handleFrame(`{"type":"ping","id":"${i}"}`);
  }
  assert.equal(closes[0]?.[0], 1008);
  const last = sent.at(-1)!;
  assert.equal(last.type, "error");
  assert.equal(last.code, "rate_limited");
  assert.ok((last.retryAfterMs as number) > 0);
  assert.equal(
    sent.filter((m) => m.type === "pong").length,
    40,
    "the burst allowance of twice the rate",
  );
  hub.close();
});

Deno.test("WsSession refuses subscriptions past the per-connection limit", () => {
  const clock = new FakeClock();
  const topics = Object.fromEntries(
    Array.from({ length: 5 }, (_, i) => [`t${i}`, { n: i }]),
  );
  using hub = new Hub({ clock, topics });
  const { session, sent } = openSession(
    hub,
    testStreamOptions(clock, { maxSubscriptions: 3 }),
  );
  for (let i = 0; i < 5; i++) {
    session.handleFrame(`{"type":"subscribe","topic":"t${i}"}`);
  }
  assert.deepEqual(session.topics, ["t0", "t1", "t2"]);
  assert.equal(sent.filter((m) => m.code === "rate_limited").length, 2);
  session.handleFrame(
    '{"type":"subscribe","topic":"t1","since":1,"epoch":"' + hub.epoch + '"}',
  );
  assert.equal(
    sent.filter((m) => m.code === "rate_limited").length,
    2,
    "re-subscribing is not a new subscription",
  );
  session.end();
});

Deno.test("WsSession delivers each of several topics and drops only the one unsubscribed", async () => {
  const clock = new FakeClock();
  using hub = new Hub({
    clock,
    topics: { a: { n: 0 }, b: { n: 0 } },
    batchMs: 10,
  });
  const { session, sent } = openSession(hub, testStreamOptions(clock));
  session.handleFrame('{"type":"subscribe","topic":"a"}');
  session.handleFrame('{"type":"subscribe","topic":"b"}');
  assert.deepEqual(session.topics, ["a", "b"]);
  session.handleFrame('{"type":"unsubscribe","topic":"a"}');
  assert.deepEqual(session.topics, ["b"]);
  assert.equal(hub.subscriberCount("a"), 0);
  hub.publish("a", { n: 1 });
  hub.publish("b", { n: 1 });
  await clock.advance(20);
  const deltas = sent.filter((m) => m.type === "delta").map((m) => m.topic);
  assert.deepEqual(deltas, ["b"]);
  session.handleFrame('{"type":"subscribe","topic":"a"}');
  assert.deepEqual(session.topics.sort(), ["a", "b"]);
  session.end();
  assert.equal(hub.subscriberCount("a") + hub.subscriberCount("b"), 0);
  assert.equal(clock.pendingTimers, 0, "the heartbeat ticker stopped too");
});

Deno.test("WsSession acknowledges a resume that is already current with an immediate heartbeat naming the position", () => {
  const { hub, sent, session } = setup();
  session.handleFrame(
    '{"type":"subscribe","topic":"pnl","since":1,"epoch":"ws-epoch"}',
  );
  assert.equal(sent.length, 1, "acknowledged at once, not after 15 s");
  assert.deepEqual(
    { ...sent[0], ts: undefined },
    {
      type: "heartbeat",
      ts: undefined,
      topic: "pnl",
      epoch: "ws-epoch",
      seq: 1,
    },
  );
  session.end();
  hub.close();
});

Deno.test("WsSession refuses a topic the client may not read with a forbidden error and stays open", () => {
  const clock = new FakeClock();
  const hub = new Hub({ clock, topics: { pnl: { n: 0 }, admin: {} } });
  const { session, sent } = openSession(hub, {
    ...testStreamOptions(clock),
    canRead: (topic: string) => topic !== "admin",
  });
  session.handleFrame('{"type":"subscribe","topic":"admin"}');
  assert.equal(sent[0]?.type, "error");
  assert.equal(sent[0]?.code, "forbidden");
  session.handleFrame('{"type":"subscribe","topic":"pnl"}');
  assert.equal(sent[1]?.type, "snapshot");
  session.end();
  hub.close();
});
