/**
 * One topic of the hub: its published state and seq, the deltas kept for
 * resume, its subscribers and parked long-polls, and the messages built
 * from them once per seq (the snapshot, catch-up deltas). The one place
 * a topic's state moves is {@linkcode HubTopic.apply}.
 *
 * @module
 */
import {
  applyMergePatch,
  type JsonObject,
  type SnapshotEnvelope,
} from "../protocol/mod.ts";
import { type Clock, isoTime } from "../time/mod.ts";
import { composeCatchUp } from "./catch_up.ts";
import { DeltaHistory, type DeltaHistoryOptions } from "./history.ts";
import { createHubMessage, type HubMessage } from "./hub_message.ts";

/** Receives live messages of one subscription; must not throw. */
export type HubSink = (message: HubMessage) => void;

/** Where a subscriber wants to start. */
export interface ResumePosition {
  /** The last seq the subscriber holds. */
  since?: number;
  /** The epoch of that seq. */
  epoch?: string;
}

/** What a subscriber at some position must apply first. */
export interface ResumeAnswer {
  /** Missed deltas (possibly none), or one snapshot. */
  readonly messages: readonly HubMessage[];
  /** Whether `messages` came from history (`false`: a snapshot). */
  readonly resumed: boolean;
}

/** A topic's position and state in a shared log (see `Hub.sync`). */
export interface SharedPosition {
  state: JsonObject;
  seq: number;
  log: HubMessage[];
}

/** One topic's state, history and subscribers (see the module text). */
export class HubTopic {
  readonly name: string;
  #state: JsonObject;
  #seq = 1;
  #history: DeltaHistory;
  #sinks = new Set<HubSink>();
  #waiters = new Set<() => void>();
  #snapshot?: HubMessage<SnapshotEnvelope>;
  /** Catch-up messages by starting seq, valid for `#catchUpsAt` only. */
  #catchUps = new Map<number, HubMessage>();
  #catchUpsAt = 1;
  #onSinkError?: (error: unknown) => void;
  #clock: Clock;

  /**
   * Creates the topic at seq 1 with `state`. The clock's wall time stamps
   * snapshots; its monotonic time ages the history.
   */
  constructor(
    name: string,
    state: JsonObject,
    options: DeltaHistoryOptions & {
      clock: Clock;
      onSinkError?: (error: unknown) => void;
    },
  ) {
    this.name = name;
    this.#state = state;
    this.#history = new DeltaHistory(options);
    this.#onSinkError = options.onSinkError;
    this.#clock = options.clock;
  }

  /** The published state (do not modify). */
  get state(): JsonObject {
    return this.#state;
  }

  /** The published seq. */
  get seq(): number {
    return this.#seq;
  }

  /** How many deltas are kept for resume. */
  get historySize(): number {
    return this.#history.size;
  }

  /** How many subscribers there are. */
  get subscriberCount(): number {
    return this.#sinks.size;
  }

  /** The snapshot at the published seq; serialized once per seq and epoch. */
  snapshot(epoch: string): HubMessage<SnapshotEnvelope> {
    const cached = this.#snapshot;
    if (
      cached && cached.envelope.seq === this.#seq &&
      cached.envelope.epoch === epoch
    ) return cached;
    return this.#snapshot = createHubMessage<SnapshotEnvelope>({
      type: "snapshot",
      topic: this.name,
      epoch,
      seq: this.#seq,
      ts: isoTime(this.#clock.now()),
      data: this.#state,
    });
  }

  /**
   * The missed deltas after `since` from the kept history, `[]` when
   * current, `undefined` when the history does not reach back to it.
   */
  since(since: number): HubMessage[] | undefined {
    if (since === this.#seq) return [];
    if (since > this.#seq) return undefined;
    return this.#history.since(since, this.#clock.monotonic());
  }

  /**
   * Applies a delta on the published seq, keeps it, and fans it out.
   *
   * @param message A delta whose base is {@linkcode HubTopic.seq}.
   * @param state The state after it, when known (saves applying the patch).
   */
  apply(message: HubMessage, state: JsonObject | undefined): void {
    const envelope = message.envelope;
    if (envelope.type !== "delta") return;
    this.#state = state ??
      applyMergePatch(this.#state, envelope.patch) as JsonObject;
    this.#seq = envelope.seq;
    this.#history.append(message, this.#clock.monotonic());
    this.fanOut(message);
  }

  /**
   * Takes a shared log's position (or keeps its own state when none is
   * given), keeps the log's deltas up to it, and sends every subscriber a
   * snapshot.
   */
  reset(epoch: string, given: SharedPosition | undefined): void {
    const now = this.#clock.monotonic();
    if (given) {
      this.#state = given.state;
      this.#seq = given.seq;
    }
    this.#history.clear();
    for (const m of given?.log ?? []) {
      if (m.envelope.seq <= this.#seq) this.#history.append(m, now);
    }
    this.#snapshot = undefined;
    this.#catchUps.clear();
    this.fanOut(this.snapshot(epoch));
  }

  /**
   * What a subscriber that fell behind at `since` (in this epoch) needs:
   * one delta composed from the missed ones when that is smaller than the
   * snapshot, else the snapshot. Shared by every subscriber behind at the
   * same seq.
   */
  catchUp(since: number, epoch: string): HubMessage {
    if (this.#catchUpsAt !== this.#seq) {
      this.#catchUps.clear();
      this.#catchUpsAt = this.#seq;
    }
    let message = this.#catchUps.get(since);
    if (!message) {
      const snapshot = this.snapshot(epoch);
      const missed = since <= this.#seq
        ? this.#history.since(since, this.#clock.monotonic())
        : undefined;
      message = (missed && composeCatchUp(missed, since, snapshot)) ??
        snapshot;
      this.#catchUps.set(since, message);
    }
    return message;
  }

  /** Adds a live subscriber; returns the function that removes it. */
  addSink(sink: HubSink): () => void {
    this.#sinks.add(sink);
    return () => {
      this.#sinks.delete(sink);
    };
  }

  /** Calls `wake` once at the next message; returns the function that stops it. */
  onNextChange(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => {
      this.#waiters.delete(wake);
    };
  }

  /** Hands `message` to every subscriber and wakes every parked long-poll. */
  fanOut(message: HubMessage): void {
    for (const sink of this.#sinks) {
      try {
        sink(message);
      } catch (error) {
        // One broken subscriber must not stop the others.
        this.#sinks.delete(sink);
        this.#onSinkError?.(error);
      }
    }
    this.#wakeAll();
  }

  /** Drops every subscriber and wakes every waiter. */
  close(): void {
    this.#sinks.clear();
    this.#wakeAll();
  }

  #wakeAll(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
