/**
 * The long-poll client transport: one request at a time, each from the
 * client's current position, so it resumes naturally after a gap.
 *
 * @module
 */
import { parseServerEnvelope } from "../../protocol/mod.ts";
import {
  streamUrl,
  type TransportConnection,
  type TransportFactory,
} from "./transport.ts";

/**
 * Creates the long-poll transport.
 *
 * @param fetchFn The fetch to use (injectable for tests).
 * @param timeoutS How long the server may hold each request.
 * @returns The transport factory.
 */
export function pollTransport(
  fetchFn: typeof fetch = (i, init) => fetch(i, init),
  timeoutS = 25,
): TransportFactory {
  return function openPoll(
    { baseUrl, topic, position, handlers, query },
  ): TransportConnection {
    const abort = new AbortController();
    let ended = false;
    let opened = false;
    const end = (reason: string, retryAfterMs?: number) => {
      if (ended) return;
      ended = true;
      abort.abort();
      handlers.onEnd({ kind: "failed", reason, retryAfterMs });
    };
    const loop = async () => {
      while (!ended) {
        // The first request is answered at once (timeout 0): that answer
        // acknowledges the subscription even when nothing has changed.
        const res = await fetchFn(
          streamUrl(baseUrl, "/api/poll", topic, position(), {
            ...query,
            timeout: opened ? String(timeoutS) : "0",
          }),
          { signal: abort.signal },
        );
        const text = await res.text();
        handlers.onBytes?.(text.length);
        if (!res.ok) {
          const retry = Number(res.headers.get("retry-after"));
          end(
            `long-poll answered ${res.status}`,
            Number.isFinite(retry) && retry > 0 ? retry * 1000 : undefined,
          );
          return;
        }
        if (!opened) {
          opened = true;
          handlers.onOpen();
        }
        handlers.onActivity();
        const body = JSON.parse(text) as { messages?: unknown[] };
        for (const m of body.messages ?? []) {
          if (ended) return;
          try {
            handlers.onEnvelope(parseServerEnvelope(JSON.stringify(m)));
          } catch {
            // Skip what is not an envelope.
          }
        }
        if (!ended && (body.messages ?? []).length === 0) {
          handlers.onAcknowledged?.();
        }
      }
    };
    loop().catch((error) =>
      end(`long-poll failed: ${error instanceof Error ? error.message : error}`)
    );
    return {
      resubscribe() {
        // Every request already starts from the current position.
      },
      close() {
        ended = true;
        abort.abort();
      },
    };
  };
}
