/**
 * The unit of fan-out: an envelope with its bytes for every transport,
 * serialized once and shared by all subscribers.
 *
 * @module
 */
import {
  encodeEnvelope,
  parseServerEnvelope,
  ProtocolError,
  type StateEnvelope,
} from "../protocol/mod.ts";

/** A published message: every transport writes its bytes as they are. */
export interface HubMessage<E extends StateEnvelope = StateEnvelope> {
  /** The envelope (do not modify). */
  readonly envelope: E;
  /** The envelope's JSON: one WebSocket text frame. */
  readonly text: string;
  /** The Server-Sent Events frame (`id:` and `data:` lines), UTF-8. */
  readonly sseFrame: Uint8Array;
  /**
   * A long-poll answer carrying this message alone, with the cursor after
   * it: what a poll parked at the head gets, the same for every client.
   */
  readonly pollBody: string;
}

const encoder = new TextEncoder();

/**
 * Wraps an envelope as a message; the JSON is produced now, the SSE frame
 * and the long-poll body on first use, each exactly once.
 *
 * @param envelope A snapshot or delta.
 * @returns The shared message.
 *
 * @example One serialization for every transport
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHubMessage } from "@/lib/stream/hub_message.ts";
 * const m = createHubMessage({ type: "snapshot", topic: "t", epoch: "e123", seq: 1, ts: "x", data: {} });
 * assert.equal(new TextDecoder().decode(m.sseFrame), `id: e123:1\ndata: ${m.text}\n\n`);
 * assert.equal(m.sseFrame, m.sseFrame);
 * ```
 */
export function createHubMessage<E extends StateEnvelope>(
  envelope: E,
): HubMessage<E> {
  return wrap(envelope, encodeEnvelope(envelope));
}

/**
 * Wraps a message that arrives already serialized (from another instance,
 * through Redis): parsed once to read its position, its text sent as is.
 *
 * @param text The envelope's JSON.
 * @returns The shared message.
 * @throws {ProtocolError} When the text is not a snapshot or delta.
 */
export function hubMessageFromText(text: string): HubMessage {
  const envelope = parseServerEnvelope(text);
  if (envelope.type !== "delta" && envelope.type !== "snapshot") {
    throw new ProtocolError(
      "bad_request",
      `expected a delta or snapshot from the bus, received ${envelope.type}`,
    );
  }
  return wrap(envelope, text);
}

function wrap<E extends StateEnvelope>(
  envelope: E,
  text: string,
): HubMessage<E> {
  let frame: Uint8Array | undefined;
  let pollBody: string | undefined;
  return Object.freeze({
    envelope,
    text,
    get sseFrame(): Uint8Array {
      // JSON text has no raw newlines, so one data: line carries it whole.
      return frame ??= encoder.encode(
        `id: ${envelope.epoch}:${envelope.seq}\ndata: ${text}\n\n`,
      );
    },
    get pollBody(): string {
      return pollBody ??= `{"messages":[${text}],"cursor":${
        JSON.stringify({ epoch: envelope.epoch, seq: envelope.seq })
      }}`;
    },
  });
}
