/**
 * A paged source's sync, kept on disk page by page: where the pass is
 * (cursor, watermark, counts) and every movement it counted, written
 * together in one transaction, so a SIGKILL or a restart goes on from the
 * page it reached with nothing read or counted twice.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The sync tables' migration (applied by the store). */
export const SYNC_MIGRATION = `CREATE TABLE source_sync (
     source TEXT PRIMARY KEY,
     state TEXT NOT NULL
   ) STRICT;
   CREATE TABLE source_movements (
     source TEXT NOT NULL,
     ref TEXT NOT NULL,
     at INTEGER NOT NULL,
     amount INTEGER NOT NULL,
     PRIMARY KEY (source, ref)
   ) STRICT, WITHOUT ROWID`;

/** What else a movement needs to be counted again (a Kalshi fill's market and price). */
export const SYNC_DATA_MIGRATION =
  `ALTER TABLE source_movements ADD COLUMN data TEXT`;

/** One movement a page counted (the shape `lib/sources` declares). */
interface SyncedMovement {
  /** The upstream's id for it (a balance transaction id). */
  ref: string;
  /** When the money moved, epoch ms. */
  at: number;
  /** How much, in the upstream's integer units. */
  amount: number;
  /** What else the source needs to count it again, as it wrote it. */
  data?: string;
}

/** What was saved for a source. */
interface SavedSync {
  /** The source's own progress record (JSON-safe). */
  state: unknown;
  /** Every movement counted, oldest first. */
  movements: SyncedMovement[];
}

/**
 * The SQLite sync store. Created by `SqliteStore` over its database.
 *
 * @example A page and its progress, together
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStore } from "@/lib/store/mod.ts";
 * using store = SqliteStore.open(":memory:");
 * store.sync.savePage("stripe", { after: "txn_2" }, [{ ref: "txn_1", at: 1000, amount: 500 }]);
 * assert.deepEqual(store.sync.load("stripe")?.state, { after: "txn_2" });
 * assert.equal(store.sync.load("stripe")?.movements.length, 1);
 * ```
 */
export class SqliteSync {
  #db: DatabaseSync;
  #state: StatementSync;
  #movements: StatementSync;
  #saveState: StatementSync;
  #saveMovement: StatementSync;

  /** Prepares the statements. */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#state = db.prepare("SELECT state FROM source_sync WHERE source = ?");
    this.#movements = db.prepare(
      "SELECT ref, at, amount, data FROM source_movements WHERE source = ? ORDER BY at, ref",
    );
    this.#saveState = db.prepare(
      `INSERT INTO source_sync (source, state) VALUES (?, ?)
       ON CONFLICT (source) DO UPDATE SET state = excluded.state`,
    );
    // A movement saved twice (a page read again after a crash between the
    // read and the save) is kept once.
    this.#saveMovement = db.prepare(
      `INSERT INTO source_movements (source, ref, at, amount, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (source, ref) DO NOTHING`,
    );
  }

  /** The saved progress record alone. */
  state(source: string): unknown {
    const row = this.#state.get(source) as { state: string } | undefined;
    return row ? JSON.parse(row.state) : undefined;
  }

  /** The saved progress of a source, if any. */
  load(source: string): SavedSync | undefined {
    const row = this.#state.get(source) as { state: string } | undefined;
    if (!row) return undefined;
    const movements = (this.#movements.all(source) as {
      ref: string;
      at: number | bigint;
      amount: number | bigint;
      data: string | null;
    }[]).map((m) => ({
      ref: m.ref,
      at: Number(m.at),
      amount: Number(m.amount),
      ...(m.data === null ? {} : { data: m.data }),
    }));
    return { state: JSON.parse(row.state), movements };
  }

  /** Saves a page: the new progress and the movements it counted, at once. */
  savePage(source: string, state: unknown, movements: SyncedMovement[]): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const m of movements) {
        this.#saveMovement.run(source, m.ref, m.at, m.amount, m.data ?? null);
      }
      this.#saveState.run(source, JSON.stringify(state));
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Forgets a source's progress (its settings changed). */
  clear(source: string): void {
    this.#db.prepare("DELETE FROM source_movements WHERE source = ?").run(
      source,
    );
    this.#db.prepare("DELETE FROM source_sync WHERE source = ?").run(source);
  }
}
