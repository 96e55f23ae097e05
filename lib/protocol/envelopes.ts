/**
 * The wire protocol (PROTOCOL.md v1): envelope types, the codes, and the
 * parsing of what clients send. Shared by the server transports and the
 * client library, so it stays browser-safe.
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "./json.ts";

/** Error codes carried by `error` envelopes and HTTP error bodies. */
export type ErrorCode =
  | "bad_request"
  | "unknown_topic"
  | "unauthorized"
  | "forbidden"
  | "too_large"
  | "rate_limited"
  | "unavailable";

/** WebSocket close codes used by the server. */
export const CLOSE_CODES = Object.freeze({
  /** Server shutting down; reconnect elsewhere or later. */
  GOING_AWAY: 1001,
  /** Too many messages: a policy violation. */
  POLICY: 1008,
  /** A frame above the size limit. */
  TOO_LARGE: 1009,
  /** A failed or expired credential. */
  UNAUTHORIZED: 4001,
  /** A consumer too slow to drain even a catch-up message. */
  SLOW_CONSUMER: 4008,
});

/** The full state of a topic at `(epoch, seq)`. */
export interface SnapshotEnvelope {
  type: "snapshot";
  topic: string;
  epoch: string;
  seq: number;
  ts: string;
  data: JsonObject;
}

/** A merge patch taking the state at `base` to the state at `seq`. */
export interface DeltaEnvelope {
  type: "delta";
  topic: string;
  epoch: string;
  seq: number;
  base: number;
  ts: string;
  patch: JsonObject;
}

/** Sent on silent connections so both ends can tell they are alive. */
export interface HeartbeatEnvelope {
  type: "heartbeat";
  ts: string;
  /**
   * Set when the heartbeat acknowledges a subscription that had nothing
   * to send (the client is current): the topic and the position it holds.
   */
  topic?: string;
  /** The acknowledged position's epoch. */
  epoch?: string;
  /** The acknowledged position's seq. */
  seq?: number;
}

/** The answer to a client's `ping`. */
export interface PongEnvelope {
  type: "pong";
  id: string;
  ts: string;
}

/** A problem the client caused or should know about. */
export interface ErrorEnvelope {
  type: "error";
  code: ErrorCode;
  message: string;
  topic?: string;
  retryAfterMs?: number;
}

/** Every message a server sends. */
export type ServerEnvelope =
  | SnapshotEnvelope
  | DeltaEnvelope
  | HeartbeatEnvelope
  | PongEnvelope
  | ErrorEnvelope;

/** A state-carrying envelope (what the client applies). */
export type StateEnvelope = SnapshotEnvelope | DeltaEnvelope;

/** Client asks for a topic, optionally resuming from a position. */
export interface SubscribeMessage {
  type: "subscribe";
  topic: string;
  since?: number;
  epoch?: string;
}

/** Client stops receiving a topic. */
export interface UnsubscribeMessage {
  type: "unsubscribe";
  topic: string;
}

/** Client checks the connection; answered by a `pong` with the same id. */
export interface PingMessage {
  type: "ping";
  id: string;
}

/** Every message a client may send over WebSocket. */
export type ClientMessage = SubscribeMessage | UnsubscribeMessage | PingMessage;

/** A message or parameter the protocol refuses, with a human reason. */
export class ProtocolError extends Error {
  /** The protocol error code to report. */
  readonly code: ErrorCode;
  /** Creates the error. */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtocolError";
    this.code = code;
  }
}

const TOPIC_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const EPOCH_RE = /^[A-Za-z0-9_-]{4,32}$/;
const PING_ID_MAX = 128;

/**
 * Checks a topic name's form (not whether it exists).
 *
 * @param value The candidate.
 * @returns The topic.
 * @throws {ProtocolError} `bad_request` naming what is accepted.
 */
export function parseTopic(value: unknown): string {
  if (typeof value !== "string" || !TOPIC_RE.test(value)) {
    throw new ProtocolError(
      "bad_request",
      `topic must be 1-64 characters of [A-Za-z0-9_.:-], received ${
        describe(value)
      }`,
    );
  }
  return value;
}

/**
 * Checks an epoch's form: 4-32 characters of `[A-Za-z0-9_-]`.
 *
 * @param value The candidate.
 * @returns The epoch.
 * @throws {ProtocolError} `bad_request` naming what is accepted.
 */
