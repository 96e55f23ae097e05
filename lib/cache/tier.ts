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
  /**
   * The entry for `key`, fresh or not, or `undefined`. Never throws.
   * With `freshAt`, the read counts as a hit only when the entry is still
   * fresh then (an expired entry is returned, for fallbacks, but counts as
   * a miss); without it, any entry found is a hit.
   */
  get(key: string, freshAt?: number): Promise<CacheEntry<T> | undefined>;
  /** Stores an entry. Never throws; failures are counted. */
  set(key: string, entry: CacheEntry<T>): Promise<void>;
  /** Its counters. */
  readonly stats: TierStats;
}

/** Fresh counters. */
export function newStats(): TierStats {
  return { hits: 0, misses: 0, errors: 0, readMs: 0 };
}

/**
 * Counts one read in `stats`: a hit when an entry was found (and is fresh
 * at `freshAt`, when given).
 *
 * @param stats The tier's counters.
 * @param entry What the read found.
 * @param freshAt The time freshness is judged at, epoch ms.
 */
export function countRead(
  stats: TierStats,
  entry: CacheEntry<unknown> | undefined,
  freshAt?: number,
): void {
  if (entry && (freshAt === undefined || entry.expiresAt > freshAt)) {
    stats.hits++;
  } else stats.misses++;
}
