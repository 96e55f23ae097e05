/**
 * The hub's options and the shapes of its subscriptions, apart from the
 * class so its file stays about behaviour.
 *
 * @module
 */
import type { JsonObject } from "../protocol/mod.ts";
import type { Clock } from "../time/mod.ts";
import type { HubBus } from "./bus.ts";
import type { HubMessage } from "./hub_message.ts";
import type { HubSink } from "./hub_topic.ts";

/** How a subscriber is started and fed (see {@linkcode Hub.subscribe}). */
export interface HubSubscriber {
  /**
   * Receives what must be applied first (missed deltas, nothing, or one
   * snapshot): in the same turn when this instance's history covers the
   * position, else once the shared log was read. Live messages follow it.
   */
  start(initial: readonly HubMessage[], resumed: boolean): void;
  /** Receives each live message after `start`; must not throw. */
  live: HubSink;
}

/** A subscription; live delivery stops at {@linkcode HubSubscription.unsubscribe}. */
export interface HubSubscription {
  /** Stops live delivery (also before `start` ran); idempotent. */
  unsubscribe(): void;
}

/** Options for {@linkcode Hub}. */
export interface HubOptions {
  /** Time source for batching, history age and `ts`. */
  clock: Clock;
  /** Each topic that exists, with its starting state. */
  topics: Record<string, JsonObject>;
  /**
   * The coalescing window in milliseconds: at most one delta per window. A
   * change after a quiet window goes out at once (with anything offered in
   * the same turn); changes that follow it within the window wait for the
   * window's end and go out as one delta. The hub's creation opens a
   * window.
   * @default {100}
   */
  batchMs?: number;
  /**
   * Most deltas kept per topic for resume.
   * @default {1000}
   */
  historyCount?: number;
  /**
   * Oldest delta kept for resume, in milliseconds.
   * @default {300000}
   */
  historyMaxAgeMs?: number;
  /**
   * The epoch of this hub's history (4-32 of `[A-Za-z0-9_-]`).
   * @default {a random 12-character id}
   */
  epoch?: string;
  /**
   * Carries deltas from publishing to fan-out.
   * @default {a new MemoryBus}
   */
  bus?: HubBus;
  /** Called after each delta is published (persistence, metrics). */
  onPublish?: (
    topic: string,
    message: HubMessage,
    state: JsonObject,
    fanout: { subscribers: number; ms: number },
  ) => void;
  /** Called when a sink throws; the sink has been unsubscribed. */
  onSinkError?: (topic: string, error: unknown) => void;
  /**
   * Told when the bus could not publish a change (Redis unreachable, or
   * this instance no longer the leader); the change is offered again.
   */
  onPublishError?: (topic: string, error: unknown) => void;
  /**
   * Reads deltas after `since` from a longer shared log (the Redis
   * Stream), for a resume the local history no longer covers.
   */
  olderHistory?: (
    topic: string,
    since: number,
  ) => Promise<HubMessage[] | undefined>;
}
