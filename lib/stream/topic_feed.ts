/**
 * One subscriber's feed of one topic, with backpressure. A state topic only
 * needs the latest state, so a subscriber that falls behind is caught up,
 * not kicked: while its transport is backed up, deltas are not queued at
 * all; once it drains, it gets one delta composed from its last delivered
 * seq (or a snapshot). Only a subscriber that stays backed up past a limit
 * is given up on. Memory per subscriber stays bounded by the transport's
 * high-water mark, whatever the publish rate.
 *
 * @module
 */
import type { Clock, TimerId } from "../time/mod.ts";
import type { Hub, ResumePosition } from "./hub.ts";
import type { HubMessage } from "./hub_message.ts";

/** Messages written between two looks at an empty backlog. */
const BACKLOG_CHECK_EVERY = 8;
const DEFAULT_HIGH_WATER = 262_144;
const DEFAULT_LOW_WATER = 65_536;
const DEFAULT_DRAIN_CHECK_MS = 50;
const DEFAULT_MAX_BEHIND_MS = 15_000;

/**
 * Where a feed writes, and whom it tells: a transport's view of one
 * connection. One object per connection serves all of its feeds, so a
 * subscription costs no closures of its own.
 */
export interface FeedOutlet {
  /** Writes one message's bytes; throws when the connection is gone. */
  write(message: HubMessage): void;
  /** Bytes accepted but not yet handed to the network. */
  readonly backlogBytes: number;
  /** Called when the subscriber is given up on; the outlet closes it. */
  onSlow(): void;
  /** Called when a write failed; the outlet ends the connection. */
  onGone(error: unknown): void;
  /** Called on each catch-up, for metrics. */
  onCatchUp?(skipped: number): void;
  /**
   * Acknowledges a subscription that had nothing to send (the client is
   * current) with an immediate `heartbeat` carrying the position, so the
   * client knows at once that it is live however quiet the topic is.
   */
  acknowledge?(position: { topic: string; epoch: string; seq: number }): void;
  /**
   * Told once the initial messages are written: whether they came from
   * history (a resume) or are a snapshot. At once, or after a read of the
   * shared log when the local history does not reach back far enough.
   */
  onSubscribed?(resumed: boolean): void;
}

/**
 * Timings and limits for {@linkcode TopicFeed}. Kept by reference, not
 * copied: every feed of a server shares one object.
 */
export interface TopicFeedOptions {
  /** Time source for drain checks. */
  readonly clock: Clock;
  /**
   * Backlog above which live deltas stop being written.
   * @default {262144}
   */
  readonly highWaterBytes?: number;
  /**
   * Backlog at or below which a behind subscriber is caught up.
   * @default {65536}
   */
  readonly lowWaterBytes?: number;
  /**
   * How often a behind subscriber's backlog is checked, ms.
   * @default {50}
   */
  readonly drainCheckMs?: number;
  /**
   * How long a subscriber may stay backed up before it is given up on, ms.
   * @default {15000}
   */
  readonly maxBehindMs?: number;
}

/**
 * Delivers one topic to one subscriber with catch-up on backpressure.
 *
 * @example Deliver and stop
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Hub } from "@/lib/stream/hub.ts";
 * import { TopicFeed } from "@/lib/stream/topic_feed.ts";
 * const clock = new FakeClock();
 * using hub = new Hub({ clock, topics: { t: { n: 0 } } });
 * const seqs: number[] = [];
 * const outlet = {
 *   backlogBytes: 0,
 *   write: (m: { envelope: { seq: number } }) => void seqs.push(m.envelope.seq),
 *   onSlow() {},
 *   onGone() {},
 * };
 * const feed = new TopicFeed(hub, "t", {}, outlet, { clock });
 * hub.publish("t", { n: 1 });
 * await clock.advance(100);
 * assert.deepEqual(seqs, [1, 2]);
 * feed.stop();
 * ```
 */
export class TopicFeed {
  #hub: Hub;
  #topic: string;
  #outlet: FeedOutlet;
  #options: TopicFeedOptions;
  // Kept apart from the subscription, so its initial messages are not
  // held for the life of the connection.
  #unsubscribe: () => void = () => {};
  #resumed = false;
  #delivered?: { epoch: string; seq: number };
  #behindSince?: number;
  #backlog = 0;
  /** Starts due, so the first live message looks at the backlog. */
  #sinceCheck = BACKLOG_CHECK_EVERY - 1;
  #timer?: TimerId;
  #stopped = false;

