/**
 * The Server-Sent Events transport as a byte stream: `retry:` first, then
 * one event per envelope (`id: <epoch>:<seq>`, `data: <json>`), heartbeat
 * comments on silence, and backpressure from the stream's own queue
 * (`desiredSize`). Web-standard streams only; the route adds the headers.
 *
 * @module
 */
import type { TimerId } from "../time/mod.ts";
import { isoTime } from "../time/mod.ts";
import type { Hub, ResumePosition } from "./hub.ts";
import { pacedDelay } from "./pacing.ts";
import { encodeEnvelope, type ErrorCode } from "./protocol.ts";
import type { StreamOptions } from "./stream_options.ts";
import { TopicFeed } from "./topic_feed.ts";

/** An open SSE stream and the server's handle on it. */
export interface SseConnection {
  /** The response body. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Ends the stream after an `error` event carrying `retryAfterMs`. */
  close(code: number, reason: string): void;
  /** Resolves once the stream has ended, however it ended. */
  readonly closed: Promise<void>;
}

/** Options for {@linkcode createSseStream}. */
export interface SseStreamOptions extends StreamOptions {
  /** Ends the stream when it aborts (the request's signal). */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();

/**
 * Opens an SSE stream of `topic` from `position`.
 *
 * @param hub The hub.
 * @param topic An existing topic.
 * @param position Where the client resumes from.
 * @param options Shared stream settings and the request's signal.
 * @returns The stream and its handle.
 */
export function createSseStream(
  hub: Hub,
  topic: string,
  position: ResumePosition,
  options: SseStreamOptions,
): SseConnection {
  const { clock, heartbeatMs, highWaterBytes, signal, onEvent } = options;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let feed: TopicFeed | undefined;
  let heartbeat: TimerId | undefined;
  let lastSentAt = clock.now();
  let ended = false;
  const { promise: closed, resolve: onClosed } = Promise.withResolvers<void>();

  const cleanup = () => {
    if (ended) return;
    ended = true;
    feed?.stop();
    if (heartbeat !== undefined) clock.clearTimeout(heartbeat);
    signal?.removeEventListener("abort", cleanup);
    onClosed();
  };
  const enqueue = (bytes: Uint8Array) => {
    controller.enqueue(bytes);
    lastSentAt = clock.now();
  };
  const endWithError = (code: ErrorCode, message: string) => {
    if (ended) return;
    const retryAfterMs = pacedDelay(options.random, options.pacing);
    try {
      enqueue(encoder.encode(
        `data: ${
          encodeEnvelope({ type: "error", code, message, retryAfterMs })
        }\n\n`,
      ));
      controller.close();
    } catch {
      // The stream is already gone.
    }
    cleanup();
  };
  const scheduleHeartbeat = (delay: number) => {
    heartbeat = clock.setTimeout(() => {
      if (ended) return;
      const silentFor = clock.now() - lastSentAt;
      if (silentFor >= heartbeatMs) {
        try {
          enqueue(encoder.encode(`: hb ${isoTime(clock.now())}\n\n`));
        } catch {
          cleanup();
          return;
        }
        scheduleHeartbeat(heartbeatMs);
      } else {
        scheduleHeartbeat(heartbeatMs - silentFor);
      }
    }, delay);
  };

  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      enqueue(
        encoder.encode(
          `retry: ${pacedDelay(options.random, options.pacing)}\n\n`,
        ),
      );
      feed = new TopicFeed(hub, topic, position, {
        write: (m) => {
          enqueue(m.sseFrame);
          options.onSent?.("sse", m.envelope.type, m.sseFrame.byteLength);
        },
        get backlogBytes() {
          return highWaterBytes - (controller.desiredSize ?? 0);
        },
      }, {
        clock,
        highWaterBytes: options.highWaterBytes,
        lowWaterBytes: options.lowWaterBytes,
        maxBehindMs: options.maxBehindMs,
        onSlow: () => {
          onEvent?.({ kind: "slow_close", transport: "sse" });
          endWithError(
            "unavailable",
            "stream too slow to keep up; reconnect to resume from your last event id",
          );
        },
        onGone: () => cleanup(),
        onCatchUp: (skipped) =>
          onEvent?.({ kind: "catch_up", transport: "sse", skipped }),
        onSubscribed: (resumed) =>
          onEvent?.({ kind: "subscribe", transport: "sse", resumed }),
      });
      scheduleHeartbeat(heartbeatMs);
      if (signal?.aborted) cleanup();
      else signal?.addEventListener("abort", cleanup, { once: true });
    },
    cancel() {
      cleanup(); // the client went away
    },
  }, { highWaterMark: highWaterBytes, size: (chunk) => chunk.byteLength });

  return {
    stream,
    closed,
    close: (_code, reason) => endWithError("unavailable", reason),
  };
}
