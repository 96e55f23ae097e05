/**
 * The Server-Sent Events client transport, reading the event stream with
 * `fetch` rather than `EventSource`: the same code runs in browsers and
 * Deno, heartbeat comments are visible (so a buffering proxy or a dead
 * stream is detected within the liveness window), and reconnects are the
 * driver's, with its backoff and fallback, not the browser's own.
 *
 * @module
 */
import { parseServerEnvelope, textLines } from "../../protocol/mod.ts";
import {
  streamUrl,
  type TransportConnection,
  type TransportEnd,
  type TransportFactory,
} from "./transport.ts";

/**
 * Creates the SSE transport.
 *
 * @param fetchFn The fetch to use (injectable for tests).
 * @returns The transport factory.
 */
export function sseTransport(
  fetchFn: typeof fetch = (i, init) => fetch(i, init),
): TransportFactory {
  return function openSse(
    { baseUrl, topic, position, handlers, query },
  ): TransportConnection {
    const abort = new AbortController();
    let ended = false;
    let retryAfterMs: number | undefined;
    const finish = (how: TransportEnd) => {
      if (ended) return;
      ended = true;
      abort.abort();
      handlers.onEnd(how);
    };
    const end = (reason: string) =>
      finish({ kind: "failed", reason, retryAfterMs });
    const run = async () => {
      const res = await fetchFn(
        streamUrl(baseUrl, "/api/sse", topic, position(), query),
        {
          headers: { accept: "text/event-stream" },
          signal: abort.signal,
        },
      );
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        throw new Error(`SSE answered ${res.status}`);
      }
      handlers.onOpen();
      let data: string[] = [];
      const lines = textLines(
        res.body,
        (text) => handlers.onBytes?.(text.length),
      );
      for await (const line of lines) {
        if (line === "") {
          if (data.length > 0) dispatch(data.join("\n"));
          data = [];
        } else if (line.startsWith(":")) {
          handlers.onActivity();
        } else if (line.startsWith("data:")) {
          data.push(line.slice(5).replace(/^ /, ""));
        } else if (line.startsWith("retry:")) {
          // The server's pacing hint for the next reconnect.
          const ms = Number(line.slice(6).trim());
          if (Number.isSafeInteger(ms) && ms >= 0) retryAfterMs = ms;
        }
      }
      end("SSE stream ended");
    };
    const dispatch = (text: string) => {
      handlers.onActivity();
      try {
        const envelope = parseServerEnvelope(text);
        if (envelope.type === "error" && envelope.retryAfterMs !== undefined) {
          retryAfterMs = envelope.retryAfterMs;
        }
        handlers.onEnvelope(envelope);
      } catch {
        // A malformed event is skipped; the stream goes on.
      }
    };
    run().catch((error) =>
      end(`SSE failed: ${error instanceof Error ? error.message : error}`)
    );
    return {
      resubscribe() {
        // The stream cannot be re-aimed: end it, and the driver reopens from
        // the current position at once.
        finish({ kind: "resubscribe" });
      },
      close() {
        ended = true;
        abort.abort();
      },
    };
  };
}
