/**
 * The bus between publishing and fan-out. In one process it is a direct
 * call ({@linkcode MemoryBus}); across instances a Redis bus takes its
 * place behind the same interface.
 *
 * @module
 */
import { createHubMessage, type HubMessage } from "./hub_message.ts";
import type { DeltaEnvelope, JsonObject } from "../protocol/mod.ts";

/** A change a hub offers for publishing; the bus gives it its seq. */
export interface BusChange {
  /** The topic. */
  readonly topic: string;
  /** The epoch the change belongs to. */
  readonly epoch: string;
  /** The seq the patch applies to. */
  readonly base: number;
  /** The seq to use when the bus does not assign one itself. */
  readonly seqHint: number;
  /** When the change was made, ISO-8601 UTC. */
  readonly ts: string;
  /** The RFC 7396 merge patch from `base`. */
  readonly patch: JsonObject;
  /** The full state after the patch. */
  readonly state: JsonObject;
}

/** One published change as it travels the bus. */
export interface BusEvent {
  /** The topic. */
  readonly topic: string;
  /** The delta, serialized once. */
  readonly message: HubMessage;
  /**
   * The full state after the delta, when the publisher is in this process
   * (saves re-applying the patch); absent for messages from elsewhere.
   */
  readonly state?: JsonObject;
}

/** Carries published changes to every hub that fans out. */
export interface HubBus {
  /**
   * Sequences `change` and delivers the resulting delta to every
   * subscriber, this process included. A bus that needs the network
   * returns a promise, rejected when the change was not published (the
   * hub offers its state again later).
   */
  publish(change: BusChange): void | Promise<void>;
  /** Receives every change; returns the function that stops it. */
  subscribe(handler: (event: BusEvent) => void): () => void;
}

/**
 * Builds the delta message for a change at a given seq.
 *
 * @param change The change.
 * @param seq Its seq.
 * @returns The message, serialized once.
 */
export function deltaMessage(change: BusChange, seq: number): HubMessage {
  return createHubMessage<DeltaEnvelope>({
    type: "delta",
    topic: change.topic,
    epoch: change.epoch,
    seq,
    base: change.base,
    ts: change.ts,
    patch: change.patch as DeltaEnvelope["patch"],
  });
}

/**
 * The in-process bus: delivers synchronously, in publish order, with the
 * seq the hub proposed.
 *
 * @example Deliver to subscribers
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryBus } from "@/lib/stream/bus.ts";
 * const bus = new MemoryBus();
 * const seqs: number[] = [];
 * const stop = bus.subscribe((e) => seqs.push(e.message.envelope.seq));
 * const change = { topic: "pnl", epoch: "demo", base: 1, seqHint: 2, ts: "", patch: {}, state: {} };
 * bus.publish(change);
 * stop();
 * bus.publish(change);
 * assert.deepEqual(seqs, [2]);
 * ```
 */
export class MemoryBus implements HubBus {
  #handlers = new Set<(event: BusEvent) => void>();

  /** Delivers the change to every handler now. */
  publish(change: BusChange): void {
    const event = {
      topic: change.topic,
      message: deltaMessage(change, change.seqHint),
      state: change.state,
    };
    for (const handler of this.#handlers) handler(event);
  }

  /** Adds a handler. */
  subscribe(handler: (event: BusEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => {
      this.#handlers.delete(handler);
    };
  }
}
