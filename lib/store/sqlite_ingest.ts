/**
 * Durable storage of pushed (webhook) events: which event ids each source
 * has seen, and the reading they add up to, changed together in one
 * transaction so a retried delivery is counted once and a crash loses
 * nothing that was acknowledged. About 370 lines, kept whole: a third is
 * the migrations' SQL, and the rest is one class whose statements share
 * the transaction that makes "counted once" true (the replica kept for a
 * Redis that comes back empty included).
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The ingest tables' migration (applied by the store). */
export const INGEST_MIGRATION = `CREATE TABLE ingest_events (
     source TEXT NOT NULL,
     event_id TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     PRIMARY KEY (source, event_id)
   ) STRICT;
   CREATE INDEX ingest_events_age ON ingest_events (received_at);
   CREATE TABLE ingest_state (
     source TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) STRICT`;

/**
 * The local copy of what Redis holds for pushed sources (with Redis, the
 * shared figure lives there): each value with Redis's version of it, so
 * a Redis that comes back empty is refilled with the newest copy any
 * instance kept, never zeroed.
 */
export const INGEST_REPLICA_MIGRATION = `CREATE TABLE ingest_replica (
     source TEXT PRIMARY KEY,
     value TEXT NOT NULL,
     version INTEGER NOT NULL
   ) STRICT`;

/**
 * With Redis, each instance's share of a pushed figure ("its part": what
 * the events it acknowledged add up to, kept in `ingest_state`) is named
 * by a stable replica id; an event stored here but not yet in Redis is
 * pending, with the part as it was before it, so a crash between the two
 * is settled at the next start; and the parts of the other instances seen
 * in Redis are copied, so a Redis emptied while one of them is gone is
 * still refilled with its part.
 */
export const INGEST_PARTS_MIGRATION = `CREATE TABLE ingest_meta (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) STRICT;
   CREATE TABLE ingest_pending (
     source TEXT PRIMARY KEY,
     event_id TEXT NOT NULL,
     previous TEXT
   ) STRICT;
   CREATE TABLE ingest_parts (
     source TEXT NOT NULL,
     replica TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (source, replica)
   ) STRICT`;

/** An event stored here whose commit to Redis was not seen to finish. */
export interface PendingIngest {
  source: string;
  eventId: string;
  /** The part before the event, JSON; null when there was none. */
  previous: string | null;
}

/** A source's value as this instance last saw it in Redis. */
export interface IngestReplica {
  /** The stored value, JSON. */
  value: string;
  /** Redis's version counter for it (higher is newer). */
  version: number;
}

/** What applying one event did. */
export interface IngestOutcome<T> {
  /** The event id had been seen before; nothing changed. */
  duplicate: boolean;
  /** The stored value after the event. */
  value: T;
}

/**
 * Event ids and per-source values in SQLite.
 *
 * @example A redelivered event changes nothing
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStore } from "@/lib/store/sqlite_store.ts";
 * using store = SqliteStore.open(":memory:");
 * const add = (prev: number | undefined) => (prev ?? 0) + 5;
 * assert.equal(store.ingest.apply("shop", "evt_1", 0, add).value, 5);
 * assert.equal(store.ingest.apply("shop", "evt_1", 0, add).duplicate, true);
 * assert.equal(store.ingest.latest("shop"), 5);
 * ```
 */
export class SqliteIngest {
  #db: DatabaseSync;
  #seen: StatementSync;
  #mark: StatementSync;
  #get: StatementSync;
  #put: StatementSync;
  #prune: StatementSync;
  #replicaGet: StatementSync;
  #replicaPut: StatementSync;
  #recent: StatementSync;

