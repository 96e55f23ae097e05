/**
 * The interface every cache tier implements, and what it stores.
 *
 * @module
 */

/** The tiers, fastest first. */
export type TierName = "L1" | "L2" | "L3" | "L4";

/** A cached value with its times. */
export interface CacheEntry<T> {
  /** The value (JSON-serializable). */
  readonly value: T;
  /** When it was fetched from upstream, epoch ms. */
  readonly storedAt: number;
  /** Until when it counts as fresh, epoch ms. */
  readonly expiresAt: number;
}

/** Counters of one tier, for metrics. */
export interface TierStats {
  hits: number;
  misses: number;
  errors: number;
  /** Total time spent in the tier's reads, ms. */
  readMs: number;
}

/** One storage tier. */
export interface CacheTier<T> {
  /** Which tier. */
  readonly name: TierName;
  /** Whether it is reachable now (a down Redis is skipped). */
  readonly up: boolean;
  /** The entry for `key`, fresh or not, or `undefined`. Never throws. */
  get(key: string): Promise<CacheEntry<T> | undefined>;
  /** Stores an entry. Never throws; failures are counted. */
  set(key: string, entry: CacheEntry<T>): Promise<void>;
  /** Its counters. */
  readonly stats: TierStats;
}

/** Fresh counters. */
export function newStats(): TierStats {
  return { hits: 0, misses: 0, errors: 0, readMs: 0 };
}
