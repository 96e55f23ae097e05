/**
 * The stream hub: per topic, the current state, its epoch and seq, a bounded
 * history of deltas, and the subscribers. It knows no transport. Still
 * one large class: splitting it (topic phase, publish window, resume and
 * catch-up, Redis sync) is item 2 of the [architecture] issue.
 *
 * @module
 */
import type { Clock, TimerId } from "../time/mod.ts";
import { isoTime, randomId } from "../time/mod.ts";
import {
  type BusChange,
  type BusEvent,
  type HubBus,
  MemoryBus,
} from "./bus.ts";
import {
  applyMergePatch,
  composeMergePatches,
  createMergePatch,
  type DeltaEnvelope,
  type JsonObject,
  ProtocolError,
  type SnapshotEnvelope,
} from "../protocol/mod.ts";
import { DeltaHistory } from "./history.ts";
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

/** A live subscription. */
export interface HubSubscription {
  /** What the subscriber must apply first: missed deltas, or one snapshot. */
  readonly initial: readonly HubMessage[];
  /** Whether `initial` was served from history (`false`: snapshot or nothing). */
  readonly resumed: boolean;
  /** Stops live delivery; idempotent. */
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

interface TopicState {
  name: string;
  state: JsonObject;
  seq: number;
  pending?: JsonObject;
  pendingSeq: number;
  timer?: TimerId;
  history: DeltaHistory;
  sinks: Set<HubSink>;
  waiters: Set<() => void>;
  snapshot?: HubMessage<SnapshotEnvelope>;
  /** Catch-up messages by starting seq, valid for the current seq only. */
  catchUps: Map<number, HubMessage>;
  catchUpsAt: number;
  /** A change is with the bus and not yet settled. */
  publishing: boolean;
  /** When the last delta went out: its window is open until + batchMs. */
  flushedAt: number;
  /** A flush is queued for the end of this turn. */
  queued: boolean;
}

/** How long a hub waits before offering a change the bus refused again, ms. */
const REPUBLISH_MS = 500;

/**
 * Publishes state changes as merge-patch deltas with seq and epoch, and
 * serves resumes from history.
 *
 * @example Publish and receive a delta
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Hub } from "@/lib/stream/hub.ts";
 * const clock = new FakeClock();
 * const hub = new Hub({ clock, topics: { pnl: { net: 0 } }, epoch: "demo" });
 * const seen: string[] = [];
 * const sub = hub.subscribe("pnl", {}, (m) => seen.push(m.text));
 * assert.equal(sub.initial[0]?.envelope.type, "snapshot");
 * hub.publish("pnl", { net: 5 });
 * await clock.advance(100);
 * assert.match(seen[0] ?? "", /"patch":\{"net":5\}/);
 * hub.close();
 * ```
 */
export class Hub {
  #clock: Clock;
  #batchMs: number;
  #epoch: string;
  #topics = new Map<string, TopicState>();
  #onPublish: HubOptions["onPublish"];
  #onSinkError: HubOptions["onSinkError"];
  #onPublishError: HubOptions["onPublishError"];
  #olderHistory: HubOptions["olderHistory"];
  #bus: HubBus;
  #stopBus: () => void;
  #closed = false;
  #inFlight = new Set<Promise<void>>();

