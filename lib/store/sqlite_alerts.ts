/**
 * Alerting's durable part in SQLite: each rule's track and the outbox of
 * notifications, a transition and its notifications written in one
 * transaction. An item is inserted once by its idempotency key, so a
 * transition replayed after a crash enqueues nothing new.
 *
 * @module
 */
import type { OutboxItem, Settlement } from "../alerts/mod.ts";
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The alert tables' migration (applied by the store). */
export const ALERTS_MIGRATION = `CREATE TABLE alert_tracks (
     rule TEXT PRIMARY KEY,
     track TEXT NOT NULL
   ) STRICT;
   CREATE TABLE alert_outbox (
     key TEXT PRIMARY KEY,
     channel TEXT NOT NULL,
     rule TEXT NOT NULL,
     body TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL,
     next_at INTEGER NOT NULL,
     delivered_at INTEGER,
     failed_at INTEGER,
     last_error TEXT
   ) STRICT;
   CREATE INDEX alert_outbox_due ON alert_outbox (next_at)
     WHERE delivered_at IS NULL AND failed_at IS NULL`;

type Row = {
  key: string;
  channel: string;
  rule: string;
  body: string;
  created_at: number | bigint;
  attempts: number | bigint;
  next_at: number | bigint;
  delivered_at: number | bigint | null;
  failed_at: number | bigint | null;
  last_error: string | null;
};

function item(r: Row): OutboxItem {
  return {
    key: r.key,
    channel: r.channel,
    rule: r.rule,
    body: r.body,
    createdAt: Number(r.created_at),
    attempts: Number(r.attempts),
    nextAt: Number(r.next_at),
    ...(r.delivered_at !== null ? { deliveredAt: Number(r.delivered_at) } : {}),
    ...(r.failed_at !== null ? { failedAt: Number(r.failed_at) } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  };
}

/** Settled items kept for the history shown, days. */
const KEEP_MS = 7 * 86_400_000;

/**
 * The SQLite alert store. Created by `SqliteStore` over its database.
 *
 * @example A transition and its notification, together
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStore } from "@/lib/store/mod.ts";
 * using store = SqliteStore.open(":memory:");
 * const note = { key: "r:1:firing>ops", channel: "ops", rule: "r", body: "{}", createdAt: 0, attempts: 0, nextAt: 0 };
 * store.alerts.commit("r", { phase: "firing" }, [note]);
 * store.alerts.commit("r", { phase: "firing" }, [note]);
 * assert.equal(store.alerts.due(1, 10).length, 1);
 * ```
 */
export class SqliteAlerts {
  #db: DatabaseSync;
  #tracks: StatementSync;
  #saveTrack: StatementSync;
  #enqueue: StatementSync;
  #due: StatementSync;
  #recent: StatementSync;
  #delivered: StatementSync;
  #failed: StatementSync;
  #retry: StatementSync;
  #prune: StatementSync;

  /** Prepares the statements. */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#tracks = db.prepare("SELECT rule, track FROM alert_tracks");
    this.#saveTrack = db.prepare(
      `INSERT INTO alert_tracks (rule, track) VALUES (?, ?)
       ON CONFLICT (rule) DO UPDATE SET track = excluded.track`,
    );
    this.#enqueue = db.prepare(
      `INSERT INTO alert_outbox (key, channel, rule, body, created_at, attempts, next_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    );
    this.#due = db.prepare(
      `SELECT * FROM alert_outbox
       WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= ?
       ORDER BY next_at, created_at LIMIT ?`,
    );
    this.#recent = db.prepare(
      "SELECT * FROM alert_outbox ORDER BY created_at DESC, key DESC LIMIT ?",
    );
    this.#delivered = db.prepare(
      "UPDATE alert_outbox SET delivered_at = ?, attempts = ? WHERE key = ?",
    );
    this.#failed = db.prepare(
      "UPDATE alert_outbox SET failed_at = ?, attempts = ?, last_error = ? WHERE key = ?",
    );
    this.#retry = db.prepare(
      "UPDATE alert_outbox SET next_at = ?, attempts = ?, last_error = ? WHERE key = ?",
    );
    this.#prune = db.prepare(
      `DELETE FROM alert_outbox
       WHERE (delivered_at IS NOT NULL AND delivered_at < ?)
          OR (failed_at IS NOT NULL AND failed_at < ?)`,
    );
  }

  /** Every saved track, by rule id. */
  tracks(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const row of this.#tracks.all() as { rule: string; track: string }[]) {
      out[row.rule] = JSON.parse(row.track);
    }
    return out;
  }

  /** Saves a track and enqueues its notifications in one transaction. */
  commit(rule: string, track: unknown, items: readonly OutboxItem[]): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      this.#saveTrack.run(rule, JSON.stringify(track));
      for (const i of items) {
        this.#enqueue.run(
          i.key,
          i.channel,
          i.rule,
          i.body,
          i.createdAt,
          i.attempts,
          i.nextAt,
        );
      }
      if (items.length > 0) {
        const before = items[0]!.createdAt - KEEP_MS;
        this.#prune.run(before, before);
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Items due and not settled, oldest first. */
  due(now: number, limit: number): OutboxItem[] {
    return (this.#due.all(now, limit) as Row[]).map(item);
  }

  /** Records an attempt's outcome. */
  settle(item: { key: string }, outcome: Settlement): void {
    const { key } = item;
    if ("deliveredAt" in outcome) {
      this.#delivered.run(outcome.deliveredAt, outcome.attempts, key);
    } else if ("failedAt" in outcome) {
      this.#failed.run(outcome.failedAt, outcome.attempts, outcome.error, key);
    } else {
      this.#retry.run(outcome.nextAt, outcome.attempts, outcome.error, key);
    }
  }

  /** The latest items, newest first. */
  recent(limit: number): OutboxItem[] {
    return (this.#recent.all(limit) as Row[]).map(item);
  }
}
