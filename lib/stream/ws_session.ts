/**
 * One WebSocket connection's protocol logic, independent of the runtime's
 * socket: subscribe, unsubscribe and ping, subscribe at connect time,
 * heartbeats, the frame size limit, errors as envelopes, and backpressure
 * through {@linkcode TopicFeed}. The Deno adapter in `routes/api/ws.ts`
 * only wires socket events to it.
 *
 * @module
 */
import type { TimerId } from "../time/mod.ts";
import { isoTime } from "../time/mod.ts";
import type { Hub } from "./hub.ts";
import { pacedDelay } from "./pacing.ts";
import {
  CLOSE_CODES,
  encodeEnvelope,
  type ErrorCode,
  parseClientMessage,
  ProtocolError,
  type SubscribeMessage,
} from "./protocol.ts";
import type { StreamOptions } from "./stream_options.ts";
import { TokenBucket } from "../resilience/mod.ts";
import { TopicFeed } from "./topic_feed.ts";

/** The parts of a WebSocket the session needs. */
export interface WsPeer {
  /** Sends one text frame; throws when the socket is gone. */
  send(text: string): void;
  /** Closes the socket with a code and a reason. */
  close(code: number, reason: string): void;
  /** Bytes queued by `send` and not yet written to the network. */
  readonly bufferedAmount: number;
}

/** Options for {@linkcode WsSession}. */
export interface WsSessionOptions extends StreamOptions {
  /** Called once when the session ends, however it ended. */
  onEnd?: () => void;
}

/**
 * The server side of one WebSocket client.
 *
 * @example Answer a ping
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Hub } from "@/lib/stream/hub.ts";
 * import { WsSession } from "@/lib/stream/ws_session.ts";
 * const clock = new FakeClock();
 * using hub = new Hub({ clock, topics: { pnl: {} } });
 * const sent: string[] = [];
 * const session = new WsSession({ send: (t) => sent.push(t), close() {}, bufferedAmount: 0 }, hub, {
 *   clock, random: () => 0.5, heartbeatMs: 15000, wsIdleTimeoutS: 60, maxFrameBytes: 16384,
 *   wsMessagesPerSecond: 20, maxSubscriptions: 16,
 *   highWaterBytes: 262144, lowWaterBytes: 65536, maxBehindMs: 15000, pacing: {},
 * });
 * session.handleFrame('{"type":"ping","id":"a"}');
 * assert.equal(JSON.parse(sent[0] ?? "").type, "pong");
 * session.end();
 * ```
 */
export class WsSession {
  #peer: WsPeer;
  #hub: Hub;
  #opts: WsSessionOptions;
  #feeds = new Map<string, TopicFeed>();
  #lastSentAt: number;
  #bucket: TokenBucket;
  #heartbeat?: TimerId;
  #ended = false;
  #onEnd?: () => void;

