/**
 * SQLite storage (the L3 tier): the latest published state of each topic,
 * so a restarted server shows the last figures at once. Uses `node:sqlite`,
 * built into Deno: no native library to download.
 * Over 300 lines, kept whole: it owns the one connection and its
 * migrations; each domain's tables live in their own file beside it
 * (`sqlite_history.ts`, `sqlite_ingest.ts`, `sqlite_viewer_links.ts`, ...).
 *
 * @module
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { JsonObject } from "../protocol/mod.ts";
import {
  HISTORY_MIGRATION,
  ROLLUP_MIGRATION,
  SqliteHistory,
  type SqliteHistoryOptions,
} from "./sqlite_history.ts";
import { ALERTS_MIGRATION, SqliteAlerts } from "./sqlite_alerts.ts";
import { adoptBoard, BOARD_MIGRATION } from "./sqlite_board.ts";
import {
  SqliteViewerLinks,
  VIEWER_LINKS_MIGRATION,
} from "./sqlite_viewer_links.ts";
import {
  SqliteSync,
  SYNC_DATA_MIGRATION,
  SYNC_MIGRATION,
} from "./sqlite_sync.ts";
import { READINGS_MIGRATION, SqliteTier } from "./sqlite_tier.ts";
import {
  INGEST_MIGRATION,
  INGEST_PARTS_MIGRATION,
  INGEST_REPLICA_MIGRATION,
  SqliteIngest,
} from "./sqlite_ingest.ts";

/** A state read back from storage. */
export interface StoredSnapshot {
  /** The topic's state as last published. */
  state: JsonObject;
  /** Its seq in the epoch that published it. */
  seq: number;
  /** The epoch that published it. */
  epoch: string;
  /** When it was saved, epoch milliseconds. */
  savedAt: number;
}

/** The database cannot be opened or migrated; says what to do. */
export class StoreError extends Error {
  /** The database path. */
  readonly path: string;
  /** Creates the error. */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
    this.path = path;
  }
}

/** Each migration runs once, in order; the index + 1 is the schema version. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE latest_snapshot (
     topic TEXT PRIMARY KEY,
     epoch TEXT NOT NULL,
     seq INTEGER NOT NULL,
     state TEXT NOT NULL,
     saved_at INTEGER NOT NULL
   ) STRICT`,
  HISTORY_MIGRATION,
  READINGS_MIGRATION,
  INGEST_MIGRATION,
  ROLLUP_MIGRATION,
  INGEST_REPLICA_MIGRATION,
  SYNC_MIGRATION,
  SYNC_DATA_MIGRATION,
  ALERTS_MIGRATION,
  INGEST_PARTS_MIGRATION,
  BOARD_MIGRATION,
  VIEWER_LINKS_MIGRATION,
];

/**
 * The project's SQLite file: opened once, migrated, WAL mode on disk.
 *
 * @example Save and load a state
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStore } from "@/lib/store/sqlite_store.ts";
 * using store = SqliteStore.open(":memory:");
 * store.saveSnapshot("pnl", { state: { net: 1 }, seq: 3, epoch: "abcd", savedAt: 0 });
 * assert.deepEqual(store.loadSnapshot("pnl")?.state, { net: 1 });
 * ```
 */
export class SqliteStore {
  #db: DatabaseSync;
  #path: string;
  #save: StatementSync;
  #load: StatementSync;
  /** Whether the file is in WAL mode (see relaxed()). */
  #wal: boolean;
  /**
   * relaxed()'s four statements, prepared once: parsing them on each call
   * was a tenth of the publisher's main-thread time.
   */
  #relaxedSteps: Record<
    "normal" | "full" | "begin" | "commit" | "rollback",
    StatementSync
  >;
  /** The P&L history for charts. */
  readonly history: SqliteHistory;
  /** The last good reading of each source (the L3 cache tier). */
  readonly readings: SqliteTier<unknown>;
  /** Pushed events' ids and the values they add up to. */
  readonly ingest: SqliteIngest;
  /** Paged sources' sync progress and the movements they counted. */
  readonly sync: SqliteSync;
  /** Alert rules' tracks and the outbox of notifications. */
  readonly alerts: SqliteAlerts;
  /** The board's share links. */
  readonly viewerLinks: SqliteViewerLinks;