  /** Prepares the statements over a migrated database. */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#seen = db.prepare(
      "SELECT 1 FROM ingest_events WHERE source = ? AND event_id = ?",
    );
    this.#mark = db.prepare(
      "INSERT INTO ingest_events (source, event_id, received_at) VALUES (?, ?, ?)",
    );
    this.#get = db.prepare("SELECT value FROM ingest_state WHERE source = ?");
    this.#put = db.prepare(
      `INSERT INTO ingest_state (source, value) VALUES (?, ?)
       ON CONFLICT (source) DO UPDATE SET value = excluded.value`,
    );
    this.#prune = db.prepare("DELETE FROM ingest_events WHERE received_at < ?");
    this.#replicaGet = db.prepare(
      "SELECT value, version FROM ingest_replica WHERE source = ?",
    );
    this.#replicaPut = db.prepare(
      `INSERT INTO ingest_replica (source, value, version) VALUES (?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET value = excluded.value, version = excluded.version
       WHERE excluded.version > ingest_replica.version`,
    );
    this.#recent = db.prepare(
      "SELECT event_id AS id, received_at AS at FROM ingest_events WHERE source = ? AND received_at >= ?",
    );
  }

  /** This instance's copy of a source's value in Redis, if it has one. */
  replica(source: string): IngestReplica | undefined {
    const row = this.#replicaGet.get(source) as
      | { value: string; version: number | bigint }
      | undefined;
    return row && { value: row.value, version: Number(row.version) };
  }

  /**
   * Keeps a copy of what Redis holds (only when newer than the one kept),
   * and the event id that produced it, in one transaction.
   */
  keepReplica(
    source: string,
    replica: IngestReplica,
    event?: { id: string; receivedAt: number },
  ): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      this.#replicaPut.run(source, replica.value, replica.version);
      if (event && !this.#seen.get(source, event.id)) {
        this.#mark.run(source, event.id, event.receivedAt);
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** The sources this instance keeps a copy of. */
  replicaSources(): string[] {
    return (this.#db.prepare("SELECT source FROM ingest_replica").all() as {
      source: string;
    }[]).map((r) => r.source);
  }

  /** Whether this instance recorded `eventId` for `source`. */
  seen(source: string, eventId: string): boolean {
    return this.#seen.get(source, eventId) !== undefined;
  }

  /** The event ids recorded for `source` since `since` (epoch ms). */
  eventsSince(source: string, since: number): { id: string; at: number }[] {
    return (this.#recent.all(source, since) as {
      id: string;
      at: number | bigint;
    }[]).map(({ id, at }) => ({ id, at: Number(at) }));
  }

  /**
   * The value a source's events add up to.
   *
   * @param source The source id.
   * @returns The value, or `undefined` before the first event.
   */
  latest<T>(source: string): T | undefined {
    const row = this.#get.get(source) as { value: string } | undefined;
    return row ? JSON.parse(row.value) as T : undefined;
  }

  /**
   * Records `eventId` and stores `next(previous)`, atomically; an id seen
   * before changes nothing.
   *
   * @param source The source id.
   * @param eventId The event's id (deliveries are at least once).
   * @param receivedAt Now, epoch ms (for pruning old ids).
   * @param next The new value from the previous one; may throw to refuse.
   * @param _merge Unused: one instance holds the whole figure (with Redis,
   *   `RedisIngest` merges the instances' parts).
   * @param options `pending`: the event is on its way to Redis too (see
   *   {@linkcode SqliteIngest.confirm} and {@linkcode SqliteIngest.retract}).
   * @returns Whether it was a duplicate, and the stored value.
   */
  apply<T>(
    source: string,
    eventId: string,
    receivedAt: number,
    next: (previous: T | undefined) => T,
    _merge?: unknown,
    options: { pending?: boolean } = {},
  ): IngestOutcome<T> {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const previous = this.latest<T>(source);
      if (this.#seen.get(source, eventId)) {
        this.#db.exec("COMMIT");
        return { duplicate: true, value: previous as T };
      }
      const value = next(previous);
      this.#mark.run(source, eventId, receivedAt);
      this.#put.run(source, JSON.stringify(value));
      if (options.pending) {
        this.#db.prepare(
          `INSERT INTO ingest_pending (source, event_id, previous) VALUES (?, ?, ?)
           ON CONFLICT (source) DO UPDATE SET event_id = excluded.event_id, previous = excluded.previous`,
        ).run(
          source,
          eventId,
          previous === undefined ? null : JSON.stringify(previous),
        );
      }
      this.#db.exec("COMMIT");
      return { duplicate: false, value };
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * This store's replica id: random, made once and kept in the file, so an
   * instance's part in Redis keeps its name across restarts (and workers
   * sharing the file share it).
   */
  replicaId(): string {
    const get = () =>
      (this.#db.prepare(
        "SELECT value FROM ingest_meta WHERE key = 'replica'",
      ).get() as { value: string } | undefined)?.value;
    const known = get();
    if (known) return known;
    const id = Array.from(
      crypto.getRandomValues(new Uint8Array(9)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    this.#db.prepare(
      "INSERT OR IGNORE INTO ingest_meta (key, value) VALUES ('replica', ?)",
    ).run(id);
    return get()!;
  }

  /** Events stored here whose commit to Redis was not seen to finish. */
  pending(source?: string): PendingIngest[] {
    const rows =
      (source === undefined
        ? this.#db.prepare("SELECT * FROM ingest_pending").all()
        : this.#db.prepare("SELECT * FROM ingest_pending WHERE source = ?").all(
          source,
        )) as { source: string; event_id: string; previous: string | null }[];
    return rows.map((r) => ({
      source: r.source,
      eventId: r.event_id,
      previous: r.previous,
    }));
  }

  /** The pending event reached Redis: it is an ordinary stored event now. */
  confirm(source: string): void {
    this.#db.prepare("DELETE FROM ingest_pending WHERE source = ?").run(source);
  }

  /**
   * Takes the pending event back (Redis refused it, or another instance
   * counted it): the part is what it was before, and the id is forgotten.
   */
  retract(source: string): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const [p] = this.pending(source);
      if (p) {
        if (p.previous === null) {
          this.#db.prepare("DELETE FROM ingest_state WHERE source = ?").run(
            source,
          );
        } else this.#put.run(source, p.previous);
        this.#db.prepare(
          "DELETE FROM ingest_events WHERE source = ? AND event_id = ?",
        ).run(source, p.eventId);
        this.confirm(source);
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** The sources this store holds a part, a copy or a pending event of. */
  partSources(): string[] {
    return (this.#db.prepare(
      `SELECT source FROM ingest_state UNION SELECT source FROM ingest_parts
       UNION SELECT source FROM ingest_pending UNION SELECT source FROM ingest_replica`,
    ).all() as { source: string }[]).map((r) => r.source);
  }

  /** This store's part of a source, JSON, if it has one. */
  ownPart(source: string): string | undefined {
    return (this.#get.get(source) as { value: string } | undefined)?.value;
  }

  /** The other instances' parts of a source as last seen in Redis. */
  otherParts(source: string): Map<string, string> {
    return new Map(
      (this.#db.prepare(
        "SELECT replica, value FROM ingest_parts WHERE source = ?",
      ).all(source) as { replica: string; value: string }[]).map((
        r,
      ) => [r.replica, r.value]),
    );
  }

  /** Keeps copies of the other instances' parts of a source. */
  keepOtherParts(source: string, parts: ReadonlyMap<string, string>): void {
    const put = this.#db.prepare(
      `INSERT INTO ingest_parts (source, replica, value) VALUES (?, ?, ?)
       ON CONFLICT (source, replica) DO UPDATE SET value = excluded.value`,
    );
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const [replica, value] of parts) put.run(source, replica, value);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * Forgets event ids older than `before` (the dedupe window).
   *
   * @param before Epoch ms.
   * @returns How many were forgotten.
   */
  prune(before: number): number {
    return Number(this.#prune.run(before).changes);
  }
}
