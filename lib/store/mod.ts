/**
 * Where the server keeps what must outlive a process: SQLite (the last
 * state, history, pushed figures, syncs, alert tracks and outbox, share
 * links, the readings of the L3 tier) and the same domains in Redis when
 * several instances share the work. Each store implements its domain's
 * interface (`lib/alerts`' AlertStore, `lib/sources`' IngestStore and
 * SyncStore, `lib/security`'s ViewerLinkStore, the cache's tier).
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
export { SqliteTier } from "./sqlite_tier.ts";
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
