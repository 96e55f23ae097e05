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
  type HistoryResult,
  SqliteHistory,
  type SqliteHistoryOptions,
} from "./sqlite_history.ts";