export function parseEpoch(value: unknown): string {
  if (typeof value !== "string" || !EPOCH_RE.test(value)) {
    throw new ProtocolError(
      "bad_request",
      `epoch must be 4-32 characters of [A-Za-z0-9_-], received ${
        describe(value)
      }`,
    );
  }
  return value;
}

/**
 * Checks a `since` position: a non-negative safe integer (a number, or a
 * string of digits as found in query strings).
 *
 * @param value The candidate.
 * @returns The position.
 * @throws {ProtocolError} `bad_request` naming what is accepted.
 */
export function parseSince(value: unknown): number {
  const n = typeof value === "string" && /^\d{1,16}$/.test(value)
    ? Number(value)
    : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new ProtocolError(
      "bad_request",
      `since must be a non-negative integer, received ${describe(value)}`,
    );
  }
  return n;
}

/**
 * Parses one WebSocket text frame from a client.
 *
 * @param text The frame's text.
 * @returns The message.
 * @throws {ProtocolError} `bad_request` saying what was wrong and what is accepted.
 *
 * @example Parse a subscribe
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseClientMessage } from "@/lib/protocol/envelopes.ts";
 * assert.deepEqual(
 *   parseClientMessage('{"type":"subscribe","topic":"pnl","since":3,"epoch":"k3x9"}'),
 *   { type: "subscribe", topic: "pnl", since: 3, epoch: "k3x9" },
 * );
 * ```
 */
export function parseClientMessage(text: string): ClientMessage {
  let raw: JsonValue;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError(
      "bad_request",
      'message must be a JSON object such as {"type":"subscribe","topic":"pnl"}',
    );
  }
  if (!isJsonObject(raw)) {
    throw new ProtocolError(
      "bad_request",
      `message must be a JSON object, received ${describe(raw)}`,
    );
  }
  switch (raw.type) {
    case "subscribe": {
      const message: SubscribeMessage = {
        type: "subscribe",
        topic: parseTopic(raw.topic),
      };
      if (raw.since !== undefined && raw.since !== null) {
        if (typeof raw.since !== "number") {
          throw new ProtocolError(
            "bad_request",
            `since must be a non-negative integer, received ${
              describe(raw.since)
            }`,
          );
        }
        message.since = parseSince(raw.since);
      }
      if (raw.epoch !== undefined && raw.epoch !== null) {
        message.epoch = parseEpoch(raw.epoch);
      }
      return message;
    }
    case "unsubscribe":
      return { type: "unsubscribe", topic: parseTopic(raw.topic) };
    case "ping": {
      const id = raw.id;
      if (typeof id !== "string" || id.length > PING_ID_MAX) {
        throw new ProtocolError(
          "bad_request",
          `ping id must be a string of at most ${PING_ID_MAX} characters, received ${
            describe(id)
          }`,
        );
      }
      return { type: "ping", id };
    }
    default:
      throw new ProtocolError(
        "bad_request",
        `unknown message type ${
          describe(raw.type)
        }; accepted types are subscribe, unsubscribe and ping`,
      );
  }
}

/**
 * Serializes an envelope once; the same text is written to every peer.
 *
 * @param envelope The envelope.
 * @returns Its JSON text.
 */
export function encodeEnvelope(envelope: ServerEnvelope): string {
  return JSON.stringify(envelope);
}

/**
 * Parses and checks a server envelope (the client side of the wire).
 *
 * @param text The frame or event data.
 * @returns The envelope.
 * @throws {ProtocolError} When the text is not a recognizable envelope.
 */
export function parseServerEnvelope(text: string): ServerEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ProtocolError("bad_request", "server sent invalid JSON", {
      cause,
    });
  }
  if (!isJsonObject(raw) || typeof raw.type !== "string") {
    throw new ProtocolError("bad_request", "server sent a non-envelope");
  }
  const t = raw.type;
  if (t === "snapshot" || t === "delta") {
    const ok = typeof raw.topic === "string" && typeof raw.epoch === "string" &&
      typeof raw.seq === "number" && typeof raw.ts === "string" &&
      (t === "snapshot" ? isJsonObject(raw.data) : isJsonObject(raw.patch) &&
        typeof raw.base === "number");
    if (!ok) {
      throw new ProtocolError("bad_request", `server sent a malformed ${t}`);
    }
  } else if (t !== "heartbeat" && t !== "pong" && t !== "error") {
    throw new ProtocolError("bad_request", `server sent unknown type ${t}`);
  }
  return raw as unknown as ServerEnvelope;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
