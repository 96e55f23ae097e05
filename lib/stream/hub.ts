/**
 * The stream hub: the small facade over its parts. Per topic a
 * {@linkcode HubTopic} (state, seq, history, subscribers) and a
 * {@linkcode PublishWindow} (coalescing, the bus, retries); here the
 * epoch, the one way in for subscribers and resumes (which decides
 * between this instance's history, the shared log and a snapshot), and
 * the sync with a shared log. It knows no transport. Over 350 lines
 * because each of its 20 public members carries its contract in a doc
 * comment; the behaviour lives in its parts.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import { randomId } from "../time/mod.ts";
import {
  type JsonObject,
  ProtocolError,
  type SnapshotEnvelope,
} from "../protocol/mod.ts";
import { type BusEvent, MemoryBus } from "./bus.ts";
import { deltaChain } from "./catch_up.ts";
import type { HubMessage } from "./hub_message.ts";
import {
  type HubSink,
  HubTopic,
  type ResumeAnswer,
  type ResumePosition,
  type SharedPosition,
} from "./hub_topic.ts";
import { PublishWindow } from "./publish_window.ts";
import type {
  HubOptions,
  HubSubscriber,
  HubSubscription,
} from "./hub_options.ts";

export type {
  HubOptions,
  HubSink,
  HubSubscriber,
  HubSubscription,
  ResumeAnswer,
  ResumePosition,
  SharedPosition,
};

/**
 * Publishes state changes as merge-patch deltas with seq and epoch, and
 * serves subscribers and resumes from history.
 *
 * @example Publish and receive a delta
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Hub } from "@/lib/stream/hub.ts";
 * const clock = new FakeClock();
 * const hub = new Hub({ clock, topics: { pnl: { net: 0 } }, epoch: "demo" });
 * const seen: string[] = [];
 * hub.subscribe("pnl", {}, {
 *   start: (initial) => assert.equal(initial[0]?.envelope.type, "snapshot"),
 *   live: (m) => seen.push(m.text),
 * });
 * hub.publish("pnl", { net: 5 });
 * await clock.advance(100);
 * assert.match(seen[0] ?? "", /"patch":\{"net":5\}/);
 * hub.close();
 * ```
 */
export class Hub {
  #clock: Clock;
  #epoch: string;
  #topics = new Map<string, { topic: HubTopic; window: PublishWindow }>();
  #onPublish: HubOptions["onPublish"];
  #olderHistory: HubOptions["olderHistory"];
  #stopBus: () => void;
  #closed = false;

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
    this.#epoch = epoch;
    this.#onPublish = onPublish;
    this.#olderHistory = olderHistory;
    for (const [name, state] of Object.entries(topics)) {
      const topic = new HubTopic(name, state, {
        clock,
        maxCount: historyCount,
        maxAgeMs: historyMaxAgeMs,
        onSinkError: (error) => onSinkError?.(name, error),
      });
      const window = new PublishWindow(topic, {
        clock,
        batchMs,
        epoch: () => this.#epoch,
        send: (change) => bus.publish(change),
        onRefused: (error) => onPublishError?.(name, error),
      });
      this.#topics.set(name, { topic, window });
    }
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

  /**
   * The published state of a topic (do not modify). A newer one may be
   * waiting in the batch window: to add to the state, use
   * {@linkcode Hub.update}, never `publish({...state(topic), ...})`.
   */
  state(topic: string): JsonObject {
    return this.#topic(topic).state;
  }

  /** How many deltas a topic keeps for resume now. */
  historySize(topic: string): number {
    return this.#topic(topic).historySize;
  }

  /** How many subscribers a topic has. */
  subscriberCount(topic: string): number {
    return this.#topic(topic).subscriberCount;
  }

