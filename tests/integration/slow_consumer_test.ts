/**
 * Slow consumers over real sockets: a client that stops reading is caught
 * up when it reads again (its final state is right, and it received far
 * fewer messages than were published), and one that never reads again is
 * closed, while the other clients receive every seq.
 */
import assert from "node:assert/strict";
import { applyEnvelope, type TopicView } from "@/lib/client/mod.ts";
import type { JsonObject, ServerEnvelope } from "@/lib/protocol/mod.ts";
import type { StreamEvent } from "@/lib/stream/mod.ts";
import { serveLiveApp } from "../_helpers/live_app.ts";
import {
  sseDataLines,
  stalledSse,
  stalledWebSocket,
  webSocketFrames,
} from "../_helpers/raw_clients.ts";
import { openRecordingSocket } from "../_helpers/ws_client.ts";

const PUBLISHES = 300;
// Each state change rewrites a 64 KiB member, so unread bytes pile up fast.
const blob = (n: number) => String(n).padEnd(8, "-").repeat(8 * 1024);

function replay(
  envelopes: ServerEnvelope[],
): { view?: TopicView; count: number; catchUps: number } {
  let view: TopicView | undefined;
  let catchUps = 0;
  for (const e of envelopes) {
    if (e.type !== "snapshot" && e.type !== "delta") continue;
    if (e.type === "delta" && e.seq - e.base > 1) catchUps++;
    const result = applyEnvelope(view, e);
    assert.notEqual(result.outcome, "gap");
    view = result.view;
  }
  return { view, count: envelopes.length, catchUps };
}

async function publishAll(
  app: Awaited<ReturnType<typeof serveLiveApp>>,
): Promise<JsonObject> {
  let state: JsonObject = {};
  for (let n = 1; n <= PUBLISHES; n++) {
    state = { n, blob: blob(n), fixed: "kept" };
    app.hub.publish("pnl", state);
    await new Promise((r) => setTimeout(r, 2)); // one batch window each
  }
  for (let i = 0; i < 200 && app.hub.state("pnl") !== state; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return state;
}

for (const transport of ["sse", "ws"] as const) {
  Deno.test(`a ${transport} client that stops reading is caught up, not kicked, and ends with the right state`, async () => {
    const events: StreamEvent[] = [];
    await using app = await serveLiveApp({
      initial: { n: 0, fixed: "kept" },
      batchMs: 1,
      stream: {
        highWaterBytes: 64 * 1024,
        lowWaterBytes: 16 * 1024,
        maxBehindMs: 30_000,
        onEvent: (e) => events.push(e),
      },
    });
    const url = `${app.url}api/${transport}?topic=pnl`;
    await using slow = transport === "sse"
      ? await stalledSse(url)
      : await stalledWebSocket(url.replace("http", "ws"));
    await using fast = await openRecordingSocket(
      `${app.url.replace("http", "ws")}api/ws?topic=pnl`,
    );

    const final = await publishAll(app);
    await fast.waitFor((m) =>
      m.at(-1)?.type === "delta" &&
      (m.at(-1) as { seq: number }).seq === PUBLISHES + 1
    );
    const fastResult = replay(fast.messages);
    assert.equal(
      fastResult.count,
      PUBLISHES + 1,
      "the fast client got every seq",
    );

    const finalSeq = app.hub.position("pnl").seq;
    const marker = `"seq":${finalSeq},`;
    const payloads = () =>
      transport === "sse"
        ? sseDataLines(slow.bytes())
        : webSocketFrames(slow.bytes()).texts;
    // Framing can split a payload across reads: look in whole payloads only.
    await slow.readUntil(
      () => payloads().at(-1)?.includes(marker) ?? false,
      20_000,
    );
    const envelopes = payloads().map((t) => JSON.parse(t) as ServerEnvelope);
    const result = replay(envelopes);
    assert.equal(result.view?.seq, finalSeq);
    assert.deepEqual(result.view?.data, final);
    assert.ok(
      result.count < PUBLISHES / 2,
      `${result.count} messages for ${PUBLISHES} publishes`,
    );
    assert.ok(
      events.some((e) => e.kind === "catch_up" && e.transport === transport),
    );
    assert.ok(
      !events.some((e) => e.kind === "slow_close"),
    );
  });
}

Deno.test("a client that never drains is closed after the limit (4008 on WebSocket) while others keep every seq", async () => {
  const events: StreamEvent[] = [];
  await using app = await serveLiveApp({
    initial: { n: 0, fixed: "kept" },
    batchMs: 1,
    stream: {
      highWaterBytes: 32 * 1024,
      lowWaterBytes: 8 * 1024,
      maxBehindMs: 300,
      onEvent: (e) => events.push(e),
    },
  });
  await using slow = await stalledWebSocket(
    `${app.url.replace("http", "ws")}api/ws?topic=pnl`,
  );
  await using fast = await openRecordingSocket(
    `${app.url.replace("http", "ws")}api/ws?topic=pnl`,
  );
  await publishAll(app);
  for (
    let i = 0;
    i < 200 && !events.some((e) => e.kind === "slow_close");
    i++
  ) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(
    events.some((e) => e.kind === "slow_close" && e.transport === "ws"),
  );
  await fast.waitFor((m) => m.length === PUBLISHES + 1);
  await slow.readUntil(
    () => webSocketFrames(slow.bytes()).closeCode !== undefined,
    10_000,
  );
  const { texts, closeCode } = webSocketFrames(slow.bytes());
  assert.equal(closeCode, 4008);
  const goodbye = JSON.parse(texts.at(-1)!);
  assert.equal(goodbye.type, "error");
  assert.ok(goodbye.retryAfterMs > 0);
});

Deno.test("a WebSocket that stops answering pings is detected as dead and closed", async () => {
  await using app = await serveLiveApp({ stream: { wsIdleTimeoutS: 1 } });
  // A raw client never answers the runtime's pings (nor reads anything).
  await using dead = await stalledWebSocket(
    `${app.url.replace("http", "ws")}api/ws?topic=pnl`,
  );
  for (let i = 0; i < 50 && app.hub.subscriberCount("pnl") === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(app.hub.subscriberCount("pnl"), 1);
  for (let i = 0; i < 400 && app.hub.subscriberCount("pnl") > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(
    app.hub.subscriberCount("pnl"),
    0,
    "released within a few idle periods",
  );
  await dead.readUntil(() => false, 2_000);
  assert.equal(dead.eof, true, "and its TCP connection closed");
});
