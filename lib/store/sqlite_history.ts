/**
 * The P&L history for charts, in SQLite: one row of totals per recorded
 * point, raw for a retention window and then thinned to one point a
 * minute, read back downsampled so that a bucket's minimum and maximum
 * survive (spikes are never averaged away).
 *
 * Every point also updates per-minute and per-hour rollups (each bucket's
 * minimum, maximum and last point) as it is written, so a long range is
 * answered from at most a few thousand rollup rows instead of a scan of
 * every point: a 90-day query costs milliseconds, and the synchronous
 * SQLite call never stalls the event loop that carries the stream.
 * Over 350 lines because writing, rolling up, reading at three grains and
 * thinning share one set of prepared statements and one schema; the
 * rollups would be the seam to split along.
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
  /**
   * Only reads (a second connection, such as the history reader's):
   * nothing is written, not even the rollups' backfill.
   * @default {false}
   */
  readOnly?: boolean;
}

/** A query's answer. */
export interface HistoryResult {
  /** The points, oldest first. */
  points: HistoryPoint[];
  /** Whether buckets were merged to fit the limit. */
  downsampled: boolean;
  /**
   * The last point before the range, when asked for: the value the range
   * starts with (a series written only on change may have no point inside
   * a quiet range at all).
   */
  previous?: HistoryPoint;
}

