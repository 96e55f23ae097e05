import assert from "node:assert/strict";
import { createSseStream, Hub } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import { testStreamOptions } from "../../_helpers/stream_options.ts";

async function readText(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  chunks: number,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for (let i = 0; i < chunks; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  return text;
}

Deno.test("createSseStream() writes retry:, then id:/data: events, then a heartbeat comment on silence", async () => {
  const clock = new FakeClock({
    start: Date.parse("2026-11-28T13:00:00.000Z"),
  });
  using hub = new Hub({
    clock,
    topics: { pnl: { n: 0 } },
    epoch: "sse-epoch",
    batchMs: 10,
  });
  const conn = createSseStream(
    hub,
    "pnl",
    {},
    testStreamOptions(clock, { heartbeatMs: 1000, random: () => 0.25 }),
  );
  const reader = conn.stream.getReader();
  const head = await readText(reader, 2);
  assert.match(
    head,
    /^retry: 2000\n\nid: sse-epoch:1\ndata: \{"type":"snapshot"/,
  );
  hub.publish("pnl", { n: 1 });
  await clock.advance(10);
  assert.match(
    await readText(reader, 1),
    /^id: sse-epoch:2\ndata: \{"type":"delta".*\n\n$/,
  );
  // The delta went out when the start's window closed, at 0.010 s. The
  // shared ticker looks every 100 ms (a tenth of the interval), so the
  // heartbeat goes out at the first tick after 1 s of silence.
  await clock.advance(1090);
  assert.equal(await readText(reader, 1), ": hb 2026-11-28T13:00:01.100Z\n\n");
  await reader.cancel();
  await conn.closed;
  assert.equal(
    hub.subscriberCount("pnl"),
    0,
    "cancel released the subscription",
  );
  assert.equal(clock.pendingTimers, 0, "and the heartbeat timer");
});

Deno.test("createSseStream().close() sends an error event with retryAfterMs and ends the stream", async () => {
  const clock = new FakeClock();
  using hub = new Hub({ clock, topics: { pnl: { n: 0 } } });
  const conn = createSseStream(
    hub,
    "pnl",
    {},
    testStreamOptions(clock, { pacing: { baseMs: 100, spreadMs: 0 } }),
  );
  conn.close(1001, "server shutting down");
  const text = await new Response(conn.stream).text();
  const last = text.trim().split("\n\n").at(-1)!;
  assert.deepEqual(JSON.parse(last.replace(/^data: /, "")), {
    type: "error",
    code: "unavailable",
    message: "server shutting down",
    retryAfterMs: 100,
  });
  await conn.closed;
});

Deno.test("createSseStream() acknowledges a resume that is already current with a heartbeat event carrying the position as its id", async () => {
  const clock = new FakeClock({
    start: Date.parse("2026-11-28T13:00:00.000Z"),
  });
  using hub = new Hub({ clock, topics: { pnl: { n: 0 } }, epoch: "sse-epoch" });
  const conn = createSseStream(
    hub,
    "pnl",
    { since: 1, epoch: "sse-epoch" },
    testStreamOptions(clock, { heartbeatMs: 15_000, random: () => 0.25 }),
  );
  const reader = conn.stream.getReader();
  const head = await readText(reader, 2);
  assert.equal(
    head,
    'retry: 2000\n\nid: sse-epoch:1\ndata: {"type":"heartbeat","ts":"2026-11-28T13:00:00.000Z","topic":"pnl","epoch":"sse-epoch","seq":1}\n\n',
  );
  conn.close(1000, "done");
  await reader.cancel();
});
