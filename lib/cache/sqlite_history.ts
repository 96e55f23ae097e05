/**
 * The P&L history for charts, in SQLite: one row of totals per recorded
 * point, raw for a retention window and then thinned to one point a
 * minute, read back downsampled so that a bucket's minimum and maximum
 * survive (spikes are never averaged away).
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** One point of the history. */
export interface HistoryPoint {
  /** When, epoch ms. */
  at: number;
  /** Totals at that time, integer minor units. */
  netMinor: number;
  revenueMinor: number;
  expensesMinor: number;
  tradingMinor: number;
}

/** Options for {@linkcode SqliteHistory}. */
export interface SqliteHistoryOptions {
  /**
   * How long raw points are kept before thinning, ms.
   * @default {604800000} (7 days)
   */
  rawMs?: number;
  /**
   * How long thinned points are kept, ms.
   * @default {7776000000} (90 days)
   */
  keepMs?: number;
}

/** A query's answer. */
export interface HistoryResult {
  /** The points, oldest first. */
  points: HistoryPoint[];
  /** Whether buckets were merged to fit the limit. */
  downsampled: boolean;
}

const COLUMNS = "at, net_minor AS netMinor, revenue_minor AS revenueMinor, " +
  "expenses_minor AS expensesMinor, trading_minor AS tradingMinor";

/** The history table's migration (applied by the store). */
export const HISTORY_MIGRATION = `CREATE TABLE history (
  topic TEXT NOT NULL,
  at INTEGER NOT NULL,
  net_minor INTEGER NOT NULL,
  revenue_minor INTEGER NOT NULL,
  expenses_minor INTEGER NOT NULL,
  trading_minor INTEGER NOT NULL
) STRICT;
CREATE INDEX history_topic_at ON history (topic, at)`;

/**
 * Records and queries points. Created by `SqliteStore` over its database.
 */
export class SqliteHistory {
  #db: DatabaseSync;
  #rawMs: number;
  #keepMs: number;
  #insert: StatementSync;
  #count: StatementSync;
  #range: StatementSync;

  /** Prepares the statements. */
  constructor(db: DatabaseSync, options: SqliteHistoryOptions = {}) {
    const { rawMs = 7 * 86_400_000, keepMs = 90 * 86_400_000 } = options;
    this.#db = db;
    this.#rawMs = rawMs;
    this.#keepMs = keepMs;
    this.#insert = db.prepare(
      "INSERT INTO history (topic, at, net_minor, revenue_minor, expenses_minor, trading_minor) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#count = db.prepare(
      "SELECT COUNT(*) AS n FROM history WHERE topic = ? AND at >= ? AND at <= ?",
    );
    this.#range = db.prepare(
      `SELECT ${COLUMNS} FROM history WHERE topic = ? AND at >= ? AND at <= ? ORDER BY at LIMIT ?`,
    );
  }

  /** Appends a point. */
  record(topic: string, point: HistoryPoint): void {
    this.#insert.run(
      topic,
      point.at,
      point.netMinor,
      point.revenueMinor,
      point.expensesMinor,
      point.tradingMinor,
    );
  }

  /**
   * Points in [from, to], oldest first, at most `limit` of them: when more
   * exist, the range is cut into buckets and each keeps its minimum, its
   * maximum (of net P&L) and its last point.
   */
  query(topic: string, from: number, to: number, limit: number): HistoryResult {
    const { n } = this.#count.get(topic, from, to) as { n: number };
    if (Number(n) <= limit) {
      return {
        points:
          (this.#range.all(topic, from, to, limit) as unknown as HistoryPoint[])
            .map(normalize),
        downsampled: false,
      };
    }
    const buckets = Math.max(1, Math.floor(limit / 3));
    const width = Math.max(1, Math.ceil((to - from + 1) / buckets));
    // SQLite returns the other columns of the row holding a lone MIN() or MAX().
    const pick = (aggregate: string) =>
      this.#db.prepare(
        `SELECT ${COLUMNS}, ${aggregate} FROM history WHERE topic = ? AND at >= ? AND at <= ? GROUP BY CAST((at - ?) / ? AS INTEGER)`,
      ).all(topic, from, to, from, width) as unknown as HistoryPoint[];
    const byAt = new Map<number, HistoryPoint>();
    for (const aggregate of ["MIN(net_minor)", "MAX(net_minor)", "MAX(at)"]) {
      for (const p of pick(aggregate)) byAt.set(Number(p.at), normalize(p));
    }
    const points = [...byAt.values()].sort((a, b) => a.at - b.at).slice(
      0,
      limit,
    );
    return { points, downsampled: true };
  }

  /**
   * Applies retention: points older than the raw window are thinned to the
   * last one of each minute, and points older than the keep window go.
   */
  prune(topic: string, now: number): void {
    const rawCutoff = now - this.#rawMs;
    this.#db.prepare("DELETE FROM history WHERE topic = ? AND at < ?").run(
      topic,
      now - this.#keepMs,
    );
    this.#db.prepare(
      `DELETE FROM history WHERE topic = ? AND at < ? AND rowid NOT IN (
         SELECT MAX(rowid) FROM history WHERE topic = ? AND at < ? GROUP BY at / 60000)`,
    ).run(topic, rawCutoff, topic, rawCutoff);
  }
}

function normalize(p: HistoryPoint): HistoryPoint {
  return {
    at: Number(p.at),
    netMinor: Number(p.netMinor),
    revenueMinor: Number(p.revenueMinor),
    expensesMinor: Number(p.expensesMinor),
    tradingMinor: Number(p.tradingMinor),
  };
}
