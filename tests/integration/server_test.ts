import assert from "node:assert/strict";
import { applyEnvelope, type TopicView } from "@/lib/client/mod.ts";
import type {
  JsonObject,
  ServerEnvelope,
  SnapshotEnvelope,
} from "@/lib/protocol/mod.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { openRecordingSocket } from "../_helpers/ws_client.ts";

const FAST = { PULSE_SIM_INTERVAL_MS: "40", PULSE_BATCH_MS: "20" };

function wsUrl(base: string, query = ""): string {
  const url = new URL(`/api/ws${query}`, base);
  url.protocol = "ws:";
  return url.href;
}

async function getSnapshot(base: string): Promise<SnapshotEnvelope> {
  const res = await fetch(new URL("/api/snapshot?topic=pnl", base));
  assert.equal(res.status, 200);
  return await res.json();
}

Deno.test("a WebSocket client's applied deltas equal GET /api/snapshot at the same seq", async () => {
  await using server = await startServerProcess({ env: FAST });
  await using ws = await openRecordingSocket(wsUrl(server.url));
  ws.send(JSON.stringify({ type: "subscribe", topic: "pnl" }));

  // Replays every state message, keeping the view at each seq.
  const viewsBySeq = new Map<number, JsonObject>();
  let view: TopicView | undefined;
  let applied = 0;
  const replay = (messages: ServerEnvelope[]) => {
    for (const m of messages.splice(0)) {
      if (m.type !== "snapshot" && m.type !== "delta") continue;
      const result = applyEnvelope(view, m);
      assert.notEqual(result.outcome, "gap", `gap at ${JSON.stringify(m)}`);
      if (result.outcome === "applied") applied++;
      view = result.view;
      if (view) viewsBySeq.set(view.seq, view.data);
    }
  };
  await ws.waitFor((ms) => {
    replay(ms);
    return applied >= 5;
  });
  assert.equal(ws.messages.length, 0);

  for (let round = 0; round < 3; round++) {
    const snapshot = await getSnapshot(server.url);
    assert.equal(snapshot.epoch, view?.epoch);
    await ws.waitFor((ms) => {
      replay(ms);
      return (view?.seq ?? 0) >= snapshot.seq;
    });
    assert.deepEqual(viewsBySeq.get(snapshot.seq), snapshot.data);
  }
});

Deno.test("GET /api/snapshot returns a protocol envelope with integer money and honours If-None-Match", async () => {
  // A slow simulator, so the state stands still after the first tick.
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "600000", PULSE_BATCH_MS: "10" },
  });
  const url = new URL("/api/snapshot?topic=pnl", server.url);
  let first = await fetch(url);
  let body = await first.json();
  for (let i = 0; i < 50 && body.seq < 2; i++) {
    // The first tick's state has not been published yet.
    await new Promise((r) => setTimeout(r, 50));
    first = await fetch(url);
    body = await first.json();
  }
  assert.equal(first.headers.get("cache-control"), "no-cache");
  assert.equal(
    first.headers.get("content-type"),
    "application/json; charset=utf-8",
  );
  assert.equal(body.type, "snapshot");
  assert.equal(body.topic, "pnl");
  assert.match(body.epoch, /^[A-Za-z0-9_-]{4,32}$/);
  assert.ok(Number.isSafeInteger(body.seq) && body.seq > 0);
  assert.match(body.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  for (
    const key of ["revenueMinor", "expensesMinor", "tradingMinor", "netMinor"]
  ) {
    assert.ok(
      Number.isSafeInteger(body.data.periods.today[key]),
      `${key} is an integer`,
    );
  }
  const etag = first.headers.get("etag");
  assert.equal(etag, `"${body.epoch}:${body.seq}"`);

  const again = await fetch(url, { headers: { "if-none-match": etag! } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get("etag"), etag);
  await again.body?.cancel();
});

Deno.test("GET /api/snapshot?topic=nope answers 404 with a JSON error", async () => {
  await using server = await startServerProcess({ env: FAST });
  const res = await fetch(new URL("/api/snapshot?topic=nope", server.url));
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.equal(body.error.code, "unknown_topic");
  assert.match(body.error.message, /nope/);
});

Deno.test("WebSocket: bad messages get error envelopes and the connection stays open", async () => {
  await using server = await startServerProcess({ env: FAST });
  await using ws = await openRecordingSocket(wsUrl(server.url));
  const errors = () => ws.messages.filter((m) => m.type === "error");

  ws.send("this is not json");
  await ws.waitFor(() => errors().length === 1);
  assert.equal(
    errors()[0]?.type === "error" && errors()[0]?.code,
    "bad_request",
  );

  ws.send(JSON.stringify({ type: "launch" }));
  ws.send(JSON.stringify({ type: "subscribe", topic: "pnl", since: -4 }));
  ws.send(JSON.stringify({ type: "subscribe", topic: "nope" }));
  await ws.waitFor(() => errors().length === 4);
  const codes = errors().map((e) => e.type === "error" ? e.code : "");
  assert.deepEqual(codes, [
    "bad_request",
    "bad_request",
    "bad_request",
    "unknown_topic",
  ]);

  ws.send(JSON.stringify({ type: "ping", id: "still-there" }));
  await ws.waitFor((ms) =>
    ms.some((m) => m.type === "pong" && m.id === "still-there")
  );
});

