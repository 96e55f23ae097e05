/**
 * One WebSocket connection's protocol logic, independent of the runtime's
 * socket: subscribe, unsubscribe and ping, subscribe at connect time,
 * heartbeats, frame size limit, and errors as envelopes. The Deno adapter in
 * `routes/api/ws.ts` only wires socket events to it.
 *
 * @module
 */
import type { Clock, TimerId } from "../time/clock.ts";
import { isoTime } from "../time/timestamp.ts";
import type { Hub, HubSubscription } from "./hub.ts";
import type { HubMessage } from "./hub_message.ts";
import {
  CLOSE_CODES,
  encodeEnvelope,
  type ErrorCode,
  parseClientMessage,
  ProtocolError,
  type SubscribeMessage,
} from "./protocol.ts";

/** The parts of a WebSocket the session needs. */
export interface WsPeer {
  /** Sends one text frame; throws when the socket is gone. */
  send(text: string): void;
  /** Closes the socket with a code and a reason. */
  close(code: number, reason: string): void;
}

/** Options for {@linkcode WsSession}. */
export interface WsSessionOptions {
  /** The hub to subscribe to. */
  hub: Hub;
  /** Time source for heartbeats and `ts`. */
  clock: Clock;
  /**
   * Largest accepted frame in bytes; larger closes with 1009.
   * @default {16384}
   */
  maxFrameBytes?: number;
  /**
   * Silence after which a heartbeat is sent, in milliseconds.
   * @default {15000}
   */
  heartbeatMs?: number;
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
 * const session = new WsSession({ send: (t) => sent.push(t), close() {} }, { hub, clock });
 * session.handleFrame('{"type":"ping","id":"a"}');
 * assert.equal(JSON.parse(sent[0] ?? "").type, "pong");
 * session.end();
 * ```
 */
export class WsSession {
  #peer: WsPeer;
  #hub: Hub;
  #clock: Clock;
  #maxFrameBytes: number;
  #heartbeatMs: number;
  #onEnd?: () => void;
  #subscriptions = new Map<string, HubSubscription>();
  #lastSentAt: number;
  #heartbeat?: TimerId;
  #ended = false;

  /** Starts the session and its heartbeat. */
  constructor(peer: WsPeer, options: WsSessionOptions) {
    const { hub, clock, maxFrameBytes = 16_384, heartbeatMs = 15_000, onEnd } =
      options;
    this.#peer = peer;
    this.#hub = hub;
    this.#clock = clock;
    this.#maxFrameBytes = maxFrameBytes;
    this.#heartbeatMs = heartbeatMs;
    this.#onEnd = onEnd;
    this.#lastSentAt = clock.now();
    this.#scheduleHeartbeat(heartbeatMs);
  }

  /** The topics this client receives. */
  get topics(): string[] {
    return [...this.#subscriptions.keys()];
  }

  /** Whether the session has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Handles one frame from the client. */
  handleFrame(data: unknown): void {
    if (this.#ended) return;
    if (typeof data !== "string") {
      this.#sendError(
        "bad_request",
        "binary frames are not accepted; send JSON text frames",
      );
      return;
    }
    if (byteLengthOver(data, this.#maxFrameBytes)) {
      this.close(
        CLOSE_CODES.TOO_LARGE,
        `frame larger than ${this.#maxFrameBytes} bytes`,
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
          this.#subscriptions.get(message.topic)?.unsubscribe();
          this.#subscriptions.delete(message.topic);
          break;
        case "ping":
          this.#send(encodeEnvelope({
            type: "pong",
            id: message.id,
            ts: isoTime(this.#clock.now()),
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
    this.#subscriptions.get(topic)?.unsubscribe();
    const subscription = this.#hub.subscribe(
      topic,
      { since, epoch },
      (m: HubMessage) => this.#send(m.text),
    );
    this.#subscriptions.set(topic, subscription);
    for (const m of subscription.initial) this.#send(m.text);
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

  /** Releases subscriptions and timers (the socket closed). Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const s of this.#subscriptions.values()) s.unsubscribe();
    this.#subscriptions.clear();
    if (this.#heartbeat !== undefined) {
      this.#clock.clearTimeout(this.#heartbeat);
    }
    this.#heartbeat = undefined;
    this.#onEnd?.();
  }

  #send(text: string): void {
    if (this.#ended) return;
    try {
      this.#peer.send(text);
      this.#lastSentAt = this.#clock.now();
    } catch {
      // A failed write means the peer is gone: stop sending to it.
      this.end();
    }
  }

  #sendError(code: ErrorCode, message: string, topic?: string): void {
    this.#send(encodeEnvelope({
      type: "error",
      code,
      message,
      ...(topic ? { topic } : {}),
    }));
  }

  #scheduleHeartbeat(delay: number): void {
    this.#heartbeat = this.#clock.setTimeout(() => {
      if (this.#ended) return;
      const silentFor = this.#clock.now() - this.#lastSentAt;
      if (silentFor >= this.#heartbeatMs) {
        this.#send(encodeEnvelope({
          type: "heartbeat",
          ts: isoTime(this.#clock.now()),
        }));
        this.#scheduleHeartbeat(this.#heartbeatMs);
      } else {
        this.#scheduleHeartbeat(this.#heartbeatMs - silentFor);
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
