import assert from "node:assert/strict";
import { sseTransport, type TransportEnd } from "@/lib/client/mod.ts";

Deno.test("sseTransport parses events, counts heartbeat comments as activity, and hands the server's retry: on", async () => {
  const body = "retry: 2500\n\n: hb now\n\nid: e123:1\ndata: " +
    JSON.stringify({
      type: "snapshot",
      topic: "pnl",
      epoch: "e123",
      seq: 1,
      ts: "x",
      data: {},
    }) + "\n\n";
  const fakeFetch = ((input: URL) => {
    assert.equal(input.pathname, "/api/sse");
    assert.equal(input.searchParams.get("since"), "7");
    return Promise.resolve(
      new Response(body, { headers: { "content-type": "text/event-stream" } }),
    );
  }) as unknown as typeof fetch;
  const seen: string[] = [];
  const { promise: ended, resolve } = Promise.withResolvers<
    TransportEnd
  >();
  sseTransport(fakeFetch)({
    baseUrl: "http://board.test",
    topic: "pnl",
    position: () => ({ since: 7, epoch: "e123" }),
    handlers: {
      onOpen: () => seen.push("open"),
      onActivity: () => seen.push("activity"),
      onEnvelope: (e) => seen.push(e.type),
      onEnd: resolve,
    },
  });
  const end = await ended;
  assert.deepEqual(seen, ["open", "activity", "activity", "snapshot"]);
  assert.deepEqual(end, {
    kind: "failed",
    reason: "SSE stream ended",
    retryAfterMs: 2500,
  });
});