  private constructor(
    db: DatabaseSync,
    path: string,
    options: SqliteHistoryOptions,
  ) {
    this.#db = db;
    this.#path = path;
    this.#wal = (db.prepare("PRAGMA journal_mode").get() as {
      journal_mode?: string;
    } | undefined)?.journal_mode === "wal";
    this.#relaxedSteps = {
      normal: db.prepare("PRAGMA synchronous = NORMAL"),
      full: db.prepare("PRAGMA synchronous = FULL"),
      begin: db.prepare("BEGIN"),
      commit: db.prepare("COMMIT"),
      rollback: db.prepare("ROLLBACK"),
    };
    this.history = new SqliteHistory(db, options);
    this.readings = new SqliteTier(db, (writes) => this.relaxed(writes));
    this.ingest = new SqliteIngest(db);
    this.sync = new SqliteSync(db);
    this.alerts = new SqliteAlerts(db);
    this.viewerLinks = new SqliteViewerLinks(db);
    this.#save = db.prepare(
      `INSERT INTO latest_snapshot (topic, epoch, seq, state, saved_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (topic) DO UPDATE SET
         epoch = excluded.epoch, seq = excluded.seq,
         state = excluded.state, saved_at = excluded.saved_at`,
    );
    this.#load = db.prepare(
      `SELECT epoch, seq, state, saved_at FROM latest_snapshot WHERE topic = ?`,
    );
  }

  /**
   * Opens (creating it and its folder if needed) and migrates the
   * database at `path`.
   *
   * @param path A file path, or `:memory:`.
   * @returns The open store.
   * @throws {StoreError} When the folder cannot be created, or the file
   *   cannot be opened, is not a database, or is read-only; the message
   *   names the path and what to do.
   */
  static open(path: string, options: SqliteHistoryOptions = {}): SqliteStore {
    // A missing folder is made; anything else at that path (a file) is
    // left for the open to report.
    if (path !== ":memory:" && !existsSync(dirname(path))) {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (cause) {
        throw new StoreError(
          path,
          `Cannot create the folder for the database at ${path}: ${
            (cause as Error).message
          }. Create it, or set PULSE_DB to a writable path or ":memory:"`,
          { cause },
        );
      }
    }
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(path);
      // Waiting first: PULSE_WORKERS siblings open the file at once.
      db.exec("PRAGMA busy_timeout = 5000");
      if (path !== ":memory:") switchToWal(db);
      migrate(db);
      return new SqliteStore(db, path, options);
    } catch (cause) {
      try {
        db?.close();
      } catch {
        // The open already failed; the first error is the one to report.
      }
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new StoreError(
        path,
        `Cannot open the database at ${path}: ${reason}. Check that the path is a writable SQLite file ` +
          `(or a new file in a writable directory), move a damaged file aside, or set PULSE_DB to another path or ":memory:"`,
        { cause },
      );
    }
  }

  /** The database path. */
  get path(): string {
    return this.#path;
  }

  /**
   * Makes `tag`'s board the one whose history and last state a topic's
   * keys hold (see sqlite_board.ts).
   *
   * @param topic The topic, such as `pnl`.
   * @param tag The board's tag (lib/board.ts).
   * @param owns Whether a saved state is this board's.
   * @returns The tag that was moved aside, when there was another board.
   */
  adoptBoard(
    topic: string,
    tag: string,
    owns: (state: unknown) => boolean,
  ): { movedAside?: string } {
    return adoptBoard(this.#db, topic, tag, (s) => {
      const saved = this.loadSnapshot(s);
      return !saved || owns(saved.state);
    });
  }

  /**
   * Runs writes that a power loss may take back but a killed process never
   * does (the last state shown, the chart's points, the L3 readings) as one transaction
   * committed without waiting for the disk: SQLite's `synchronous =
   * NORMAL` in WAL mode. Waiting for the disk on each of them blocked the
   * event loop about a millisecond per published state. Everything else
   * (acknowledged webhook events, the alerts' outbox, sync progress) keeps
   * waiting for the disk (`FULL`, SQLite's default), and so does this
   * outside WAL mode, where `NORMAL` could corrupt the file on a power loss.
   *
   * @param writes The writes, synchronous.
   * @returns What `writes` returns.
   * @throws {Error} What a write throws; the transaction is rolled back.
   */
  relaxed<T>(writes: () => T): T {
    // Inside a transaction already: its own commit decides.
    if (this.#db.isTransaction) return writes();
    const wal = this.#wal;
    const step = this.#relaxedSteps;
    if (wal) step.normal.run();
    try {
      step.begin.run();
      try {
        const result = writes();
        step.commit.run();
        return result;
      } catch (error) {
        step.rollback.run();
        throw error;
      }
    } finally {
      if (wal) step.full.run();
    }
  }

  /** Replaces the stored state of a topic, atomically. */
  saveSnapshot(topic: string, snapshot: StoredSnapshot): void {
    this.#save.run(
      topic,
      snapshot.epoch,
      snapshot.seq,
      JSON.stringify(snapshot.state),
      snapshot.savedAt,
    );
  }

  /** The stored state of a topic, or `undefined` when none (or unreadable). */
  loadSnapshot(topic: string): StoredSnapshot | undefined {
    const row = this.#load.get(topic) as
      | { epoch: string; seq: number; state: string; saved_at: number }
      | undefined;
    if (!row) return undefined;
    let state: unknown;
    try {
      state = JSON.parse(row.state);
    } catch {
      return undefined; // a damaged row is as good as none; the next save replaces it
    }
    if (typeof state !== "object" || state === null || Array.isArray(state)) {
      return undefined;
    }
    return {
      state: state as JsonObject,
      seq: Number(row.seq),
      epoch: row.epoch,
      savedAt: Number(row.saved_at),
    };
  }

  /** Closes the database; later calls throw. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** Disposes the store. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** How long opening waits for a sibling that holds the file's lock, ms. */
