/**
 * The Server-Sent Events transport as a byte stream: `retry:` first, then
 * one event per envelope (`id: <epoch>:<seq>`, `data: <json>`), heartbeat
 * comments on silence, and backpressure from the stream's own queue
 * (`desiredSize`). Web-standard streams only; the route adds the headers.
 *
 * @module
 */
import { isoTime } from "../time/mod.ts";
import type { Beating } from "./heartbeat_ticker.ts";
import type { Hub, ResumePosition } from "./hub.ts";
import type { HubMessage } from "./hub_message.ts";
import { pacedDelay } from "./pacing.ts";
import { encodeEnvelope, type ErrorCode } from "../protocol/mod.ts";
import type { Expirable } from "./credential_expiry.ts";
import type { StreamOptions } from "./stream_options.ts";
import { type FeedOutlet, TopicFeed } from "./topic_feed.ts";

/** An open SSE stream and the server's handle on it. */
export interface SseConnection extends Expirable {
  /** The response body. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Ends the stream after an `error` event carrying `retryAfterMs`. */
  close(code: number, reason: string): void;
  /** Resolves once the stream has ended, however it ended. */
  readonly closed: Promise<void>;
  /** Its topic, position and backlog (for the operator console). */
  describe(): { topics: string[]; seq?: number; backlog?: number };
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
  return new SseStream(hub, topic, position, options);
}

/** One SSE client: its body stream, feed outlet and heartbeat. */
class SseStream implements SseConnection, FeedOutlet, Beating {
  readonly stream: ReadableStream<Uint8Array>;
  readonly closed: Promise<void>;
  #options: SseStreamOptions;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #feed?: TopicFeed;
  #lastSentAt: number;
  /** Whether a message went out since the last tick (see beat()). */
  #sentSinceTick = false;
  #ended = false;
  #onClosed!: () => void;

  /** Its topic, position and backlog (for the operator console). */
  describe(): { topics: string[]; seq?: number; backlog?: number } {
    const feed = this.#feed;
    return {
      topics: feed ? [feed.topic] : [],
      ...(feed?.seq !== undefined ? { seq: feed.seq } : {}),
      ...(feed ? { backlog: feed.backlog } : {}),
    };
  }

  constructor(
    hub: Hub,
    topic: string,
    position: ResumePosition,
    options: SseStreamOptions,
  ) {
    this.#options = options;
    this.#lastSentAt = options.clock.monotonic();
    this.closed = new Promise((resolve) => this.#onClosed = resolve);
    // deno-lint-ignore no-this-alias -- the stream's callbacks need the connection
    const self = this;
    this.stream = new ReadableStream<Uint8Array>({
      start(controller) {
        self.#controller = controller;
        self.#enqueue(encoder.encode(
          `retry: ${pacedDelay(options.random, options.pacing)}\n\n`,
        ));
        self.#feed = new TopicFeed(hub, topic, position, self, options);
        if (self.#ended) return; // the initial write failed
        options.heartbeats.add(self);
        const { signal } = options;
        if (signal?.aborted) self.#cleanup();
        else signal?.addEventListener("abort", self.#cleanup, { once: true });
      },
      cancel() {
        self.#cleanup(); // the client went away
      },
    }, {
      highWaterMark: options.highWaterBytes,
      size: (chunk) => chunk.byteLength,
    });
  }

  /** Ends the stream after an `error` event carrying `retryAfterMs`. */
  close(_code: number, reason: string): void {
    this.#endWithError("unavailable", reason);
  }

  /** The credential ran out: an `unauthorized` error event, then the end. */
  expire(message: string): void {
    this.#endWithError("unauthorized", message);
  }

  /** Writes one hub message's SSE frame (for the feed). */
  write(message: HubMessage): void {
    // No clock read per message per client: the next tick notes the time.
    this.#controller.enqueue(message.sseFrame);
    this.#sentSinceTick = true;
    this.#options.onSent?.(
      "sse",
      message.envelope.type,
      message.sseFrame.byteLength,
    );
  }

  /** Bytes queued in the stream and not yet read by the runtime. */
  get backlogBytes(): number {
    return this.#options.highWaterBytes - (this.#controller.desiredSize ?? 0);
  }

  /** The feed gave up on this client: it is told why, then the stream ends. */
  onSlow(): void {
    this.#options.onEvent?.({ kind: "slow_close", transport: "sse" });
    this.#endWithError(
      "unavailable",
      "stream too slow to keep up; reconnect to resume from your last event id",
    );
  }

  /** A write failed: the client is gone. */
  onGone(): void {
    this.#cleanup();
  }

  /** The feed caught this client up (counted). */
  onCatchUp(skipped: number): void {
    this.#options.onEvent?.({ kind: "catch_up", transport: "sse", skipped });
  }

  /** The feed wrote its initial messages (counted). */
  onSubscribed(resumed: boolean): void {
    this.#options.onEvent?.({ kind: "subscribe", transport: "sse", resumed });
  }

  /**
   * Acknowledges a current subscriber with a `heartbeat` event carrying its
   * position (its id is that position, so a browser's own reconnect
   * resumes from it).
   */
  acknowledge(position: { topic: string; epoch: string; seq: number }): void {
    const data = encodeEnvelope({
      type: "heartbeat",
      ts: isoTime(this.#options.clock.now()),
      ...position,
    });
    try {
      this.#enqueue(
        encoder.encode(
          `id: ${position.epoch}:${position.seq}\ndata: ${data}\n\n`,
        ),
      );
    } catch {
      this.#cleanup();
    }
  }

  /** Sends a heartbeat comment once the stream has been silent long enough. */
  beat(now: number): void {
    if (this.#sentSinceTick) {
      // Silence is counted from the first tick after the last message: a
      // heartbeat may come one tick (a tenth of its interval) later.
      this.#sentSinceTick = false;
      this.#lastSentAt = now;
      return;
    }
    if (this.#ended || now - this.#lastSentAt < this.#options.heartbeatMs) {
      return;
    }
    try {
      this.#enqueue(encoder.encode(`: hb ${isoTime(now)}\n\n`));
    } catch {
      this.#cleanup();
    }
  }

  #enqueue(bytes: Uint8Array): void {
    this.#controller.enqueue(bytes);
    this.#lastSentAt = this.#options.clock.monotonic();
  }

  #endWithError(code: ErrorCode, message: string): void {
    if (this.#ended) return;
    const retryAfterMs = pacedDelay(
      this.#options.random,
      this.#options.pacing,
    );
    try {
      this.#enqueue(encoder.encode(
        `data: ${
          encodeEnvelope({ type: "error", code, message, retryAfterMs })
        }\n\n`,
      ));
      this.#controller.close();
    } catch {
      // The stream is already gone.
    }
    this.#cleanup();
  }

  // An arrow: it is also the abort listener.
  #cleanup = (): void => {
    if (this.#ended) return;
    this.#ended = true;
    this.#feed?.stop();
    this.#options.heartbeats.delete(this);
    this.#options.signal?.removeEventListener("abort", this.#cleanup);
    this.#onClosed();
  };
}
