import assert from "node:assert/strict";
import { applyEnvelope, type TopicView } from "@/lib/client/mod.ts";
import type { ServerEnvelope, StateEnvelope } from "@/lib/protocol/mod.ts";
import { serveLiveApp } from "../_helpers/live_app.ts";
import { openSse } from "../_helpers/sse_client.ts";
import { openRecordingSocket } from "../_helpers/ws_client.ts";

async function published(
  app: { hub: { position(t: string): { seq: number } } },
  seq: number,
) {
  for (let i = 0; i < 200 && app.hub.position("pnl").seq < seq; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("SSE: headers, a jittered retry: first, id: <epoch>:<seq> per event, a snapshot then deltas", async () => {
  await using app = await serveLiveApp();
  await using sse = await openSse(`${app.url}api/sse?topic=pnl`);
  assert.equal(sse.response.status, 200);
  assert.equal(
    sse.response.headers.get("content-type"),
    "text/event-stream; charset=utf-8",
  );
  assert.equal(
    sse.response.headers.get("cache-control"),
    "no-cache, no-transform",
  );
  assert.equal(sse.response.headers.get("x-accel-buffering"), "no");
  await sse.waitFor((e) => e.length >= 1);
  app.hub.publish("pnl", { n: 1 });
  await sse.waitFor((e) => e.length >= 2);
  assert.ok(sse.retry !== undefined && sse.retry >= 1000 && sse.retry < 5000);
  const [first, second] = sse.events.map((e) => ({
    id: e.id,
    m: JSON.parse(e.data),
  }));
  assert.equal(first!.m.type, "snapshot");
  assert.equal(first!.id, `${app.hub.epoch}:1`);
  assert.equal(second!.m.type, "delta");
  assert.equal(second!.id, `${app.hub.epoch}:2`);
});

Deno.test("SSE: Last-Event-ID takes precedence over since/epoch in the query", async () => {
  await using app = await serveLiveApp();
  for (let n = 1; n <= 4; n++) {
    app.hub.publish("pnl", { n });
    await published(app, n + 1);
  }
  const epoch = app.hub.epoch;
  await using sse = await openSse(
    `${app.url}api/sse?topic=pnl&since=1&epoch=${epoch}`,
    {
      "last-event-id": `${epoch}:3`,
    },
  );
  await sse.waitFor((e) => e.length >= 2);
  const envelopes = sse.events.map((e) => JSON.parse(e.data));
  assert.deepEqual(envelopes.map((m) => [m.type, m.base, m.seq]), [[
    "delta",
    3,
    4,
  ], ["delta", 4, 5]]);
});

Deno.test("SSE: a client that goes away releases its subscription", async () => {
  await using app = await serveLiveApp();
  const sse = await openSse(`${app.url}api/sse?topic=pnl`);
  await sse.waitFor((e) => e.length >= 1);
  assert.equal(app.hub.subscriberCount("pnl"), 1);
  await sse.close();
  for (let i = 0; i < 100 && app.hub.subscriberCount("pnl") > 0; i++) {
    app.hub.publish("pnl", { n: i + 1 }); // a write to a closed stream also notices
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(app.hub.subscriberCount("pnl"), 0);
});

Deno.test("long-poll: a snapshot at once, then parked until a publish wakes it, or an empty answer at the timeout", async () => {
  await using app = await serveLiveApp();
  const first = await (await fetch(`${app.url}api/poll?topic=pnl`)).json();
  assert.equal(first.messages.length, 1);
  assert.equal(first.messages[0].type, "snapshot");
  assert.deepEqual(first.cursor, { epoch: app.hub.epoch, seq: 1 });

  const parked = fetch(
    `${app.url}api/poll?topic=pnl&since=1&epoch=${app.hub.epoch}&timeout=10`,
  );
  await new Promise((r) => setTimeout(r, 50));
  app.hub.publish("pnl", { n: 1 });
  const woken = await (await parked).json();
  assert.deepEqual(woken.messages.map((m: StateEnvelope) => [m.type, m.seq]), [[
    "delta",
    2,
  ]]);
  assert.deepEqual(woken.cursor, { epoch: app.hub.epoch, seq: 2 });

  const started = performance.now();
  const empty = await (await fetch(
    `${app.url}api/poll?topic=pnl&since=2&epoch=${app.hub.epoch}&timeout=0.2`,
  )).json();
  assert.deepEqual(empty, {
    messages: [],
    cursor: { epoch: app.hub.epoch, seq: 2 },
  });
  assert.ok(performance.now() - started >= 150);

  const otherEpoch =
    await (await fetch(`${app.url}api/poll?topic=pnl&since=2&epoch=elsewhere`))
      .json();
  assert.equal(otherEpoch.messages[0].type, "snapshot");
});

Deno.test("long-poll: a client that aborts releases its parked request", async () => {
  await using app = await serveLiveApp();
  const abort = new AbortController();
  const parked = fetch(
    `${app.url}api/poll?topic=pnl&since=1&epoch=${app.hub.epoch}&timeout=30`,
    {
      signal: abort.signal,
    },
  ).catch(() => undefined);
  for (let i = 0; i < 100 && (app.connections.counts().poll ?? 0) === 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(app.connections.counts().poll, 1);
  abort.abort();
  await parked;
  for (let i = 0; i < 100 && (app.connections.counts().poll ?? 0) > 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(app.connections.counts().poll, 0);
});

Deno.test("bad input on every streaming route: documented 400/404 JSON errors, and other clients keep every seq", async () => {
  await using app = await serveLiveApp();
  await using bystander = await openRecordingSocket(
    `${app.url.replace("http", "ws")}api/ws?topic=pnl`,
  );
  await using hostile = await openRecordingSocket(
    `${app.url.replace("http", "ws")}api/ws`,
  );
  for (
    const frame of [
      "{",
      '{"type":"subscribe","topic":{"$gt":""}}',
      '{"type":"subscribe","topic":"pnl","since":1e308}',
      '{"__proto__":{"type":"ping"}}',
      JSON.stringify({ type: "ping", id: "x".repeat(200) }),
      "[".repeat(5000) + "]".repeat(5000),
    ]
  ) hostile.send(frame);
  await hostile.waitFor((m) =>
    m.filter((e) => e.type === "error").length === 6
  );
  const cases: [string, Record<string, string>, number, RegExp][] = [
    ["api/poll?since=-1", {}, 400, /^since must be a non-negative integer/],
    ["api/poll?since=1e3", {}, 400, /^since/],
    ["api/poll?epoch=a", {}, 400, /^epoch must be/],
    ["api/poll?timeout=abc", {}, 400, /^timeout must be a number/],
    ["api/poll?timeout=-1", {}, 400, /^timeout/],
    ["api/poll?topic=nope", {}, 404, /unknown topic/],
    ["api/sse?since=x", {}, 400, /^since/],
    ["api/sse?topic=nope", {}, 404, /unknown topic/],
    ["api/sse", { "last-event-id": "garbage" }, 400, /^Last-Event-ID must be/],
    ["api/sse", { "last-event-id": "abcd:-1" }, 400, /^Last-Event-ID/],
    ["api/snapshot?topic=" + "x".repeat(100), {}, 400, /^topic must be/],
    ["api/history?topic=pnl", {}, 503, /history is not stored/],
  ];
  for (const [path, headers, status, message] of cases) {
    const res = await fetch(`${app.url}${path}`, { headers });
    assert.equal(res.status, status, path);
    const body = await res.json();
    assert.match(body.error.message, message, path);
  }
  const ok = await fetch(`${app.url}api/poll?timeout=60000`); // clamped, and answered at once with a snapshot
  assert.equal(ok.status, 200);
  await ok.body?.cancel();

  for (let n = 1; n <= 5; n++) {
    app.hub.publish("pnl", { n });
    await published(app, n + 1);
  }
  await bystander.waitFor((m) => m.length === 6);
  assert.deepEqual(
    bystander.messages.map((m) => m.type === "delta" ? m.base : "snapshot"),
    [
      "snapshot",
      1,
      2,
      3,
      4,
      5,
    ],
  );
  assert.deepEqual(app.hub.state("pnl"), { n: 5 });
});

/** Applies envelopes to a view, failing on any gap. */
function applyAll(
  view: TopicView | undefined,
  envelopes: ServerEnvelope[],
): TopicView | undefined {
  for (const e of envelopes) {
    if (e.type !== "snapshot" && e.type !== "delta") continue;
    const result = applyEnvelope(view, e);
    assert.notEqual(result.outcome, "gap", JSON.stringify(e));
    view = result.view;
  }
  return view;
}

Deno.test("resume across transports: WebSocket -> SSE -> long-poll -> WebSocket with no gap and no snapshot", async () => {
  await using app = await serveLiveApp();
  const wsUrl = `${app.url.replace("http", "ws")}api/ws`;
  let n = 0;
  const publishSome = async (count: number) => {
    for (let i = 0; i < count; i++) {
      app.hub.publish("pnl", { n: ++n, [`k${n % 4}`]: n });
      await published(app, n + 1);
    }
  };

  const ws = await openRecordingSocket(`${wsUrl}?topic=pnl`);
  await ws.waitFor((m) => m.length >= 1);
  await publishSome(3);
  await ws.waitFor((m) => m.length >= 4);
  let view = applyAll(undefined, ws.messages);
  await ws.close();
  assert.equal(view?.seq, 4);

  await publishSome(2); // missed while switching
  const sse = await openSse(
    `${app.url}api/sse?topic=pnl&since=${view!.seq}&epoch=${view!.epoch}`,
  );
  await sse.waitFor((e) => e.length >= 2);
  const fromSse = sse.events.map((e) => JSON.parse(e.data) as ServerEnvelope);
  assert.ok(fromSse.every((m) => m.type === "delta"), "resumed from history");
  view = applyAll(view, fromSse);
  await sse.close();
  assert.equal(view?.seq, 6);

  await publishSome(2);
  const poll = await (await fetch(
    `${app.url}api/poll?topic=pnl&since=${view!.seq}&epoch=${view!.epoch}`,
  )).json();
  assert.ok(poll.messages.every((m: ServerEnvelope) => m.type === "delta"));
  view = applyAll(view, poll.messages);
  assert.equal(view?.seq, 8);

  await publishSome(1);
  await using back = await openRecordingSocket(
    `${wsUrl}?topic=pnl&since=${view!.seq}&epoch=${view!.epoch}`,
  );
  await back.waitFor((m) => m.length >= 1);
  assert.ok(back.messages.every((m) => m.type === "delta"));
  view = applyAll(view, back.messages);
  assert.equal(view?.seq, 9);
  assert.deepEqual(view?.data, app.states.get(9));
});

Deno.test("shutdown: WebSocket gets an error envelope with retryAfterMs then 1001, SSE ends after an error event, parked polls get 503 with Retry-After", async () => {
  const app = await serveLiveApp({
    stream: { pacing: { baseMs: 1000, spreadMs: 4000 } },
  });
  const ws = await openRecordingSocket(
    `${app.url.replace("http", "ws")}api/ws?topic=pnl`,
  );
  await ws.waitFor((m) => m.length >= 1);
  const sse = await openSse(`${app.url}api/sse?topic=pnl`);
  await sse.waitFor((e) => e.length >= 1);
  const parked = fetch(
    `${app.url}api/poll?topic=pnl&since=1&epoch=${app.hub.epoch}&timeout=30`,
  );
  for (let i = 0; i < 100 && (app.connections.counts().poll ?? 0) === 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await app.close();

  const closed = await ws.closed;
  assert.equal(closed.code, 1001);
  const goodbye = ws.messages.at(-1);
  assert.ok(
    goodbye?.type === "error" && goodbye.retryAfterMs! >= 1000 &&
      goodbye.retryAfterMs! < 5000,
  );

  await sse.ended;
  const last = JSON.parse(sse.events.at(-1)!.data);
  assert.equal(last.type, "error");
  assert.equal(last.code, "unavailable");

  const res = await parked;
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get("retry-after")) >= 1);
  assert.equal((await res.json()).error.code, "unavailable");
});

Deno.test("limits: open connections per client address are capped with 429 and freed when a client leaves", async () => {
  await using app = await serveLiveApp({
    env: { PULSE_MAX_CONNECTIONS_PER_IP: "2" },
  });
  const ws = `${app.url.replace("http", "ws")}api/ws?topic=pnl`;
  const first = await openRecordingSocket(ws);
  await using second = await openSse(`${app.url}api/sse?topic=pnl`);
  const third = await fetch(`${app.url}api/sse?topic=pnl`);
  assert.equal(third.status, 429);
  assert.equal(third.headers.get("retry-after"), "5");
  assert.match(
    (await third.json()).error.message,
    /at most 2 open connections per client address/,
  );
  await first.close();
  for (let i = 0; i < 100; i++) {
    const again = await fetch(`${app.url}api/sse?topic=pnl`);
    if (again.status === 200) {
      await again.body?.cancel();
      return;
    }
    await again.body?.cancel();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail("the slot was not freed");
  void second;
});
