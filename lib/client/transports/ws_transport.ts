/**
 * The WebSocket client transport: subscribes at connect time by query,
 * re-subscribes by message after a gap.
 *
 * @module
 */
import {
  parseServerEnvelope,
  type ServerEnvelope,
} from "../../protocol/mod.ts";
import {
  streamUrl,
  type TransportConnection,
  type TransportFactory,
} from "./transport.ts";

/** The parts of a WebSocket the transport uses. */
export interface ClientSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
}

/**
 * Creates the WebSocket transport.
 *
 * @param createSocket Opens a socket (injectable for tests).
 * @returns The transport factory.
 */
export function wsTransport(
  createSocket: (url: string) => ClientSocket = (url) =>
    new WebSocket(url) as unknown as ClientSocket,
): TransportFactory {
  return function openWs(
    { baseUrl, topic, position, handlers, query },
  ): TransportConnection {
    const url = streamUrl(baseUrl, "/api/ws", topic, position(), query);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let ended = false;
    let retryAfterMs: number | undefined;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      detach();
      handlers.onEnd({ kind: "failed", reason, retryAfterMs });
    };
    let socket: ClientSocket;
    try {
      socket = createSocket(url.href);
    } catch (error) {
      queueMicrotask(() =>
        end(`cannot open WebSocket: ${(error as Error).message}`)
      );
      return { resubscribe() {}, close() {} };
    }
    const detach = () => {
      socket.onopen =
        socket.onmessage =
        socket.onclose =
        socket.onerror =
          null;
    };
    socket.onopen = () => handlers.onOpen();
    socket.onmessage = (event) => {
      let envelope: ServerEnvelope;
      const text = String(event.data);
      handlers.onBytes?.(text.length);
      try {
        envelope = parseServerEnvelope(text);
      } catch {
        return; // not ours to apply; the liveness check still sees traffic below
      } finally {
        handlers.onActivity();
      }
      if (envelope.type === "error" && envelope.retryAfterMs !== undefined) {
        retryAfterMs = envelope.retryAfterMs;
      }
      handlers.onEnvelope(envelope);
    };
    socket.onclose = (event) =>
      end(
        `WebSocket closed (${event.code}${
          event.reason ? ` ${event.reason}` : ""
        })`,
      );
    socket.onerror = () => {
      // A close event follows.
    };
    return {
      resubscribe() {
        const p = position();
        try {
          socket.send(JSON.stringify({
            type: "subscribe",
            topic,
            ...(p.since !== undefined && p.epoch !== undefined
              ? { since: p.since, epoch: p.epoch }
              : {}),
          }));
        } catch {
          end("WebSocket send failed");
        }
      },
      close() {
        ended = true;
        detach();
        try {
          socket.close(1000, "client closed");
        } catch {
          // Never opened; gone either way.
        }
      },
    };
  };
}
