/**
 * This process's place in the cluster, built in one piece: with a Redis
 * URL, one Redis connection, the leader lease and the bus that shares
 * the P&L topic; as a `PULSE_WORKERS` worker without Redis, the same
 * lease and bus over the supervisor's local bus; otherwise a cluster of
 * one that always leads. Notices between instances ("source shop has a
 * new event") go through the shared place, or straight to this process
 * alone. What is worth logging (reachability, leading or following, a new
 * epoch) is logged here.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { JsonObject } from "../protocol/mod.ts";
import { RedisConnection } from "../redis/mod.ts";
import type { LocalBusConnection } from "./local_bus_server.ts";
import { LocalLink } from "./local_link.ts";
import type { SharedLink } from "./shared_link.ts";
import type { SharedPosition } from "../stream/mod.ts";
import type { Clock } from "../time/mod.ts";
import { Leadership } from "./leadership.ts";
import { SharedBus } from "./shared_bus.ts";

/** Options for {@linkcode Cluster}. */
export interface ClusterOptions {
  /** Time source for the lease and command limits. */
  clock: Clock;
  /** Where connection and leadership changes are logged. */
  log: Logger;
  /** `redis://` or `rediss://`; without it this process is the whole cluster. */
  redisUrl?: string;
  /**
   * Without Redis, a `PULSE_WORKERS` worker's way to its supervisor's
   * local bus; the lease and the bus then live there.
   */
  localBus?: () => Promise<LocalBusConnection>;
  /** This worker start's token, said first to the local bus. */
  localBusToken?: string;
  /** Told when the local bus has been gone too long (the worker should stop). */
  onLocalBusGone?: () => void;
  /** Names this process in logs and in the lease's value (no secrets). */
  instanceId: string;
  /**
   * How long a lease grant lasts without renewal, ms.
   * @default {3000}
   */
  leaseMs?: number;
  /**
   * Deltas kept per shared topic in Redis.
   * @default {1000}
   */
  historyCount?: number;
  /**
   * Topics shared through Redis.
   * @default {["pnl"]}
   */
  shared?: readonly string[];
  /** The hub's current state of a topic (to seed a new epoch). */
  states: (topic: string) => JsonObject;
  /** Makes a fresh epoch id. */
  newEpoch: () => string;
  /** Applies Redis's position to the hub (`Hub.sync`). */
  onSync: (epoch: string, topics: Record<string, SharedPosition>) => void;
  /** This process starts leading: start polling. */
  onLead: () => void;
  /** It stops leading: stop polling. */
  onFollow: () => void;
  /** Receives every instance's {@linkcode Cluster.notify}. */
  onNotice?: (kind: string, payload: string) => void;
}

/** This process in its cluster (see the module text). */
export class Cluster {
  /** The Redis connection, when configured. */
  readonly redis?: RedisConnection;
  /** Where the lease and the bus live: Redis, or the local bus. */
  readonly link?: SharedLink;
  #local?: LocalLink;
  /** Who polls upstream. */
  readonly leadership: Leadership;
  /** The bus the hub publishes through, with Redis or the local bus. */
  readonly bus?: SharedBus;
  #o: ClusterOptions;
  #epoch?: string;
  #synced?: Promise<void>;

  /** Builds the parts; nothing connects before {@linkcode Cluster.connect}. */
  constructor(options: ClusterOptions) {
    this.#o = options;
    const { clock, log, redisUrl, instanceId } = options;
    this.redis = redisUrl
      ? new RedisConnection({
        url: redisUrl,
        clock,
        onError: (error) => log.warn("redis", { error }),
        onUpChange: (up) =>
          log[up ? "info" : "warn"](
            up ? "redis reachable" : "redis unreachable",
          ),
      })
      : undefined;
    this.#local = !this.redis && options.localBus
      ? new LocalLink({
        connect: options.localBus,
        ...(options.localBusToken !== undefined
          ? { token: options.localBusToken }
          : {}),
        clock,
        onUpChange: (up) =>
          log[up ? "info" : "warn"](
            up ? "local bus reachable" : "local bus unreachable",
          ),
        onGone: options.onLocalBusGone,
        onError: (error) => log.warn("local bus", { error }),
      })
      : undefined;
    this.link = this.redis ?? this.#local;
    const shared = this.link !== undefined;
    this.leadership = new Leadership({
      clock,
      redis: this.link,
      instanceId,
      leaseMs: options.leaseMs,
      onLead: () => {
        if (shared) {
          log.info("leader: polling sources", { instance: instanceId });
        }
        options.onLead();
      },
      onFollow: () => {
        if (shared) log.info("follower: fanning out", { instance: instanceId });
        options.onFollow();
      },
    });
    const fencing = this.leadership.fencing;
    this.bus = this.link && fencing
      ? new SharedBus({
        redis: this.link,
        fencing,
        shared: options.shared ?? ["pnl"],
        states: options.states,
        newEpoch: options.newEpoch,
        onSync: (epoch, topics) => {
          if (epoch !== this.#epoch) {
            log.info("joined epoch", { epoch, before: this.#epoch ?? "local" });
            this.#epoch = epoch;
          }
          options.onSync(epoch, topics);
        },
        historyCount: options.historyCount,
        onError: (error) =>
          log.warn(this.redis ? "redis bus" : "local bus", { error }),
      })
      : undefined;
  }

  /** Whether Redis is configured. */
  get shared(): boolean {
    return this.redis !== undefined;
  }

  /** Whether Redis is reachable (`false` without Redis). */
  get up(): boolean {
    return this.redis?.up ?? false;
  }

  /**
   * Connects to Redis (when configured). Resolves once connected or when
   * the first attempt failed; it keeps trying in the background.
   */
  async connect(): Promise<void> {
    await this.redis?.connect();
    await this.#local?.connect();
  }

  /**
   * Starts taking notices, joins the shared epoch and starts leading or
   * campaigning: the last step of a start, once every part exists.
   */
  async join(): Promise<void> {
    await this.sync();
    this.leadership.start();
  }

  /**
   * Starts taking notices and joins the shared epoch and state, without
   * leading yet: done before the server listens, so no client is ever
   * answered from this instance's own epoch. Runs once; {@linkcode join}
   * runs it too.
   */
  sync(): Promise<void> {
    return this.#synced ??= (async () => {
      const { onNotice } = this.#o;
      if (this.link && onNotice) this.link.onNotice(onNotice);
      await this.bus?.connect();
    })();
  }

  /**
   * Tells every instance, this one included, something small; without
   * Redis, this process alone.
   */
  notify(kind: string, payload: string): void {
    if (this.link) void this.link.notify(kind, payload);
    else this.#o.onNotice?.(kind, payload);
  }

  /** Stops leading and lets the lease go, so another takes over at once. */
  leave(): Promise<void> {
    return this.leadership.stop();
  }

  /** Stops the bus and closes Redis. */
  async close(): Promise<void> {
    await this.bus?.close();
    await this.redis?.close();
    await this.#local?.close();
  }
}
