/**
 * The cache of source readings: its tiers (process memory, Redis, the
 * SQLite store's readings, last known values) and the tiered read/write
 * path over them. The stores themselves live in `lib/store`.
 *
 * @module
 */
export {
  type CacheEntry,
  type CacheTier,
  type TierName,
  type TierStats,
} from "./tier.ts";
export { MemoryTier, type MemoryTierOptions } from "./memory_tier.ts";
export { RedisTier, type RedisTierOptions } from "./redis_tier.ts";
export {
  type CachedValue,
  type Origin,
  TieredCache,
  type TieredCacheOptions,
} from "./tiered_cache.ts";
export {
  openReadingCache,
  type ReadingCacheOptions,
  type ReadingsStore,
} from "./reading_cache.ts";
