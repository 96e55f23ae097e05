/**
 * L1: process memory. Bounded (least recently used entries go first), with
 * lazy expiry, and single-flight loading so any number of concurrent reads
 * of a missing key cause exactly one upstream call.
 *
 * @module
 */
import {
  type CacheEntry,
  type CacheTier,
  countRead,
  newStats,
  type TierName,
  type TierStats,
} from "./tier.ts";

/** Options for {@linkcode MemoryTier}. */
export interface MemoryTierOptions {
  /**
   * Most entries kept.
   * @default {1000}
   */
  maxEntries?: number;
  /**
   * The tier's name (L1 for the front cache, L4 for last known values).
   * @default {"L1"}
   */
  name?: TierName;
}

/**
 * An in-memory tier.
 *
 * @example Single flight
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryTier } from "@/lib/cache/memory_tier.ts";
 * const tier = new MemoryTier<number>();
 * let calls = 0;
 * const load = () => new Promise<number>((r) => setTimeout(() => r(++calls), 1));
 * const results = await Promise.all([1, 2, 3].map(() => tier.singleFlight("k", load)));
 * assert.deepEqual(results, [1, 1, 1]);
 * ```
 */
export class MemoryTier<T> implements CacheTier<T> {
  readonly name: TierName;
  readonly stats: TierStats = newStats();
  #entries = new Map<string, CacheEntry<T>>();
  #inFlight = new Map<string, Promise<unknown>>();
  #max: number;

  /** Creates an empty tier. */
  constructor(options: MemoryTierOptions = {}) {
    const { maxEntries = 1000, name = "L1" } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(
        `Cannot create memory tier: 'maxEntries' must be a positive integer, received ${maxEntries}`,
      );
    }
    this.#max = maxEntries;
    this.name = name;
  }

  /** Always up. */
  get up(): boolean {
    return true;
  }

  /** How many entries are held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry, refreshed as most recently used. */
  get(key: string, freshAt?: number): Promise<CacheEntry<T> | undefined> {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    countRead(this.stats, entry, freshAt);
    return Promise.resolve(entry);
  }

  /** Stores, evicting the least recently used entry past the bound. */
  set(key: string, entry: CacheEntry<T>): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#max) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
    return Promise.resolve();
  }

  /** Runs `load` once for any number of concurrent callers of the same key. */
  singleFlight<R>(key: string, load: () => Promise<R>): Promise<R> {
    const running = this.#inFlight.get(key) as Promise<R> | undefined;
    if (running) return running;
    const promise = load().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return promise;
  }
}
