import assert from "node:assert/strict";
import { fetchJson } from "@/lib/sources/upstream_http.ts";
import { UpstreamDataError } from "@/lib/sources/mod.ts";

Deno.test("fetchJson reads an endless upstream body as a stream and stops at 8 MiB, holding no more than that", async () => {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let produced = 0;
  let cancelled = false;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      produced += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  await assert.rejects(
    fetchJson("https://api.example.test/v1/balance", {
      upstream: "Example",
      fetch: () => Promise.resolve(new Response(endless, { status: 200 })),
    }),
    (error: unknown) =>
      error instanceof UpstreamDataError &&
      /Example sent more than 8388608 bytes/.test(error.message),
  );
  assert.ok(cancelled, "the body was cancelled, not drained");
  // Pulled up to the limit plus the chunk that crossed it, and the few the
  // stream queues ahead: nowhere near the 400 MiB a text() would buffer.
  assert.ok(produced <= 8 * 1024 * 1024 + 4 * chunk.byteLength, `${produced}`);
});
