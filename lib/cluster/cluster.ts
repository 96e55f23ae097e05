/**
 * This process's place in the cluster, built in one piece: with a Redis
 * URL, one Redis connection, the leader lease and the bus that shares
 * the P&L topic; without, a cluster of one that always leads. Notices
 * between instances ("source shop has a new event") go through Redis, or
 * straight to this process alone. What is worth logging (reachability,
 * leading or following, a new epoch) is logged here.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { JsonObject } from "../protocol/mod.ts";
import { RedisConnection } from "../redis/mod.ts";
import type { SharedPosition } from "../stream/mod.ts";
import type { Clock } from "../time/mod.ts";
import { Leadership } from "./leadership.ts";
import { RedisBus } from "./redis_bus.ts";

/** Options for {@linkcode Cluster}. */
export interface ClusterOptions {
  /** Time source for the lease and command limits. */
  clock: Clock;
  /** Where connection and leadership changes are logged. */
  log: Logger;
  /** `redis://` or `rediss://`; without it this process is the whole cluster. */
  redisUrl?: string;
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
  /** Who polls upstream. */
  readonly leadership: Leadership;
  /** The bus the hub publishes through, when Redis is configured. */
  readonly bus?: RedisBus;
  #o: ClusterOptions;
  #epoch?: string;

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
    const shared = this.redis !== undefined;
    this.leadership = new Leadership({
      clock,
      redis: this.redis,
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
    this.bus = this.redis && fencing
      ? new RedisBus({
        redis: this.redis,
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
        onError: (error) => log.warn("redis bus", { error }),
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
  }

  /**
   * Starts taking notices, joins the shared epoch and starts leading or
   * campaigning: the last step of a start, once every part exists.
   */
  async join(): Promise<void> {
    const { onNotice } = this.#o;
    if (this.redis && onNotice) this.redis.onNotice(onNotice);
    await this.bus?.connect();
    this.leadership.start();
  }

  /**
   * Tells every instance, this one included, something small; without
   * Redis, this process alone.
   */
  notify(kind: string, payload: string): void {
    if (this.redis) void this.redis.notify(kind, payload);
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
  }
}