  /** Creates a hub with its topics. */
  constructor(options: HubOptions) {
    const {
      clock,
      topics,
      batchMs = 100,
      historyCount = 1000,
      historyMaxAgeMs = 300_000,
      epoch = randomId(12),
      onPublish,
      onSinkError,
      onPublishError,
      olderHistory,
      bus = new MemoryBus(),
    } = options;
    if (!(batchMs >= 0) || !Number.isFinite(batchMs)) {
      throw new RangeError(
        `Cannot create hub: 'batchMs' must be a non-negative number, received ${batchMs}`,
      );
    }
    if (!/^[A-Za-z0-9_-]{4,32}$/.test(epoch)) {
      throw new RangeError(
        `Cannot create hub: 'epoch' must be 4-32 characters of [A-Za-z0-9_-], received ${epoch}`,
      );
    }
    this.#clock = clock;
    this.#batchMs = batchMs;
    this.#epoch = epoch;
    this.#onPublish = onPublish;
    this.#onSinkError = onSinkError;
    this.#onPublishError = onPublishError;
    this.#olderHistory = olderHistory;
    for (const [name, state] of Object.entries(topics)) {
      this.#topics.set(name, {
        name,
        state,
        seq: 1,
        pendingSeq: 1,
        history: new DeltaHistory({
          maxCount: historyCount,
          maxAgeMs: historyMaxAgeMs,
        }),
        sinks: new Set(),
        waiters: new Set(),
        catchUps: new Map(),
        catchUpsAt: 1,
        publishing: false,
        // The start opens a window, so the first reads of every source
        // after a start go out together as one delta.
        flushedAt: clock.now(),
        queued: false,
      });
    }
    this.#bus = bus;
    this.#stopBus = bus.subscribe((event) => this.#receive(event));
  }

  /** The epoch of every topic's history in this hub. */
  get epoch(): string {
    return this.#epoch;
  }

  /** The names of the topics. */
  get topics(): string[] {
    return [...this.#topics.keys()];
  }

  /** Whether `topic` exists. */
  has(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /** The published position of a topic. */
  position(topic: string): { epoch: string; seq: number } {
    return { epoch: this.#epoch, seq: this.#topic(topic).seq };
  }

  /** The published state of a topic (do not modify). */
  state(topic: string): JsonObject {
    return this.#topic(topic).state;
  }

  /** How many deltas a topic keeps for resume now. */
  historySize(topic: string): number {
    return this.#topic(topic).history.size;
  }

  /** How many subscribers a topic has. */
  subscriberCount(topic: string): number {
    return this.#topic(topic).sinks.size;
  }

  /**
   * Offers a new state for `topic`. After a quiet batch window it goes out
   * at the end of the current turn (coalesced with anything else offered in
   * it); within a window, it goes out as one delta with the window's other
   * changes when the window closes. A state equal to the latest one changes
   * nothing.
   */
  publish(topic: string, state: JsonObject): void {
    if (this.#closed) return;
    const t = this.#topic(topic);
    const latest = t.pending ?? t.state;
    if (createMergePatch(latest, state) === undefined) return;
    t.pending = state;
    t.pendingSeq += 1;
    if (t.timer !== undefined || t.queued || t.publishing) return;
    const wait = t.flushedAt + this.#batchMs - this.#clock.now();
    if (wait > 0) {
      this.#schedule(t, wait);
      return;
    }
    // No timer: a sparse change goes out without waiting, and without the
    // event-loop wakeup a timer costs.
    t.queued = true;
    queueMicrotask(() => {
      t.queued = false;
      this.#flushTopic(t);
    });
  }

  /** Publishes whatever is waiting in batch windows now (used on shutdown). */
  flush(): void {
    for (const t of this.#topics.values()) {
      if (t.timer !== undefined) {
        this.#clock.clearTimeout(t.timer);
        t.timer = undefined;
      }
      this.#flushTopic(t);
    }
  }

  /**
   * The snapshot of a topic at its published seq; serialized once per seq.
   *
   * @throws {ProtocolError} `unknown_topic` when the topic does not exist.
   */
  snapshot(topic: string): HubMessage<SnapshotEnvelope> {
    const t = this.#topic(topic);
    if (!t.snapshot || t.snapshot.envelope.seq !== t.seq) {
      const envelope: SnapshotEnvelope = {
        type: "snapshot",
        topic: t.name,
        epoch: this.#epoch,
        seq: t.seq,
        ts: isoTime(this.#clock.now()),
        data: t.state,
      };
      t.snapshot = createHubMessage(envelope);
    }
    return t.snapshot;
  }

  /**
   * What a client at `position` must apply to be current: the missed
   * deltas when still in history and the epoch matches, nothing when it is
   * current, else a snapshot.
   */
  resume(
    topic: string,
    position: ResumePosition,
  ): { messages: HubMessage[]; resumed: boolean } {
    const t = this.#topic(topic);
    const { since, epoch } = position;
    if (since !== undefined && epoch === this.#epoch) {
      if (since === t.seq) return { messages: [], resumed: true };
      if (since < t.seq) {
        const missed = t.history.since(since, this.#clock.now());
        if (missed) return { messages: missed, resumed: true };
      }
    }
    return { messages: [this.snapshot(topic)], resumed: false };
  }

  /**
   * Whether a resume at `position` needs the shared log: the local history
   * does not reach back to it, but it is in this epoch and a shared log
   * exists.
   */
  needsOlderHistory(topic: string, position: ResumePosition): boolean {
    const t = this.#topic(topic);
    const { since, epoch } = position;
    return this.#olderHistory !== undefined && since !== undefined &&
      epoch === this.#epoch && since < t.seq &&
      t.history.since(since, this.#clock.now()) === undefined;
  }

  /**
   * Like {@linkcode Hub.resume}, and when the local history does not reach
   * back far enough, reads the older deltas from the shared log: a resume
   * any instance's log can serve is served. Falls back to a snapshot when
   * neither bridges the gap.
   */
  async resumeShared(
    topic: string,
    position: ResumePosition,
  ): Promise<{ messages: HubMessage[]; resumed: boolean }> {
    if (!this.needsOlderHistory(topic, position)) {
      return this.resume(topic, position);
    }
    const since = position.since as number;
    const older = await this.#olderHistory!(topic, since).catch(() =>
      undefined
    );
    if (this.#closed || position.epoch !== this.#epoch) {
      return this.resume(topic, position);
    }
    const t = this.#topic(topic);
    const chain: HubMessage[] = [];
    let at = since;
    for (const m of older ?? []) {
      const e = m.envelope;
      if (e.seq > t.seq) break; // published after our state: live will carry it
      if (e.type !== "delta" || e.epoch !== this.#epoch || e.base !== at) break;
      chain.push(m);
      at = e.seq;
    }
    if (at !== t.seq) {
      // The rest may be in the local history.
      const rest = at > since
        ? t.history.since(at, this.#clock.now())
        : undefined;
      if (!rest) return { messages: [this.snapshot(topic)], resumed: false };
      chain.push(...rest);
    }
    return { messages: chain, resumed: true };
  }

  /**
   * Subscribes like {@linkcode Hub.subscribe}, reading older deltas from
   * the shared log when needed. Live messages that arrive meanwhile are
   * already counted in what it returns.
   */
  async subscribeShared(
    topic: string,
    position: ResumePosition,
    sink: HubSink,
  ): Promise<HubSubscription> {
    if (!this.needsOlderHistory(topic, position)) {
      return this.subscribe(topic, position, sink);
    }
    const t = this.#topic(topic);
    let live = false;
    // Registered first, so nothing published during the read is missed;
    // what arrives before the read ends is covered by its answer.
    const gate: HubSink = (m) => {
      if (live) sink(m);
    };
    t.sinks.add(gate);
    const { messages, resumed } = await this.resumeShared(topic, position);
    live = true;
    return {
      initial: messages,
      resumed,
      unsubscribe: function unsubscribe() {
        t.sinks.delete(gate);
      },
    };
  }

  /**
   * Subscribes `sink` to live messages of `topic`, starting at `position`.
   * The initial messages and the live ones join without a gap, since both
   * happen in the same turn.
   *
   * @throws {ProtocolError} `unknown_topic` when the topic does not exist.
   */
  subscribe(
    topic: string,
    position: ResumePosition,
    sink: HubSink,
  ): HubSubscription {
    const t = this.#topic(topic);
    const { messages, resumed } = this.resume(topic, position);
    t.sinks.add(sink);
    return {
      initial: messages,
      resumed,
      unsubscribe: function unsubscribe() {
        t.sinks.delete(sink);
      },
    };
  }

  /**
   * What a subscriber that fell behind at `since` needs to be current: one
   * delta composed from the missed ones when history still covers them and
   * it is smaller than the snapshot, else the snapshot. Shared by every
   * subscriber that fell behind at the same seq.
   */
  catchUp(topic: string, position: ResumePosition): HubMessage[] {
    const t = this.#topic(topic);
    const { since, epoch } = position;
    if (since === t.seq && epoch === this.#epoch) return [];
    if (since === undefined || epoch !== this.#epoch || since > t.seq) {
      return [this.snapshot(topic)];
    }
    if (t.catchUpsAt !== t.seq) {
      t.catchUps.clear();
      t.catchUpsAt = t.seq;
    }
    let message = t.catchUps.get(since);
    if (!message) {
      message = this.#composeFrom(t, since) ?? this.snapshot(topic);
      t.catchUps.set(since, message);
    }
    return [message];
  }

  /**
   * Resolves at the next publish on `topic`, or when `signal` aborts (then
   * it resolves too: the caller checks why). One resolver per waiter, no
   * timer: thousands of parked long-polls cost a closure each.
   */
  waitForChange(topic: string, signal?: AbortSignal): Promise<void> {
    const t = this.#topic(topic);
    if (this.#closed || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        t.waiters.delete(wake);
        signal?.removeEventListener("abort", wake);
        resolve();
      };
      t.waiters.add(wake);
      signal?.addEventListener("abort", wake, { once: true });
    });
  }

  /** Stops batching timers, wakes every waiter and drops every subscriber. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#stopBus();
    for (const t of this.#topics.values()) {
      t.sinks.clear();
      for (const wake of [...t.waiters]) wake();
    }
  }

  /** Disposes the hub. */
  [Symbol.dispose](): void {
    this.close();
  }

  #topic(topic: string): TopicState {
    const t = this.#topics.get(topic);
    if (!t) {
      throw new ProtocolError(
        "unknown_topic",
        `unknown topic ${JSON.stringify(topic)}; known topics: ${
          [...this.#topics.keys()].join(", ")
        }`,
      );
    }
    return t;
  }

  #flushTopic(t: TopicState): void {
    if (t.publishing || this.#closed) return; // offered again once it settles
    const next = t.pending;
    if (!next) return;
    t.pending = undefined;
    const patch = createMergePatch(t.state, next);
    if (patch === undefined || typeof patch !== "object" || patch === null) {
      t.pendingSeq = t.seq; // the window's changes cancelled out
      return;
    }
    t.flushedAt = this.#clock.now();
    const change: BusChange = {
      topic: t.name,
      epoch: this.#epoch,
      base: t.seq,
      seqHint: t.pendingSeq,
      ts: isoTime(t.flushedAt),
      patch: patch as JsonObject,
      state: next,
    };
    let result: void | Promise<void>;
    try {
      result = this.#bus.publish(change);
    } catch (error) {
      this.#publishFailed(t, next, error);
      return;
    }
    if (!(result instanceof Promise)) return;
    t.publishing = true;
    const settled = result.then(
      () => {
        t.publishing = false;
        if (t.pending !== undefined) this.#schedule(t, this.#batchMs);
      },
      (error) => {
        t.publishing = false;
        this.#publishFailed(t, next, error);
      },
    );
    this.#inFlight.add(settled);
    settled.finally(() => this.#inFlight.delete(settled));
  }

  /**
   * Publishes what is waiting in batch windows and waits until the bus
   * has settled every change in flight (a leader shutting down hands its
   * last figures over before it lets the lease go).
   */
  async drain(): Promise<void> {
    // A few rounds: a change offered while another was in flight goes out
    // after it; a refused one is not retried here (bounded, never a loop).
    for (let round = 0; round < 3; round++) {
      this.flush();
      if (this.#inFlight.size === 0) return;
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  /** Keeps the newest state offered and tries again a little later. */
  #publishFailed(t: TopicState, next: JsonObject, error: unknown): void {
    if (this.#closed) return;
    t.pending ??= next;
    this.#onPublishError?.(t.name, error);
    this.#schedule(t, Math.max(this.#batchMs, REPUBLISH_MS));
  }

  #schedule(t: TopicState, ms: number): void {
    if (t.timer !== undefined || this.#closed) return;
    t.timer = this.#clock.setTimeout(() => {
      t.timer = undefined;
      this.#flushTopic(t);
    }, ms);
  }

  /**
   * Brings the hub in line with a shared log (the Redis bus), for a topic
   * whose position there is `seq` with `state`, and `log` the deltas still
   * kept. Another epoch resets every topic and sends every subscriber a
   * snapshot. In the same epoch, the missed deltas are applied in order
   * (subscribers see ordinary deltas); when the log no longer bridges the
   * gap, the topic takes the shared state and subscribers get a snapshot.
   *
   * @param epoch The shared epoch.
   * @param topics Each shared topic's position, state and kept deltas.
   */
  sync(
    epoch: string,
    topics: Readonly<
      Record<string, { state: JsonObject; seq: number; log: HubMessage[] }>
    >,
  ): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    const reset = (
      t: TopicState,
      given?: { state: JsonObject; seq: number; log: HubMessage[] },
    ) => {
      if (given) {
        t.state = given.state;
        t.seq = given.seq;
      }
      t.pendingSeq = t.pending === undefined ? t.seq : t.seq + 1;
      t.history.clear();
      for (const m of given?.log ?? []) {
        if (m.envelope.seq <= t.seq) t.history.append(m, now);
      }
      t.snapshot = undefined;
      t.catchUps.clear();
      this.#fanOut(t, this.snapshot(t.name));
    };
    if (epoch !== this.#epoch) {
      this.#epoch = epoch;
      for (const t of this.#topics.values()) reset(t, topics[t.name]);
      return;
    }
    for (const [name, given] of Object.entries(topics)) {
      const t = this.#topics.get(name);
      if (!t) continue;
      if (given.seq === t.seq) continue;
      if (given.seq > t.seq) {
        const chain = given.log
          .filter((m) => m.envelope.seq > t.seq)
          .sort((a, b) => a.envelope.seq - b.envelope.seq);
        let at = t.seq;
        const bridges = chain.length > 0 && chain.every((m) => {
          const e = m.envelope;
          const ok = e.type === "delta" && e.base === at;
          at = e.seq;
          return ok;
        }) && at >= given.seq;
        if (bridges) {
          for (const message of chain) this.#receive({ topic: name, message });
          continue;
        }
      }
      reset(t, given);
    }
  }

  /** Applies a delta from the bus and fans it out: the one place state moves. */
  #receive(event: BusEvent): void {
    const t = this.#topics.get(event.topic);
    const envelope = event.message.envelope;
    if (!t || envelope.type !== "delta" || envelope.epoch !== this.#epoch) {
      return;
    }
    if (envelope.base !== t.seq) return; // a duplicate or foreign delta: not ours to apply
    const { message } = event;
    t.state = event.state ??
      applyMergePatch(t.state, envelope.patch) as JsonObject;
    t.seq = envelope.seq;
    if (t.pending === undefined) t.pendingSeq = t.seq;
    const started = this.#clock.now();
    t.history.append(message, started);
    this.#fanOut(t, message);
    this.#onPublish?.(t.name, message, t.state, {
      subscribers: t.sinks.size,
      ms: this.#clock.now() - started,
    });
  }

  /** Hands `message` to every subscriber and wakes every parked long-poll. */
  #fanOut(t: TopicState, message: HubMessage): void {
    for (const sink of t.sinks) {
      try {
        sink(message);
      } catch (error) {
        // One broken subscriber must not stop the others.
        t.sinks.delete(sink);
        this.#onSinkError?.(t.name, error);
      }
    }
    for (const wake of [...t.waiters]) wake();
  }

  #composeFrom(t: TopicState, since: number): HubMessage | undefined {
    const missed = t.history.since(since, this.#clock.now());
    if (!missed || missed.length === 0) return undefined;
    if (missed.length === 1) return missed[0];
    let patch: JsonObject | undefined = {};
    for (const m of missed) {
      if (m.envelope.type !== "delta" || patch === undefined) return undefined;
      patch = composeMergePatches(patch, m.envelope.patch);
    }
    if (patch === undefined) return undefined;
    const last = missed[missed.length - 1]!.envelope;
    const message = createHubMessage<DeltaEnvelope>({
      type: "delta",
      topic: t.name,
      epoch: this.#epoch,
      seq: last.seq,
      base: since,
      ts: last.ts,
      patch,
    });
    // A composed delta larger than the whole state is worse than a snapshot.
    return message.text.length < this.snapshot(t.name).text.length
      ? message
      : undefined;
  }
}
