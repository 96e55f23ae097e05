/**
 * L2: Redis, shared by every instance. Values are versioned JSON kept well
 * past their freshness (so an expired value can still stand in when the
 * upstream fails); every command is bounded by a short timeout; a Redis
 * that is down is skipped without delaying reads and used again as soon as
 * it is back (node-redis reconnects by itself).
 *
 * @module
 */
import { withTimeout } from "../resilience/mod.ts";
import type { Clock } from "../time/mod.ts";
import {
  closeRedisClient,
  createRedisClient,
  onRedisEvent,
  type RedisClient,
} from "./redis_client.ts";
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
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Time source for command timeouts and latency. */
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
   * Prefix of every key.
   * @default {"pulse:cache:"}
   */
  prefix?: string;
  /** Told about connection errors (logs). */
  onError?: (error: Error) => void;
}

const VERSION = 1;

/** The Redis tier. */
export class RedisTier<T> implements CacheTier<T>, AsyncDisposable {
  readonly name: TierName = "L2";
  readonly stats: TierStats = newStats();
  #client: RedisClient;
  #clock: Clock;
  #timeoutMs: number;
  #retainMs: number;
  #prefix: string;

  /** Creates the tier; call {@linkcode RedisTier.connect}. */
  constructor(options: RedisTierOptions) {
    const {
      url,
      clock,
      commandTimeoutMs = 250,
      retainMs = 86_400_000,
      prefix = "pulse:cache:",
      onError,
    } = options;
    this.#clock = clock;
    this.#timeoutMs = commandTimeoutMs;
    this.#retainMs = retainMs;
    this.#prefix = prefix;
    this.#client = createRedisClient(url);
    onRedisEvent(this.#client, "error", (error) => onError?.(error as Error));
  }

  /** Starts connecting; resolves once connected or when the first attempt fails. */
  async connect(): Promise<void> {
    await this.#client.connect().catch(() => {
      // Reported through onError; reconnects on its own.
    });
  }

  /** Whether Redis is connected and ready. */
  get up(): boolean {
    return this.#client.isReady;
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
    const started = this.#clock.now();
    try {
      const text = await withTimeout(
        () => this.#client.get(this.#prefix + key),
        this.#timeoutMs,
        {
          clock: this.#clock,
          operation: "Redis GET",
        },
      );
      const entry = text ? decode<T>(text) : undefined;
      countRead(this.stats, entry, freshAt);
      return entry;
    } catch {
      this.stats.errors++;
      return undefined;
    } finally {
      this.stats.readMs += this.#clock.now() - started;
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
      await withTimeout(
        () =>
          this.#client.set(
            this.#prefix + key,
            JSON.stringify({ v: VERSION, ...entry }),
            { PX: ttl },
          ),
        this.#timeoutMs,
        { clock: this.#clock, operation: "Redis SET" },
      );
    } catch {
      this.stats.errors++;
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await closeRedisClient(this.#client, this.#clock);
  }

  /** Closes the connection. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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
