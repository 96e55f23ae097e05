/**
 * The bus between publishing and fan-out. In one process it is a direct
 * call ({@linkcode MemoryBus}); across instances a Redis bus takes its
 * place behind the same interface.
 *
 * @module
 */
import type { HubMessage } from "./hub_message.ts";
import type { JsonObject } from "./json.ts";

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
  /** Sends a change to every subscriber of the bus, this process included. */
  publish(event: BusEvent): void;
  /** Receives every change; returns the function that stops it. */
  subscribe(handler: (event: BusEvent) => void): () => void;
}

/**
 * The in-process bus: delivers synchronously, in publish order.
 *
 * @example Deliver to subscribers
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryBus } from "@/lib/stream/bus.ts";
 * const bus = new MemoryBus();
 * const topics: string[] = [];
 * const stop = bus.subscribe((e) => topics.push(e.topic));
 * bus.publish({ topic: "pnl", message: {} as never });
 * stop();
 * bus.publish({ topic: "pnl", message: {} as never });
 * assert.deepEqual(topics, ["pnl"]);
 * ```
 */
export class MemoryBus implements HubBus {
  #handlers = new Set<(event: BusEvent) => void>();

  /** Delivers `event` to every handler now. */
  publish(event: BusEvent): void {
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