const LOCK_WAIT_MS = 5_000;

/**
 * Puts the database in WAL mode. Switching a new file's journal mode takes
 * its exclusive lock, and SQLite answers "database is locked" at once, not
 * after busy_timeout, when a sibling (a PULSE_WORKERS worker opening the
 * same new file at the same instant) holds it: 13 of 20 rounds of four
 * processes failed so. So this waits and tries again, a few ms at a time,
 * up to LOCK_WAIT_MS. It blocks: it runs once, while the server starts.
 */
function switchToWal(db: DatabaseSync): void {
  const started = performance.now();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0;; attempt++) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (error) {
      if (!isBusy(error) || performance.now() - started > LOCK_WAIT_MS) {
        throw error;
      }
      Atomics.wait(pause, 0, 0, Math.min(50, 2 + attempt * 5));
    }
  }
}

/** Whether SQLite said the file is locked by another connection. */
function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return code === 5 || code === 6 ||
    (error instanceof Error && /database is locked/.test(error.message));
}

function migrate(db: DatabaseSync): void {
  // Under the write lock from the start (a read that turns into a write
  // would fail at once if a sibling wrote in between).
  db.exec(
    "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); COMMIT",
  );
  const version = () =>
    Number(
      (db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as
        | { v: number | null }
        | undefined)?.v ?? 0,
    );
  const current = version();
  if (current > MIGRATIONS.length) {
    throw new Error(
      `schema version ${current} is newer than this server knows (${MIGRATIONS.length}); upgrade Pulseboard`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      // Another process (a PULSE_WORKERS sibling) may have applied it
      // while this one waited for the lock.
      if (version() > v) {
        db.exec("COMMIT");
        continue;
      }
      db.exec(MIGRATIONS[v] as string);
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(v + 1);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
}
