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