/** Options for {@linkcode SqliteHistory.query}. */
export interface HistoryQueryOptions {
  /**
   * Also return the last point before `from`.
   * @default {false}
   */
  previous?: boolean;
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

/** The rollup table's migration (applied by the store, then backfilled). */
export const ROLLUP_MIGRATION = `CREATE TABLE history_rollup (
  topic TEXT NOT NULL,
  level INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  min_at INTEGER NOT NULL, min_net INTEGER NOT NULL, min_revenue INTEGER NOT NULL,
  min_expenses INTEGER NOT NULL, min_trading INTEGER NOT NULL,
  max_at INTEGER NOT NULL, max_net INTEGER NOT NULL, max_revenue INTEGER NOT NULL,
  max_expenses INTEGER NOT NULL, max_trading INTEGER NOT NULL,
  last_at INTEGER NOT NULL, last_net INTEGER NOT NULL, last_revenue INTEGER NOT NULL,
  last_expenses INTEGER NOT NULL, last_trading INTEGER NOT NULL,
  PRIMARY KEY (topic, level, bucket)
) STRICT, WITHOUT ROWID`;

/** Rollup widths, ms: a minute and an hour. */
const LEVELS = [60_000, 3_600_000] as const;
/** Most rows one query reads from any table (raw points or rollups). */
const MAX_ROWS_READ = 20_000;

const ROLLUP_UPSERT = `INSERT INTO history_rollup VALUES
  (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (topic, level, bucket) DO UPDATE SET
  min_at = CASE WHEN excluded.min_net < min_net THEN excluded.min_at ELSE min_at END,
  min_revenue = CASE WHEN excluded.min_net < min_net THEN excluded.min_revenue ELSE min_revenue END,
  min_expenses = CASE WHEN excluded.min_net < min_net THEN excluded.min_expenses ELSE min_expenses END,
  min_trading = CASE WHEN excluded.min_net < min_net THEN excluded.min_trading ELSE min_trading END,
  min_net = MIN(min_net, excluded.min_net),
  max_at = CASE WHEN excluded.max_net > max_net THEN excluded.max_at ELSE max_at END,
  max_revenue = CASE WHEN excluded.max_net > max_net THEN excluded.max_revenue ELSE max_revenue END,
  max_expenses = CASE WHEN excluded.max_net > max_net THEN excluded.max_expenses ELSE max_expenses END,
  max_trading = CASE WHEN excluded.max_net > max_net THEN excluded.max_trading ELSE max_trading END,
  max_net = MAX(max_net, excluded.max_net),
  last_revenue = CASE WHEN excluded.last_at >= last_at THEN excluded.last_revenue ELSE last_revenue END,
  last_expenses = CASE WHEN excluded.last_at >= last_at THEN excluded.last_expenses ELSE last_expenses END,
  last_trading = CASE WHEN excluded.last_at >= last_at THEN excluded.last_trading ELSE last_trading END,
  last_net = CASE WHEN excluded.last_at >= last_at THEN excluded.last_net ELSE last_net END,
  last_at = MAX(last_at, excluded.last_at)`;

const ROLLUP_COLUMNS = ["min", "max", "last"].map((k) =>
  `${k}_at AS ${k}At, ${k}_net AS ${k}Net, ${k}_revenue AS ${k}Revenue, ` +
  `${k}_expenses AS ${k}Expenses, ${k}_trading AS ${k}Trading`
).join(", ");

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
  #upsert: StatementSync;
  #rollups: StatementSync;
  #before: StatementSync;

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
      "SELECT COUNT(*) AS n FROM (SELECT 1 FROM history WHERE topic = ? AND at >= ? AND at <= ? LIMIT ?)",
    );
    this.#range = db.prepare(
      `SELECT ${COLUMNS} FROM history WHERE topic = ? AND at >= ? AND at <= ? ORDER BY at LIMIT ?`,
    );
    this.#upsert = db.prepare(ROLLUP_UPSERT);
    this.#before = db.prepare(
      `SELECT ${COLUMNS} FROM history WHERE topic = ? AND at < ? ORDER BY at DESC LIMIT 1`,
    );
    this.#rollups = db.prepare(
      `SELECT ${ROLLUP_COLUMNS} FROM history_rollup WHERE topic = ? AND level = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket`,
    );
    if (!options.readOnly) this.#backfill();
  }

  /** Appends a point and folds it into its minute and hour. */
  record(topic: string, point: HistoryPoint): void {
    this.#insert.run(
      topic,
      point.at,
      point.netMinor,
      point.revenueMinor,
      point.expensesMinor,
      point.tradingMinor,
    );
    this.#rollUp(topic, point);
  }

  #rollUp(topic: string, p: HistoryPoint): void {
    const values = [
      p.at,
      p.netMinor,
      p.revenueMinor,
      p.expensesMinor,
      p.tradingMinor,
    ];
    for (const level of LEVELS) {
      const bucket = Math.floor(p.at / level) * level;
      this.#upsert.run(topic, level, bucket, ...values, ...values, ...values);
    }
  }

  /**
   * Builds the rollups of a database written before they existed, once:
   * one pass over the points in order, in one transaction.
   */
  #backfill(): void {
    const has = this.#db.prepare("SELECT 1 FROM history_rollup LIMIT 1").get();
    const any = this.#db.prepare("SELECT 1 FROM history LIMIT 1").get();
    if (has || !any) return;
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const all = this.#db.prepare(
        `SELECT topic, ${COLUMNS} FROM history ORDER BY topic, at`,
      );
      for (const row of all.iterate()) {
        const r = row as unknown as HistoryPoint & { topic: string };
        this.#rollUp(r.topic, normalize(r));
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * Points in [from, to], oldest first, at most `limit` of them: when more
   * exist, the range is cut into buckets and each keeps its minimum, its
   * maximum (of net P&L) and its last point.
   */
  query(
    topic: string,
    from: number,
    to: number,
    limit: number,
    options: HistoryQueryOptions = {},
  ): HistoryResult {
    const result = this.#query(topic, from, to, limit);
    if (!options.previous) return result;
    const before = this.#before.get(topic, from) as HistoryPoint | undefined;
    return before ? { ...result, previous: normalize(before) } : result;
  }

  #query(
    topic: string,
    from: number,
    to: number,
    limit: number,
  ): HistoryResult {
    // Counting stops past the limit: a count over a long range would be
    // the very scan the rollups avoid.
    const { n } = this.#count.get(topic, from, to, limit + 1) as { n: number };
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
    const span = to - from + 1;
    // The finest source that answers within the read budget: raw points
    // (at most one a second) for short ranges, else minutes, else hours.
    const level = width < LEVELS[0] && span / 1000 <= MAX_ROWS_READ
      ? undefined
      : LEVELS.find((l) => span / l <= MAX_ROWS_READ) ?? LEVELS[1];
    const candidates = level === undefined
      ? this.#rawCandidates(topic, from, to, width)
      : this.#rollupCandidates(topic, level, from, to);
    // Each bucket keeps its minimum and maximum net P&L and its last point.
    const kept = new Map<
      number,
      { min: HistoryPoint; max: HistoryPoint; last: HistoryPoint }
    >();
    for (const p of candidates) {
      if (p.at < from || p.at > to) continue;
      const b = Math.floor((p.at - from) / width);
      const k = kept.get(b);
      if (!k) {
        kept.set(b, { min: p, max: p, last: p });
        continue;
      }
      if (p.netMinor < k.min.netMinor) k.min = p;
      if (p.netMinor > k.max.netMinor) k.max = p;
      if (p.at >= k.last.at) k.last = p;
    }
    const byAt = new Map<number, HistoryPoint>();
    for (const { min, max, last } of kept.values()) {
      for (const p of [min, max, last]) byAt.set(p.at, p);
    }
    const points = [...byAt.values()].sort((a, b) => a.at - b.at).slice(
      0,
      limit,
    );
    return { points, downsampled: true };
  }

  /** Each raw bucket's minimum, maximum and last point (short ranges). */
  #rawCandidates(
    topic: string,
    from: number,
    to: number,
    width: number,
  ): HistoryPoint[] {
    // SQLite returns the other columns of the row holding a lone MIN() or MAX().
    const pick = (aggregate: string) =>
      this.#db.prepare(
        `SELECT ${COLUMNS}, ${aggregate} FROM history WHERE topic = ? AND at >= ? AND at <= ? GROUP BY CAST((at - ?) / ? AS INTEGER)`,
      ).all(topic, from, to, from, width) as unknown as HistoryPoint[];
    return ["MIN(net_minor)", "MAX(net_minor)", "MAX(at)"].flatMap((a) =>
      pick(a).map(normalize)
    );
  }

  /** The rollups' minimum, maximum and last points over the range. */
  #rollupCandidates(
    topic: string,
    level: number,
    from: number,
    to: number,
  ): HistoryPoint[] {
    const rows = this.#rollups.all(
      topic,
      level,
      Math.floor(from / level) * level,
      to,
    ) as Record<string, number | bigint>[];
    const out: HistoryPoint[] = [];
    for (const r of rows) {
      for (const k of ["min", "max", "last"]) {
        out.push({
          at: Number(r[`${k}At`]),
          netMinor: Number(r[`${k}Net`]),
          revenueMinor: Number(r[`${k}Revenue`]),
          expensesMinor: Number(r[`${k}Expenses`]),
          tradingMinor: Number(r[`${k}Trading`]),
        });
      }
    }
    return out;
  }

  /**
   * Applies retention: points older than the keep window go, and points
   * that left the raw window since `thinFrom` are thinned to the last one
   * of each minute. Thinning only that slice keeps each run's cost to the
   * points of one interval (a few milliseconds), never a pass over the
   * months already thinned, which would stall the event loop.
   *
   * @param topic The topic.
   * @param now The time now, epoch ms.
   * @param thinFrom Where the slice to thin starts (default: a day before
   *   the raw window's edge, enough for hourly runs and short downtimes).
   */
  prune(topic: string, now: number, thinFrom?: number): void {
    const rawCutoff = now - this.#rawMs;
    const from = Math.min(thinFrom ?? rawCutoff - 86_400_000, rawCutoff);
    this.#db.prepare("DELETE FROM history WHERE topic = ? AND at < ?").run(
      topic,
      now - this.#keepMs,
    );
    this.#db.prepare(
      "DELETE FROM history_rollup WHERE topic = ? AND bucket < ?",
    ).run(topic, now - this.#keepMs - LEVELS[1]);
    this.#db.prepare(
      `DELETE FROM history WHERE topic = ? AND at >= ? AND at < ? AND rowid NOT IN (
         SELECT MAX(rowid) FROM history WHERE topic = ? AND at >= ? AND at < ? GROUP BY at / 60000)`,
    ).run(topic, from, rawCutoff, topic, from, rawCutoff);
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
