/**
 * L3: SQLite, the last good reading of each source, on disk, so a
 * restarted instance has real figures at once. A reading is written
 * through the store's `relaxed` commit (no wait for the disk): a killed
 * process loses none, a power loss may take back the last second or so,
 * which the next read replaces anyway. Waiting for the disk on every
 * reading was two thirds of the simulator board's main-thread time.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  type CacheEntry,
  type CacheTier,
  countRead,
  newStats,
  type TierName,
  type TierStats,
} from "../cache/tier.ts";

/** The readings table's migration (applied by the store). */
export const READINGS_MIGRATION = `CREATE TABLE readings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT`;

/** The SQLite tier, over the store's database. */
export class SqliteTier<T> implements CacheTier<T> {
  readonly name: TierName = "L3";
  readonly stats: TierStats = newStats();
  #get: StatementSync;
  #set: StatementSync;
  #all: StatementSync;
  #commit: <R>(writes: () => R) => R;

  /**
   * Prepares the statements.
   *
   * @param db The store's database.
   * @param commit Runs a write in its own transaction.
   *   @default {the write as it is: SQLite's own transaction}
   */
  constructor(
    db: DatabaseSync,
    commit: <R>(writes: () => R) => R = (writes) => writes(),
  ) {
    this.#commit = commit;
    this.#get = db.prepare(
      "SELECT value, stored_at, expires_at FROM readings WHERE key = ?",
    );
    this.#set = db.prepare(
      `INSERT INTO readings (key, value, stored_at, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, stored_at = excluded.stored_at,
         expires_at = excluded.expires_at`,
    );
    this.#all = db.prepare(
      "SELECT key, value, stored_at, expires_at FROM readings",
    );
  }

  /** Always up once opened. */
  get up(): boolean {
    return true;
  }

  /** The stored entry, or `undefined`. */
  get(key: string, freshAt?: number): Promise<CacheEntry<T> | undefined> {
    try {
      const row = this.#get.get(key) as Row | undefined;
      const entry = row ? decode<T>(row) : undefined;
      countRead(this.stats, entry, freshAt);
      return Promise.resolve(entry);
    } catch {
      this.stats.errors++;
      return Promise.resolve(undefined);
    }
  }

  /** Stores the entry (a failed write is counted; the stream goes on). */
  set(key: string, entry: CacheEntry<T>): Promise<void> {
    try {
      const value = JSON.stringify(entry.value);
      this.#commit(() =>
        this.#set.run(key, value, entry.storedAt, entry.expiresAt)
      );
    } catch {
      this.stats.errors++;
    }
    return Promise.resolve();
  }

  /** Every stored entry, to seed the last-known tier at boot. */
  entries(): [string, CacheEntry<T>][] {
    const out: [string, CacheEntry<T>][] = [];
    for (const row of this.#all.all() as unknown as (Row & { key: string })[]) {
      const entry = decode<T>(row);
      if (entry) out.push([row.key, entry]);
    }
    return out;
  }
}

interface Row {
  value: string;
  stored_at: number;
  expires_at: number;
}

function decode<T>(row: Row): CacheEntry<T> | undefined {
  try {
    return {
      value: JSON.parse(row.value) as T,
      storedAt: Number(row.stored_at),
      expiresAt: Number(row.expires_at),
    };
  } catch {
    return undefined; // a damaged row is as good as none; the next write replaces it
  }
}
