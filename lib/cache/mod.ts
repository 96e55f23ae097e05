/**
 * Caching and storage tiers.
 *
 * @module
 */
export {
  SqliteStore,
  type StoredSnapshot,
  StoreError,
} from "./sqlite_store.ts";
export {
  type HistoryPoint,
  type HistoryQueryOptions,
  type HistoryResult,
  SqliteHistory,
  type SqliteHistoryOptions,
} from "./sqlite_history.ts";
export {
  type CacheEntry,
  type CacheTier,
  type TierName,
  type TierStats,
} from "./tier.ts";
export { MemoryTier, type MemoryTierOptions } from "./memory_tier.ts";
export { RedisTier, type RedisTierOptions } from "./redis_tier.ts";
export { SqliteTier } from "./sqlite_tier.ts";
export {
  type CachedValue,
  type Origin,
  TieredCache,
  type TieredCacheOptions,
} from "./tiered_cache.ts";
export { openReadingCache, type ReadingCacheOptions } from "./reading_cache.ts";
export { type IngestOutcome, SqliteIngest } from "./sqlite_ingest.ts";
export { SqliteSync } from "./sqlite_sync.ts";
export { SqliteAlerts } from "./sqlite_alerts.ts";
export { RedisAlerts } from "./redis_alerts.ts";
export { RedisSync, type RedisSyncOptions } from "./redis_sync.ts";
export {
  IngestConflictError,
  type IngestMerge,
  IngestSettlingError,
  RedisIngest,
  type RedisIngestOptions,
} from "./redis_ingest.ts";
export { type HistoryReader, openHistoryReader } from "./history_reader.ts";
export { SqliteViewerLinks } from "./sqlite_viewer_links.ts";
export { RedisViewerLinks } from "./redis_viewer_links.ts";
