/**
 * L2: Redis, shared by every instance. Values are versioned JSON kept well
 * past their freshness (so an expired value can still stand in when the
 * upstream fails); every command is bounded by a short timeout; a Redis
 * that is down is skipped without delaying reads and used again as soon as
 * the shared connection is back.
 *
 * @module
 */
import type { RedisConnection } from "../redis/mod.ts";
import type { Clock } from "../time/mod.ts";
import {
  type CacheEntry,
  type CacheTier,
  countRead,
  newStats,
  type TierName,
  type TierStats,
} from "./tier.ts";

/** Options for {@linkcode RedisTier}. */
export interface RedisTierOptions {
  /** The process's Redis connection (borrowed, not closed by the tier). */
  redis: RedisConnection;
  /** Time source for latency and retention. */
  clock: Clock;
  /**
   * Longest wait for one command, ms.
   * @default {250}
   */
  commandTimeoutMs?: number;
  /**
   * How long values stay in Redis after they stop being fresh, ms.
   * @default {86400000}
   */
  retainMs?: number;
  /**
   * Key prefix, after the connection's own.
   * @default {"cache:"}
   */
  prefix?: string;
}

const VERSION = 1;

/** The Redis tier. */
export class RedisTier<T> implements CacheTier<T> {
  readonly name: TierName = "L2";
  readonly stats: TierStats = newStats();
  #redis: RedisConnection;
  #clock: Clock;
  #timeoutMs: number;
  #retainMs: number;
  #prefix: string;

  /** Creates the tier over a connection (connected or not). */
  constructor(options: RedisTierOptions) {
    const {
      redis,
      clock,
      commandTimeoutMs = 250,
      retainMs = 86_400_000,
      prefix = "cache:",
    } = options;
    this.#redis = redis;
    this.#clock = clock;
    this.#timeoutMs = commandTimeoutMs;
    this.#retainMs = retainMs;
    this.#prefix = redis.key(prefix);
  }

  /** Whether Redis is connected and ready. */
  get up(): boolean {
    return this.#redis.up;
  }

  /** The entry for `key`, or `undefined` (also when Redis is down). */
  async get(
    key: string,
    freshAt?: number,
  ): Promise<CacheEntry<T> | undefined> {
    if (!this.up) {
      this.stats.misses++;
      return undefined;
    }
    const started = this.#clock.monotonic();
    try {
      const text = await this.#redis.command(
        "Redis GET",
        (c) => c.get(this.#prefix + key),
        this.#timeoutMs,
      );
      const entry = text ? decode<T>(text) : undefined;
      countRead(this.stats, entry, freshAt);
      return entry;
    } catch {
      this.stats.errors++;
      return undefined;
    } finally {
      this.stats.readMs += this.#clock.monotonic() - started;
    }
  }

  /** Stores the entry with a Redis TTL past its freshness. */
  async set(key: string, entry: CacheEntry<T>): Promise<void> {
    if (!this.up) return;
    try {
      const ttl = Math.max(
        1,
        entry.expiresAt - this.#clock.now() + this.#retainMs,
      );
      await this.#redis.command(
        "Redis SET",
        (c) =>
          c.set(this.#prefix + key, JSON.stringify({ v: VERSION, ...entry }), {
            PX: ttl,
          }),
        this.#timeoutMs,
      );
    } catch {
      this.stats.errors++;
    }
  }
}

function decode<T>(text: string): CacheEntry<T> | undefined {
  try {
    const raw = JSON.parse(text);
    // Another version's layout is a miss, not an error: it is rewritten on the next fetch.
    if (
      raw?.v !== VERSION || typeof raw.storedAt !== "number" ||
      typeof raw.expiresAt !== "number"
    ) {
      return undefined;
    }
    return {
      value: raw.value as T,
      storedAt: raw.storedAt,
      expiresAt: raw.expiresAt,
    };
  } catch {
    return undefined;
  }
}
