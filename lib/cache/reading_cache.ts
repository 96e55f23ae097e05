/**
 * The four tiers every source reading goes through, assembled: process
 * memory (L1), Redis when configured (L2), SQLite (L3), and last known
 * values (L4) seeded from SQLite so a restart has figures at once.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import { MemoryTier } from "./memory_tier.ts";
import type { CacheEntry, CacheTier } from "./tier.ts";

/**
 * Where the last good readings are kept (the L3 tier, listed to seed L4):
 * the SQLite store (`lib/store`), which the cache knows only by this.
 */
export interface ReadingsStore {
  readonly readings: CacheTier<unknown> & {
    entries(): [string, CacheEntry<unknown>][];
  };
}
import { TieredCache } from "./tiered_cache.ts";

/** Options for {@linkcode openReadingCache}. */
export interface ReadingCacheOptions<T> {
  /** Time source for freshness. */
  clock: Clock;
  /** The SQLite store: its readings are L3 and seed L4. */
  store: ReadingsStore;
  /** The Redis tier, when Redis is configured (already connecting). */
  l2?: CacheTier<T>;
}

/**
 * Builds the tiered cache of source readings.
 *
 * @param options Clock, store and the optional Redis tier.
 * @returns The cache, with L4 seeded from L3.
 *
 * @example Last known values survive a restart
 * ```ts
 * import assert from "node:assert/strict";
 * import { openReadingCache } from "@/lib/cache/mod.ts";
 * import { SqliteStore } from "@/lib/store/mod.ts";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * using store = SqliteStore.open(":memory:");
 * const clock = new FakeClock();
 * await store.readings.set("k", { value: 5, storedAt: 0, expiresAt: 0 });
 * const cache = await openReadingCache<number>({ clock, store });
 * const read = await cache.read("k", 0, () => Promise.reject(new Error("down")));
 * assert.equal(read.value, 5);
 * ```
 */
export async function openReadingCache<T>(
  options: ReadingCacheOptions<T>,
): Promise<TieredCache<T>> {
  const { clock, store, l2 } = options;
  const cache = new TieredCache<T>({
    clock,
    l1: new MemoryTier(),
    l2,
    l3: store.readings as CacheTier<T>,
    l4: new MemoryTier({ name: "L4" }),
  });
  await cache.seedLastKnown(
    store.readings.entries() as [string, CacheEntry<T>][],
  );
  return cache;
}