  /** Subscribes and writes the initial messages (missed deltas or a snapshot). */
  constructor(
    hub: Hub,
    topic: string,
    position: ResumePosition,
    outlet: FeedOutlet,
    options: TopicFeedOptions,
  ) {
    const high = options.highWaterBytes ?? DEFAULT_HIGH_WATER;
    const low = options.lowWaterBytes ?? DEFAULT_LOW_WATER;
    if (!(low >= 0 && low <= high)) {
      throw new RangeError(
        `Cannot create topic feed: 'lowWaterBytes' must be from 0 to 'highWaterBytes' (${high}), received ${low}`,
      );
    }
    this.#hub = hub;
    this.#topic = topic;
    this.#outlet = outlet;
    this.#options = options;
    if (position.since !== undefined && position.epoch !== undefined) {
      this.#delivered = { epoch: position.epoch, seq: position.since };
    }
    // Resumed from this instance's history: started in this turn; older
    // than it: once the hub has read the shared log.
    const subscription = hub.subscribe(topic, position, {
      start: (initial, resumed) => {
        this.#resumed = resumed;
        for (const m of initial) this.#write(m);
        if (initial.length === 0 && !this.#stopped) {
          outlet.acknowledge?.({ topic, ...hub.position(topic) });
        }
        if (!this.#stopped) outlet.onSubscribed?.(resumed);
      },
      live: (m) => this.#offer(m),
    });
    // Writing the initial messages may already have stopped the feed.
    if (this.#stopped) subscription.unsubscribe();
    else this.#unsubscribe = subscription.unsubscribe;
  }

  /** The topic this feed delivers. */
  get topic(): string {
    return this.#topic;
  }

  /** Whether the initial messages came from history (not a snapshot). */
  get resumed(): boolean {
    return this.#resumed;
  }

  /** The seq last delivered, if any (for the operator console). */
  get seq(): number | undefined {
    return this.#delivered?.seq;
  }

  /** Bytes queued for the subscriber at the last look. */
  get backlog(): number {
    return this.#backlog;
  }

  /** Whether deltas are being held back for this subscriber now. */
  get behind(): boolean {
    return this.#behindSince !== undefined;
  }

  /** Stops delivery and timers; idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe();
    if (this.#timer !== undefined) {
      this.#options.clock.clearTimeout(this.#timer);
    }
    this.#timer = undefined;
  }

  #offer(message: HubMessage): void {
    if (this.#stopped || this.#behindSince !== undefined) return;
    // Reading a socket's backlog is a call into the runtime: while it is
    // empty, look every few messages; once anything is queued, every time.
    // A slow consumer is still caught a few hundred bytes past the mark.
    if (this.#backlog > 0 || ++this.#sinceCheck >= BACKLOG_CHECK_EVERY) {
      this.#sinceCheck = 0;
      this.#backlog = this.#outlet.backlogBytes;
      if (
        this.#backlog > (this.#options.highWaterBytes ?? DEFAULT_HIGH_WATER)
      ) {
        this.#behindSince = this.#options.clock.monotonic();
        this.#scheduleCheck();
        return;
      }
    }
    this.#write(message);
  }

  #write(message: HubMessage): void {
    if (this.#stopped) return;
    try {
      this.#outlet.write(message);
    } catch (error) {
      this.stop();
      this.#outlet.onGone(error);
      return;
    }
    // The envelope itself records the position: no allocation per write.
    this.#delivered = message.envelope;
  }

  #scheduleCheck(): void {
    const options = this.#options;
    this.#timer = options.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped || this.#behindSince === undefined) return;
      const low = options.lowWaterBytes ?? DEFAULT_LOW_WATER;
      if (this.#outlet.backlogBytes <= low) {
        this.#behindSince = undefined;
        const from = this.#delivered;
        const messages = this.#hub.catchUp(this.#topic, {
          since: from?.seq,
          epoch: from?.epoch,
        });
        const skipped = messages.length > 0 && from
          ? messages[messages.length - 1]!.envelope.seq - from.seq
          : 0;
        for (const m of messages) this.#write(m);
        this.#outlet.onCatchUp?.(skipped);
      } else if (
        options.clock.monotonic() - this.#behindSince >=
          (options.maxBehindMs ?? DEFAULT_MAX_BEHIND_MS)
      ) {
        this.stop();
        this.#outlet.onSlow();
      } else {
        this.#scheduleCheck();
      }
    }, options.drainCheckMs ?? DEFAULT_DRAIN_CHECK_MS);
  }
}
