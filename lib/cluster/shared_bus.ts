/**
 * The shared bus: several instances (or workers) behave as one server,
 * over a SharedLink: Redis, or the workers' local bus, which runs the
 * same scripts. Publishing a
 * change runs one Lua script that checks the epoch and the leader's
 * fencing value, assigns the next seq, stores the state, appends the delta
 * to a Redis Stream (trimmed by count) and publishes it, atomically. Every
 * instance subscribes and fans out to its own clients; on (re)connection
 * an instance catches up from the stream, and when Redis comes back empty
 * the first instance back starts a new epoch with its current state.
 *
 * It lives outside `lib/stream/` because that area is also bundled for the
 * browser, and this one needs a Redis client.
 *
 * @module
 */
import type { SharedLink } from "./shared_link.ts";
import type { JsonObject } from "../protocol/mod.ts";
import {
  type BusChange,
  type BusEvent,
  deltaMessage,
  type HubBus,
  type HubMessage,
  hubMessageFromText,
  type SharedPosition,
} from "../stream/mod.ts";
import { JOIN_SCRIPT, PUBLISH_SCRIPT } from "./bus_scripts.ts";
import { readSharedLog } from "./shared_log.ts";

/**
 * Who may publish: the leader lease's key and its current fencing value
 * ({@linkcode LeaderLease} is one).
 */
export interface Fencing {
  /** The lease's key, checked by the publish script. */
  readonly key: string;
  /** This instance's fencing value while it leads, else `undefined`. */
  readonly fence: string | undefined;
}

/** The bus refused a change; `reason` says why, for metrics and logs. */
export class BusPublishError extends Error {
  /** `down`, `not_leader`, `epoch` (Redis has another) or `conflict`. */
  readonly reason: "down" | "not_leader" | "epoch" | "conflict";
  /** Creates the error. */
  constructor(reason: BusPublishError["reason"], message: string) {
    super(message);
    this.name = "BusPublishError";
    this.reason = reason;
  }
}

/** Options for {@linkcode SharedBus}. */
export interface SharedBusOptions {
  /**
   * Where the shared log lives: Redis, or the supervisor's local bus
   * (borrowed: the bus does not close it).
   */
  redis: SharedLink;
  /** Whose changes Redis accepts: the leader lease. */
  fencing: Fencing;
  /** Topics shared through Redis; others stay in this process. */
  shared: readonly string[];
  /** The current state of a topic (to seed a new epoch). */
  states: (topic: string) => JsonObject;
  /** Makes a fresh epoch (when Redis has none). */
  newEpoch: () => string;
  /** Applies Redis's position to the hub (`Hub.sync`). */
  onSync: (epoch: string, topics: Record<string, SharedPosition>) => void;
  /**
   * Deltas kept per topic in the Redis Stream (approximate trim).
   * @default {1000}
   */
  historyCount?: number;
  /** Told about protocol errors and failed resyncs (logs). */
  onError?: (error: unknown) => void;
}

/**
 * A {@linkcode HubBus} over Redis (see the module text).
 *
 * A shared change is accepted only with the leader's current fencing
 * value (from {@linkcode SharedBusOptions.fencing}), so an instance that
 * lost its lease cannot write over the new leader's figures.
 */