  /**
   * Offers a new state for `topic`. After a quiet batch window it goes out
   * at the end of the current turn (coalesced with anything else offered in
   * it); within a window, it goes out as one delta with the window's other
   * changes when the window closes. A state equal to the latest one changes
   * nothing. For the one part that builds the topic's whole state (the P&L
   * engine, the admin feed); a part that adds to it uses
   * {@linkcode Hub.update}, which cannot put an older state back.
   */
  publish(topic: string, state: JsonObject): void {
    if (this.#closed) return;
    this.#entry(topic).window.offer(state);
  }

  /**
   * Offers `change(latest)` for `topic`, where `latest` is the newest state
   * offered so far (waiting in the batch window, with the bus, or
   * published). A part that adds to a state another part builds (the
   * alerts on the P&L) uses this, so it cannot put an older state over a
   * newer one. Published like {@linkcode Hub.publish}.
   *
   * @example Alerts added on top of a figure still in the window
   * ```ts
   * import assert from "node:assert/strict";
   * import { FakeClock } from "@/lib/time/mod.ts";
   * import { Hub } from "@/lib/stream/hub.ts";
   * const clock = new FakeClock();
   * const hub = new Hub({ clock, topics: { pnl: { net: 0 } }, epoch: "demo" });
   * hub.publish("pnl", { net: 5 });
   * hub.update("pnl", (latest) => ({ ...latest, alerts: ["low"] }));
   * await clock.advance(100);
   * assert.deepEqual(hub.state("pnl"), { net: 5, alerts: ["low"] });
   * hub.close();
   * ```
   */
  update(topic: string, change: (latest: JsonObject) => JsonObject): void {
    if (this.#closed) return;
    const { window } = this.#entry(topic);
    window.offer(change(window.latest));
  }

  /** Publishes whatever is waiting in batch windows now (used on shutdown). */
  flush(): void {
    for (const { window } of this.#topics.values()) window.flush();
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
      const inFlight = [...this.#topics.values()].flatMap(({ window }) =>
        window.inFlight ? [window.inFlight] : []
      );
      if (inFlight.length === 0) return;
      await Promise.allSettled(inFlight);
    }
  }

  /**
   * The snapshot of a topic at its published seq; serialized once per seq.
   *
   * @throws {ProtocolError} `unknown_topic` when the topic does not exist.
   */
  snapshot(topic: string): HubMessage<SnapshotEnvelope> {
    return this.#topic(topic).snapshot(this.#epoch);
  }

  /**
   * What a client at `position` must apply to be current: the missed
   * deltas from this instance's history, or from the shared log when the
   * history no longer reaches back (same epoch); nothing when it is
   * current; else a snapshot.
   *
   * @throws {ProtocolError} `unknown_topic` when the topic does not exist.
   */
  resume(
    topic: string,
    position: ResumePosition,
  ): ResumeAnswer | Promise<ResumeAnswer> {
    const t = this.#topic(topic);
    return this.#resumeLocal(t, position) ?? this.#resumeShared(t, position);
  }

  /**
   * Subscribes to `topic` from `position`: `start` receives what to apply
   * first (see {@linkcode Hub.resume}), then `live` every message after.
   * Nothing is lost or doubled between the two: the subscriber is
   * registered before the shared log is read, and what arrives meanwhile
   * is covered by the answer.
   *
   * @throws {ProtocolError} `unknown_topic` when the topic does not exist.
   */
  subscribe(
    topic: string,
    position: ResumePosition,
    subscriber: HubSubscriber,
  ): HubSubscription {
    const t = this.#topic(topic);
    const local = this.#resumeLocal(t, position);
    if (local) {
      subscriber.start(local.messages, local.resumed);
      return { unsubscribe: t.addSink(subscriber.live) };
    }
    let started = false;
    let removed = false;
    const remove = t.addSink((m) => {
      if (started) subscriber.live(m);
    });
    void this.#resumeShared(t, position).then(({ messages, resumed }) => {
      if (removed) return;
      subscriber.start(messages, resumed);
      started = true;
    });
    return {
      unsubscribe: function unsubscribe() {
        removed = true;
        remove();
      },
    };
  }