  /**
   * Starts the session and its heartbeat. `options` is shared by every
   * session (not copied per connection); `onEnd` may come apart from it.
   */
  constructor(
    peer: WsPeer,
    hub: Hub,
    options: WsSessionOptions,
    onEnd?: () => void,
  ) {
    this.#peer = peer;
    this.#hub = hub;
    this.#opts = options;
    this.#onEnd = onEnd ?? options.onEnd;
    this.#lastSentAt = options.clock.now();
    this.#bucket = new TokenBucket(
      options.wsMessagesPerSecond,
      options.wsMessagesPerSecond * 2,
      options.clock.now(),
    );
    this.#scheduleHeartbeat(options.heartbeatMs);
  }

  /** The topics this client receives. */
  get topics(): string[] {
    return [...this.#feeds.keys()];
  }

  /** Whether the session has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Handles one frame from the client. */
  handleFrame(data: unknown): void {
    if (this.#ended) return;
    if (!this.#bucket.take(this.#opts.clock.now())) {
      this.closeWithError(
        CLOSE_CODES.POLICY,
        "rate_limited",
        `more than ${this.#opts.wsMessagesPerSecond} messages a second; slow down and reconnect`,
      );
      return;
    }
    if (typeof data !== "string") {
      this.#sendError(
        "bad_request",
        "binary frames are not accepted; send JSON text frames",
      );
      return;
    }
    if (byteLengthOver(data, this.#opts.maxFrameBytes)) {
      this.close(
        CLOSE_CODES.TOO_LARGE,
        `frame larger than ${this.#opts.maxFrameBytes} bytes`,
      );
      return;
    }
    try {
      const message = parseClientMessage(data);
      switch (message.type) {
        case "subscribe":
          this.subscribe(message);
          break;
        case "unsubscribe":
          this.#feeds.get(message.topic)?.stop();
          this.#feeds.delete(message.topic);
          break;
        case "ping":
          this.#send(encodeEnvelope({
            type: "pong",
            id: message.id,
            ts: isoTime(this.#opts.clock.now()),
          }));
          break;
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#sendError(error.code, error.message);
    }
  }

  /**
   * Subscribes (or re-subscribes, for gap repair) to a topic: sends the
   * missed deltas or a snapshot, then live messages.
   */
  subscribe(message: SubscribeMessage): void {
    if (this.#ended) return;
    const { topic, since, epoch } = message;
    if (!this.#hub.has(topic)) {
      this.#sendError(
        "unknown_topic",
        `unknown topic ${JSON.stringify(topic)}; known topics: ${
          this.#hub.topics.join(", ")
        }`,
        topic,
      );
      return;
    }
    if (
      !this.#feeds.has(topic) && this.#feeds.size >= this.#opts.maxSubscriptions
    ) {
      this.#sendError(
        "rate_limited",
        `at most ${this.#opts.maxSubscriptions} subscriptions per connection; unsubscribe from one first`,
        topic,
      );
      return;
    }
    this.#feeds.get(topic)?.stop();
    const { clock, onEvent } = this.#opts;
    const peer = this.#peer;
    const feed = new TopicFeed(this.#hub, topic, { since, epoch }, {
      write: (m) => {
        peer.send(m.text);
        this.#opts.onSent?.("ws", m.envelope.type, m.text.length);
        this.#lastSentAt = clock.now();
      },
      get backlogBytes() {
        return peer.bufferedAmount;
      },
    }, {
      clock,
      highWaterBytes: this.#opts.highWaterBytes,
      lowWaterBytes: this.#opts.lowWaterBytes,
      maxBehindMs: this.#opts.maxBehindMs,
      onSlow: () => {
        onEvent?.({ kind: "slow_close", transport: "ws" });
        this.closeWithError(
          CLOSE_CODES.SLOW_CONSUMER,
          "unavailable",
          "connection too slow to keep up; reconnect to resume from your last seq",
        );
      },
      onGone: () => this.end(),
      onCatchUp: (skipped) =>
        onEvent?.({ kind: "catch_up", transport: "ws", skipped }),
      onSubscribed: (resumed) =>
        onEvent?.({ kind: "subscribe", transport: "ws", resumed }),
    });
    if (this.#ended) return; // the initial write failed
    this.#feeds.set(topic, feed);
  }

  /**
   * Sends an `error` envelope with a jittered `retryAfterMs`, then closes:
   * how the server tells a client to come back later, and when.
   */
  closeWithError(code: number, errorCode: ErrorCode, message: string): void {
    if (this.#ended) return;
    const retryAfterMs = pacedDelay(this.#opts.random, this.#opts.pacing);
    this.#send(
      encodeEnvelope({ type: "error", code: errorCode, message, retryAfterMs }),
    );
    this.close(code, message.slice(0, 120));
  }

  /** Closes the socket from the server side and ends the session. */
  close(code: number, reason: string): void {
    if (this.#ended) return;
    try {
      this.#peer.close(code, reason);
    } catch {
      // Already closed by the peer: ending the session is all that is left.
    }
    this.end();
  }

  /** Releases feeds and timers (the socket closed). Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const feed of this.#feeds.values()) feed.stop();
    this.#feeds.clear();
    if (this.#heartbeat !== undefined) {
      this.#opts.clock.clearTimeout(this.#heartbeat);
    }
    this.#heartbeat = undefined;
    this.#onEnd?.();
  }

  #send(text: string): void {
    if (this.#ended) return;
    try {
      this.#peer.send(text);
      this.#lastSentAt = this.#opts.clock.now();
    } catch {
      // A failed write means the peer is gone: stop sending to it.
      this.end();
    }
  }

  #sendError(code: ErrorCode, message: string, topic?: string): void {
    this.#send(
      encodeEnvelope({
        type: "error",
        code,
        message,
        ...(topic ? { topic } : {}),
      }),
    );
  }

  #scheduleHeartbeat(delay: number): void {
    const { clock, heartbeatMs } = this.#opts;
    this.#heartbeat = clock.setTimeout(() => {
      if (this.#ended) return;
      const silentFor = clock.now() - this.#lastSentAt;
      if (silentFor >= heartbeatMs) {
        this.#send(
          encodeEnvelope({ type: "heartbeat", ts: isoTime(clock.now()) }),
        );
        this.#scheduleHeartbeat(heartbeatMs);
      } else {
        this.#scheduleHeartbeat(heartbeatMs - silentFor);
      }
    }, delay);
  }
}

const encoder = new TextEncoder();

function byteLengthOver(text: string, max: number): boolean {
  if (text.length > max) return true; // every UTF-16 unit is at least one byte
  if (text.length * 3 <= max) return false; // at most three bytes per unit
  return encoder.encode(text).length > max;
}
