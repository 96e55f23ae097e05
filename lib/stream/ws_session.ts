/**
 * One WebSocket connection's protocol logic, independent of the runtime's
 * socket: subscribe, unsubscribe and ping, subscribe at connect time,
 * heartbeats, the frame size limit, errors as envelopes, and backpressure
 * through {@linkcode TopicFeed}. The Deno adapter in `routes/api/ws.ts`
 * only wires socket events to it. A little over 350 lines: one class per
 * connection kept whole so the hot path (a delta to a socket) stays one
 * call deep; multi-topic bookkeeping is the seam should it grow.
 *
 * @module
 */
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
} from "../protocol/mod.ts";
import type { StreamOptions } from "./stream_options.ts";
import { TokenBucket } from "../resilience/mod.ts";
import type { Beating } from "./heartbeat_ticker.ts";
import type { HubMessage } from "./hub_message.ts";
import { type FeedOutlet, TopicFeed } from "./topic_feed.ts";

/** The parts of a WebSocket the session needs (a `WebSocket` has them). */
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
  /**
   * Which topics this client may subscribe to (a viewer may not read the
   * operators' `admin` topic); others get a `forbidden` error envelope.
   * @default {every topic}
   */
  canRead?: (topic: string) => boolean;
}

/**
 * The server side of one WebSocket client.
 *
 * @example Answer a ping
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Hub } from "@/lib/stream/hub.ts";
 * import { HeartbeatTicker } from "@/lib/stream/heartbeat_ticker.ts";
 * import { WsSession } from "@/lib/stream/ws_session.ts";
 * const clock = new FakeClock();
 * using hub = new Hub({ clock, topics: { pnl: {} } });
 * const sent: string[] = [];
 * const session = new WsSession({ send: (t) => sent.push(t), close() {}, bufferedAmount: 0 }, hub, {
 *   clock, random: () => 0.5, heartbeatMs: 15000, wsIdleTimeoutS: 60, maxFrameBytes: 16384,
 *   wsMessagesPerSecond: 20, maxSubscriptions: 16,
 *   highWaterBytes: 262144, lowWaterBytes: 65536, maxBehindMs: 15000, pacing: {},
 *   heartbeats: new HeartbeatTicker({ clock, heartbeatMs: 15000 }),
 * });
 * session.handleFrame('{"type":"ping","id":"a"}');
 * assert.equal(JSON.parse(sent[0] ?? "").type, "pong");
 * session.end();
 * ```
 */
export class WsSession implements FeedOutlet, Beating {
  #peer: WsPeer;
  #hub: Hub;
  #opts: WsSessionOptions;
  // Most clients hold one subscription: a Map only for a second one.
  #feed?: TopicFeed;
  #feeds?: Map<string, TopicFeed>;
  #lastSentAt: number;
  /** Whether a message went out since the last tick (see beat()). */
  #sentSinceTick = false;
  #bucket: TokenBucket;
  #ended = false;