  /**
   * What a subscriber that fell behind at `position` needs to be current:
   * nothing, one delta composed from the missed ones (when history still
   * covers them and it is smaller than the snapshot), or the snapshot.
   */
  catchUp(topic: string, position: ResumePosition): HubMessage[] {
    const t = this.#topic(topic);
    const { since, epoch } = position;
    if (since === t.seq && epoch === this.#epoch) return [];
    if (since === undefined || epoch !== this.#epoch || since > t.seq) {
      return [t.snapshot(this.#epoch)];
    }
    return [t.catchUp(since, this.#epoch)];
  }

  /**
   * Calls `wake` once, at the next publish on `topic` (at once, in a
   * microtask, when the hub is closed). One closure per waiter, no timer
   * and no AbortSignal: thousands of parked long-polls cost a closure
   * each.
   *
   * @returns The function that stops waiting.
   */
  onNextChange(topic: string, wake: () => void): () => void {
    const t = this.#topic(topic);
    if (this.#closed) {
      queueMicrotask(wake);
      return () => {};
    }
    return t.onNextChange(wake);
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
  sync(epoch: string, topics: Readonly<Record<string, SharedPosition>>): void {
    if (this.#closed) return;
    const reset = (name: string, given?: SharedPosition) => {
      const { topic, window } = this.#entry(name);
      topic.reset(this.#epoch, given);
      window.rebase(topic.seq);
    };
    if (epoch !== this.#epoch) {
      this.#epoch = epoch;
      for (const name of this.#topics.keys()) reset(name, topics[name]);
      return;
    }
    for (const [name, given] of Object.entries(topics)) {
      const t = this.#topics.get(name)?.topic;
      if (!t || given.seq === t.seq) continue;
      if (given.seq > t.seq) {
        const log = [...given.log].sort((a, b) =>
          a.envelope.seq - b.envelope.seq
        );
        const { chain, reaches } = deltaChain(log, t.seq, {
          epoch,
          until: given.seq,
        });
        if (chain.length > 0 && reaches >= given.seq) {
          for (const message of chain) this.#receive({ topic: name, message });
          continue;
        }
      }
      reset(name, given);
    }
  }

  /** Stops batching timers, wakes every waiter and drops every subscriber. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#stopBus();
    for (const { topic, window } of this.#topics.values()) {
      window.close();
      topic.close();
    }
  }

  /** Disposes the hub. */
  [Symbol.dispose](): void {
    this.close();
  }

  #entry(topic: string): { topic: HubTopic; window: PublishWindow } {
    const entry = this.#topics.get(topic);
    if (!entry) {
      throw new ProtocolError(
        "unknown_topic",
        `unknown topic ${JSON.stringify(topic)}; known topics: ${
          [...this.#topics.keys()].join(", ")
        }`,
      );
    }
    return entry;
  }

  #topic(topic: string): HubTopic {
    return this.#entry(topic).topic;
  }

  /** The answer from this instance alone, or `undefined` when the shared log is needed. */
  #resumeLocal(
    t: HubTopic,
    position: ResumePosition,
  ): ResumeAnswer | undefined {
    const { since, epoch } = position;
    if (since !== undefined && epoch === this.#epoch) {
      const missed = t.since(since);
      if (missed) return { messages: missed, resumed: true };
      if (this.#olderHistory && since < t.seq) return undefined;
    }
    return { messages: [t.snapshot(this.#epoch)], resumed: false };
  }

  /** Reads deltas older than this instance's history from the shared log. */
  async #resumeShared(
    t: HubTopic,
    position: ResumePosition,
  ): Promise<ResumeAnswer> {
    const since = position.since as number;
    const older = await this.#olderHistory!(t.name, since).catch(() =>
      undefined
    );
    if (this.#closed || position.epoch !== this.#epoch) {
      return this.#resumeLocal(t, position) ??
        { messages: [this.snapshot(t.name)], resumed: false };
    }
    const { chain, reaches } = deltaChain(older ?? [], since, {
      epoch: this.#epoch,
      until: t.seq,
    });
    if (reaches !== t.seq) {
      // The rest may be in the local history.
      const rest = reaches > since ? t.since(reaches) : undefined;
      if (!rest) return { messages: [this.snapshot(t.name)], resumed: false };
      chain.push(...rest);
    }
    return { messages: chain, resumed: true };
  }

  /** Applies a delta from the bus and fans it out: the one place state moves. */
  #receive(event: BusEvent): void {
    const entry = this.#topics.get(event.topic);
    const envelope = event.message.envelope;
    if (
      !entry || envelope.type !== "delta" || envelope.epoch !== this.#epoch
    ) return;
    const { topic, window } = entry;
    if (envelope.base !== topic.seq) return; // a duplicate or foreign delta: not ours to apply
    const started = this.#clock.monotonic();
    topic.apply(event.message, event.state);
    window.rebase(topic.seq);
    this.#onPublish?.(topic.name, event.message, topic.state, {
      subscribers: topic.subscriberCount,
      ms: this.#clock.monotonic() - started,
    });
  }
}