export class SharedBus implements HubBus {
  #o: Required<Omit<SharedBusOptions, "onError">> & {
    onError?: (error: unknown) => void;
  };
  #redis: SharedLink;
  #handlers = new Set<(event: BusEvent) => void>();
  #seen = new Map<string, number>();
  #epoch?: string;
  #syncing?: Promise<void>;
  #closed = false;
  #stop: (() => void)[] = [];

  /** Creates the bus; call {@linkcode SharedBus.connect}. */
  constructor(options: SharedBusOptions) {
    this.#o = { historyCount: 1000, ...options };
    this.#redis = options.redis;
  }

  /** Whether Redis is reachable. */
  get up(): boolean {
    return this.#redis.up;
  }

  /** The shared epoch, once joined. */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** The channel deltas are published on. */
  get #channel(): string {
    return this.#redis.key("bus");
  }

  #topicKey(topic: string, part: "seq" | "state" | "log"): string {
    return this.#redis.key("t", topic, part);
  }

  /**
   * Listens for deltas and joins the shared epoch (creating it when Redis
   * has none), again at every reconnection. Resolves once joined, or at
   * once when Redis is unreachable (it joins when Redis is back).
   */
  async connect(): Promise<void> {
    this.#stop.push(
      this.#redis.listen(this.#channel, (text) => this.#onMessage(text)),
      // Every (re)connection may have missed deltas, or found Redis empty.
      this.#redis.onReady(() => void this.resync()),
    );
    if (this.#redis.up) await this.resync();
  }

  /**
   * Reads Redis's position (joining or creating the epoch) and the kept
   * deltas, and hands them to `onSync`. Runs once at a time.
   */
  resync(): Promise<void> {
    return this.#syncing ??= this.#doResync().finally(() => {
      this.#syncing = undefined;
    });
  }

  async #doResync(): Promise<void> {
    if (this.#closed) return;
    try {
      const { shared } = this.#o;
      const keys = [this.#redis.key("epoch")];
      for (const t of shared) {
        keys.push(
          this.#topicKey(t, "seq"),
          this.#topicKey(t, "state"),
          this.#topicKey(t, "log"),
        );
      }
      const reply = await this.#redis.run(JOIN_SCRIPT, keys, [
        this.#o.newEpoch(),
        ...shared.map((t) => JSON.stringify(this.#o.states(t))),
      ]) as string[];
      const epoch = reply[0] as string;
      const topics: Record<string, SharedPosition> = {};
      for (const [i, t] of shared.entries()) {
        const seq = Number(reply[1 + i * 2]);
        topics[t] = {
          seq,
          state: JSON.parse(reply[2 + i * 2] as string) as JsonObject,
          log: await readSharedLog(this.#redis, this.#topicKey(t, "log"), {
            epoch,
            onError: this.#o.onError,
          }),
        };
        this.#seen.set(t, seq);
      }
      this.#epoch = epoch;
      this.#o.onSync(epoch, topics);
    } catch (error) {
      this.#o.onError?.(error);
    }
  }

  /**
   * The deltas of `topic` after `since` still in the Redis Stream, in
   * this epoch; `undefined` when Redis cannot answer. Serves resumes
   * older than an instance's own history.
   */
  async readAfter(
    topic: string,
    since: number,
  ): Promise<HubMessage[] | undefined> {
    if (!this.#redis.up || !this.#o.shared.includes(topic)) return undefined;
    try {
      return await readSharedLog(this.#redis, this.#topicKey(topic, "log"), {
        after: since,
        epoch: this.#epoch,
        onError: this.#o.onError,
      });
    } catch (error) {
      this.#o.onError?.(error);
      return undefined;
    }
  }

  /**
   * Sequences a shared change in Redis; a local one is delivered at once.
   *
   * @throws {BusPublishError} When Redis refuses or cannot take the change.
   */
  async publish(change: BusChange): Promise<void> {
    if (!this.#o.shared.includes(change.topic)) {
      this.#deliver({
        topic: change.topic,
        message: deltaMessage(change, change.seqHint),
        state: change.state,
      });
      return;
    }
    const { fencing } = this.#o;
    const fence = fencing.fence;
    if (!fence) {
      throw new BusPublishError(
        "not_leader",
        "only the leader publishes shared topics",
      );
    }
    if (!this.#redis.up) {
      throw new BusPublishError("down", "Redis is unreachable");
    }
    const t = change.topic;
    const reply = await this.#redis.run(PUBLISH_SCRIPT, [
      this.#redis.key("epoch"),
      this.#topicKey(t, "seq"),
      this.#topicKey(t, "state"),
      this.#topicKey(t, "log"),
      fencing.key,
    ], [
      change.epoch,
      String(change.base),
      fence,
      JSON.stringify(change.patch),
      JSON.stringify(change.state),
      change.ts,
      String(this.#o.historyCount),
      t,
      this.#channel,
    ]) as [string, string];
    const [status, detail] = reply;
    if (status === "ok") {
      const message = hubMessageFromText(detail);
      this.#seen.set(t, message.envelope.seq);
      this.#deliver({ topic: t, message, state: change.state });
      return;
    }
    if (status === "fenced") {
      // The lease finds out at its next renewal and stops the poller.
      throw new BusPublishError(
        "not_leader",
        "the leader lease is held by another instance",
      );
    }
    // Redis has another epoch or seq than this hub: catch up, then retry.
    await this.resync();
    throw new BusPublishError(
      status === "epoch" ? "epoch" : "conflict",
      status === "epoch"
        ? `Redis holds epoch ${detail || "(none)"}, not ${change.epoch}`
        : `Redis is at seq ${detail}, not ${change.base}`,
    );
  }

  #onMessage(text: string): void {
    let message: HubMessage;
    try {
      message = hubMessageFromText(text);
    } catch (error) {
      this.#o.onError?.(error);
      return;
    }
    const { topic, epoch, seq } = message.envelope;
    if (!this.#o.shared.includes(topic) || epoch !== this.#epoch) {
      if (epoch !== this.#epoch) void this.resync();
      return;
    }
    const seen = this.#seen.get(topic) ?? 0;
    if (seq <= seen) return; // our own, delivered when the script returned
    if (message.envelope.type === "delta" && message.envelope.base !== seen) {
      void this.resync(); // a gap: fill it from the stream
      return;
    }
    this.#seen.set(topic, seq);
    this.#deliver({ topic, message });
  }

  #deliver(event: BusEvent): void {
    for (const handler of this.#handlers) handler(event);
  }

  /** Adds a handler. */
  subscribe(handler: (event: BusEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => {
      this.#handlers.delete(handler);
    };
  }

  /** Stops listening; the connection stays open for its owner to close. */
  close(): Promise<void> {
    this.#closed = true;
    for (const stop of this.#stop.splice(0)) stop();
    return Promise.resolve();
  }
}