Deno.test("WebSocket: ?topic= subscribes at connect time, and an oversized frame closes with 1009", async () => {
  await using server = await startServerProcess({ env: FAST });
  await using ws = await openRecordingSocket(wsUrl(server.url, "?topic=pnl"));
  await ws.waitFor((ms) => ms[0]?.type === "snapshot");
  ws.send(JSON.stringify({ type: "ping", id: "x".repeat(20_000) }));
  const closed = await ws.closed;
  assert.equal(closed.code, 1009);
});

Deno.test("WebSocket: a resume with the current epoch and seq is acknowledged at once, then gets only the deltas after it", async () => {
  await using server = await startServerProcess({ env: FAST });
  await using first = await openRecordingSocket(
    wsUrl(server.url, "?topic=pnl"),
  );
  await first.waitFor((ms) => ms.filter((m) => m.type === "delta").length >= 3);
  const last = first.messages.findLast((m) => m.type === "delta");
  assert.ok(last?.type === "delta");
  await first.close();

  await using second = await openRecordingSocket(
    wsUrl(server.url, `?topic=pnl&since=${last.seq}&epoch=${last.epoch}`),
  );
  await second.waitFor((ms) => ms.some((m) => m.type === "delta"));
  const [ack, ...rest] = second.messages;
  // Current when it resumed: an immediate heartbeat names the position held;
  // if the board moved meanwhile, the missed deltas come instead.
  if (ack?.type === "heartbeat") {
    assert.deepEqual(
      { topic: ack.topic, epoch: ack.epoch, seq: ack.seq },
      { topic: "pnl", epoch: last.epoch, seq: last.seq },
    );
  }
  const head = ack?.type === "heartbeat" ? rest[0] : ack;
  assert.ok(head?.type === "delta", "resumed from history, not a snapshot");
  assert.equal(head.base, last.seq);
});

Deno.test("GET /metrics and GET /api/health report connections, messages, sources, cache tiers and topics", async () => {
  // No reading counts as fresh: every L1 read is a miss that goes
  // upstream. (With the default, half the interval, a read that took longer
  // than that on a busy machine made the next poll a hit.)
  await using server = await startServerProcess({
    env: { ...FAST, PULSE_CACHE_TTL_MS: "0" },
  });
  await using ws = await openRecordingSocket(wsUrl(server.url, "?topic=pnl"));
  await ws.waitFor((ms) => ms.filter((m) => m.type === "delta").length >= 2);
  const res = await fetch(new URL("/metrics", server.url));
  assert.equal(
    res.headers.get("content-type"),
    "text/plain; version=0.0.4; charset=utf-8",
  );
  const text = await res.text();
  for (
    const line of [
      /^pulse_connected_clients\{transport="ws"\} 1$/m,
      /^pulse_messages_sent_total\{transport="ws",type="delta"\} [1-9]\d*$/m,
      /^pulse_subscriptions_total\{transport="ws",how="snapshot"\} 1$/m,
      /^pulse_breaker_state\{source="sim-revenue",state="closed"\} 1$/m,
      /^pulse_cache_hits_total\{tier="L1"\} 0$/m,
      /^pulse_cache_misses_total\{tier="L1"\} [1-9]\d*$/m,
      /^pulse_source_reads_total\{source="sim-trading",outcome="ok"\} [1-9]\d*$/m,
      /^pulse_publish_fanout_seconds_count [1-9]\d*$/m,
      /^pulse_topic_seq\{topic="pnl"\} [1-9]\d*$/m,
    ]
  ) {
    assert.match(text, line);
  }
  const health = await (await fetch(new URL("/api/health", server.url))).json();
  assert.equal(health.status, "ok");
  assert.deepEqual(Object.keys(health.sources).sort(), [
    "sim-api-costs",
    "sim-balance",
    "sim-revenue",
    "sim-trading",
  ]);
  assert.equal(health.sources["sim-revenue"].breaker, "closed");
  assert.deepEqual(health.redis, { configured: false, up: false });
  assert.equal(health.topics.pnl.subscribers, 1);
  const ready = await fetch(new URL("/api/health?ready", server.url));
  assert.equal(ready.status, 200);
  await ready.body?.cancel();
});