  /**
   * Starts the session and its heartbeat. `options` is shared by every
   * session (not copied per connection); so is its heartbeat ticker.
   */
  constructor(peer: WsPeer, hub: Hub, options: WsSessionOptions) {
    this.#peer = peer;
    this.#hub = hub;
    this.#opts = options;
    this.#lastSentAt = options.clock.monotonic();
    this.#bucket = new TokenBucket(
      options.wsMessagesPerSecond,
      options.wsMessagesPerSecond * 2,
      options.clock.monotonic(),
    );
    options.heartbeats.add(this);
  }

  /** The topics this client receives. */
  get topics(): string[] {
    if (this.#feeds) return [...this.#feeds.keys()];
    return this.#feed ? [this.#feed.topic] : [];
  }

  /** Whether the session has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Its topics, and with one topic its position and backlog (console). */
  describe(): { topics: string[]; seq?: number; backlog?: number } {
    const feeds = this.#feeds
      ? [...this.#feeds.values()]
      : this.#feed
      ? [this.#feed]
      : [];
    const one = feeds.length === 1 ? feeds[0] : undefined;
    return {
      topics: this.topics,
      ...(one?.seq !== undefined ? { seq: one.seq } : {}),
      ...(one ? { backlog: one.backlog } : {}),
    };
  }

  /** Handles one frame from the client. */
  handleFrame(data: unknown): void {
    if (this.#ended) return;
    if (!this.#bucket.take(this.#opts.clock.monotonic())) {
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
      this.#closeSocket(
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
          this.#dropFeed(message.topic);
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
    if (this.#opts.canRead && !this.#opts.canRead(topic)) {
      this.#sendError(
        "forbidden",
        `topic ${JSON.stringify(topic)} is for operators`,
        topic,
      );
      return;
    }
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
      !this.#findFeed(topic) && this.#feedCount() >= this.#opts.maxSubscriptions
    ) {
      this.#sendError(
        "rate_limited",
        `at most ${this.#opts.maxSubscriptions} subscriptions per connection; unsubscribe from one first`,
        topic,
      );
      return;
    }
    this.#dropFeed(topic);
    const feed = new TopicFeed(
      this.#hub,
      topic,
      { since, epoch },
      this,
      this.#opts,
    );
    if (this.#ended) return; // the initial write failed
    if (!this.#feed && !this.#feeds) this.#feed = feed;
    else {
      this.#feeds ??= new Map(
        this.#feed ? [[this.#feed.topic, this.#feed]] : [],
      );
      this.#feed = undefined;
      this.#feeds.set(topic, feed);
    }
  }

  /** Writes one hub message (for its feeds). */
  write(message: HubMessage): void {
    this.#peer.send(message.text);
    this.#opts.onSent?.("ws", message.envelope.type, message.text.length);
    // No clock read per message per client: the next tick notes the time.
    this.#sentSinceTick = true;
  }

  /** Bytes the socket has not written yet (for its feeds). */
  get backlogBytes(): number {
    return this.#peer.bufferedAmount;
  }

  /** A feed gave up on this client: it is told why, then closed. */
  onSlow(): void {
    this.#opts.onEvent?.({ kind: "slow_close", transport: "ws" });
    this.closeWithError(
      CLOSE_CODES.SLOW_CONSUMER,
      "unavailable",
      "connection too slow to keep up; reconnect to resume from your last seq",
    );
  }

  /** The credential that opened the connection ran out: close with 4001. */
  expire(message: string): void {
    this.closeWithError(CLOSE_CODES.UNAUTHORIZED, "unauthorized", message);
  }

  /** A feed's write failed: the peer is gone. */
  onGone(): void {
    this.end();
  }

  /** A feed caught this client up (counted). */
  onCatchUp(skipped: number): void {
    this.#opts.onEvent?.({ kind: "catch_up", transport: "ws", skipped });
  }

  /** A feed wrote its initial messages (counted). */
  onSubscribed(resumed: boolean): void {
    this.#opts.onEvent?.({ kind: "subscribe", transport: "ws", resumed });
  }

  /** Acknowledges a current subscriber with a heartbeat carrying its position. */
  acknowledge(position: { topic: string; epoch: string; seq: number }): void {
    this.#send(
      encodeEnvelope({
        type: "heartbeat",
        ts: isoTime(this.#opts.clock.now()),
        ...position,
      }),
    );
  }

  /** Sends a heartbeat once the connection has been silent long enough. */
  beat(now: number): void {
    if (this.#sentSinceTick) {
      // Silence is counted from the first tick after the last message: a
      // heartbeat may come one tick (a tenth of its interval) later.
      this.#sentSinceTick = false;
      this.#lastSentAt = now;
      return;
    }
    if (now - this.#lastSentAt >= this.#opts.heartbeatMs) {
      this.#send(encodeEnvelope({ type: "heartbeat", ts: isoTime(now) }));
    }
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
    this.#closeSocket(code, message.slice(0, 120));
  }

  /**
   * Tells the client to go away and when to come back (an `unavailable`
   * error with a paced `retryAfterMs`), then closes: how shutdown ends a
   * connection.
   */
  close(code: number, reason: string): void {
    this.closeWithError(code, "unavailable", reason);
  }

  #closeSocket(code: number, reason: string): void {
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
    this.#feed?.stop();
    this.#feed = undefined;
    for (const feed of this.#feeds?.values() ?? []) feed.stop();
    this.#feeds = undefined;
    this.#opts.heartbeats.delete(this);
    this.#opts.onEnd?.();
  }

  #findFeed(topic: string): TopicFeed | undefined {
    return this.#feed?.topic === topic ? this.#feed : this.#feeds?.get(topic);
  }

  #feedCount(): number {
    return this.#feeds?.size ?? (this.#feed ? 1 : 0);
  }

  #dropFeed(topic: string): void {
    const feed = this.#findFeed(topic);
    if (!feed) return;
    feed.stop();
    if (feed === this.#feed) this.#feed = undefined;
    else this.#feeds?.delete(topic);
  }

  #send(text: string): void {
    if (this.#ended) return;
    try {
      this.#peer.send(text);
      this.#lastSentAt = this.#opts.clock.monotonic();
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
}

const encoder = new TextEncoder();

function byteLengthOver(text: string, max: number): boolean {
  if (text.length > max) return true; // every UTF-16 unit is at least one byte
  if (text.length * 3 <= max) return false; // at most three bytes per unit
  return encoder.encode(text).length > max;
}
