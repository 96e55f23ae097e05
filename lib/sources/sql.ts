/**
 * A figure kept in an application's own SQLite database: one read-only
 * `SELECT` that returns a row with an `amount` column and, optionally,
 * an `as_of` column. The query is checked here at start (prepared, its
 * columns read) and run in a worker of its own (`sql_runner.ts`), so a
 * slow or endless one is stopped at the read's deadline and never stalls
 * the server.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { resolve } from "node:path";
import {
  type AmountUnit,
  readAmount,
  readTimestamp,
  type TimestampFormat,
} from "./amount.ts";
import { defineKind } from "./kind.ts";
import type { ReadContext, Reading, Source, SourceNature } from "./source.ts";
import { periodQueries } from "./period_windows.ts";
import { isoTime, type TimeWindow } from "../time/mod.ts";
import { oneOf, SpecError, str } from "../spec/mod.ts";
import { UpstreamDataError } from "./upstream_http.ts";
import { type SqlRow, SqlRunner } from "./sql_runner.ts";

const fields = {
  database: {
    type: str({ words: "a file path" }),
    description:
      "Path of the SQLite database file, relative to this file; opened read-only",
  },
  query: {
    type: str({ maxLength: 10_000, words: "one SELECT statement" }),
    description:
      'One SELECT returning a row with column "amount" (and optionally "as_of"); only the first row is read',
  },
  unit: {
    type: oneOf(["minor", "major"] as const),
    description:
      'The amount\'s unit: "minor" (integer cents) or "major" (a decimal)',
  },
  timestampFormat: {
    type: oneOf(["iso", "unix-s", "unix-ms"] as const),
    default: "iso" as TimestampFormat,
    description:
      'The format of the "as_of" column, when the query returns one, and of the :from and :to bounds',
  },
  nature: {
    type: oneOf(["flow", "stock"] as const),
    optional: true,
    description:
      "A flow (money that moved; give the query :from and :to, bound to each reporting period's start and end, to split it by period) or a stock (a balance at an instant); a flow by default",
  },
};

/** A query with string literals, quoted names and comments blanked out. */
function blanked(query: string): string {
  return query
    .replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]/g, "''")
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ");
}

/** Whether a query names a parameter, outside literals and comments. */
function names(query: string, param: string): boolean {
  return new RegExp(`:${param}\\b`).test(blanked(query));
}

/**
 * Checks that `query` is a single statement that reads: it must start
 * with SELECT (or WITH ... SELECT) and hold no second statement.
 *
 * @param query The SQL.
 * @returns An error message, or `undefined` when acceptable.
 */
export function checkSelect(query: string): string | undefined {
  // Literals, quoted names and comments say nothing about the statement.
  const bare = blanked(query).trim().replace(/;\s*$/, "");
  if (bare.includes(";")) {
    return "holds more than one statement; give exactly one SELECT";
  }
  if (!/^(select|with)\b/i.test(bare)) {
    return "is not a SELECT; only a read-only SELECT (or WITH ... SELECT) is accepted";
  }
  if (
    /^with\b/i.test(bare) && /\b(insert|update|delete|replace)\b/i.test(bare)
  ) {
    return "writes; only a read-only SELECT is accepted";
  }
  return undefined;
}

/**
 * Says when a query may run without end, where its text shows it: a
 * recursive CTE with no LIMIT anywhere. SQLite cannot interrupt a query
 * from outside, so such a query that never ends keeps its worker busy
 * and the source failing (see sql_runner.ts); a LIMIT bounds it.
 *
 * @param query The SQL.
 * @returns A warning, or `undefined` when nothing shows.
 *
 * @example A recursive query with no LIMIT
 * ```ts
 * import assert from "node:assert/strict";
 * import { unboundedQueryWarning } from "@/lib/sources/sql.ts";
 * const endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) AS amount FROM n";
 * assert.match(unboundedQueryWarning(endless) ?? "", /no LIMIT/);
 * assert.equal(unboundedQueryWarning(endless.replace("FROM n)", "FROM n LIMIT 1000)")), undefined);
 * ```
 */
export function unboundedQueryWarning(query: string): string | undefined {
  const bare = blanked(query);
  if (!/\bwith\s+recursive\b/i.test(bare) || /\blimit\b/i.test(bare)) {
    return undefined;
  }
  return "is recursive with no LIMIT: if its recursion never ends, each read runs to its deadline and the source fails until the query finishes (SQLite cannot stop it); add a LIMIT to the recursive part";
}

/** The `sql` source kind. */
export const sqlKind = defineKind({
  kind: "sql",
  description: "A SELECT against a SQLite database file, opened read-only",
  fields,
  defaultIntervalMs: 10_000,
  create(common, settings, deps): Promise<Source> {
    const path = `${common.path}.query`;
    const problem = checkSelect(settings.query);
    if (problem) {
      throw new SpecError(path, `${path}: the query ${problem}`);
    }
    const bounds = [names(settings.query, "from"), names(settings.query, "to")];
    if (bounds[0] !== bounds[1]) {
      throw new SpecError(
        path,
        `${path}: the query names ${bounds[0] ? ":from" : ":to"} but not ${
          bounds[0] ? ":to" : ":from"
        }; a flow split by period needs both (such as "WHERE at >= :from AND at < :to")`,
      );
    }
    const bounded = bounds[0] === true;
    if (bounded && settings.nature === "stock") {
      throw new SpecError(
        `${common.path}.nature`,
        `${common.path}.nature: a stock is a balance at an instant and takes no :from or :to; remove them, or make it a flow`,
      );
    }
    const file = resolve(deps.baseDir, settings.database);
    let db: DatabaseSync;
    let statement: StatementSync;
    try {
      db = new DatabaseSync(file, { readOnly: true });
    } catch (cause) {
      throw new SpecError(
        `${common.path}.database`,
        `${common.path}.database: cannot open ${file} read-only: ${
          (cause as Error).message
        }`,
      );
    }
    try {
      statement = db.prepare(settings.query);
    } catch (cause) {
      db.close();
      throw new SpecError(
        path,
        `${path}: SQLite refused the query: ${(cause as Error).message}`,
      );
    }
    const columns = statement.columns().map((c) => c.name);
    // Checked; the reads run in the source's worker.
    db.close();
    if (!columns.includes("amount")) {
      throw new SpecError(
        path,
        `${path}: the query returns the columns ${
          columns.join(", ") || "(none)"
        }; it must return one named "amount" (use "AS amount")`,
      );
    }
    return Promise.resolve(
      new SqlSource({
        id: common.id,
        role: common.role,
        currency: common.currency,
        runner: new SqlRunner(file, settings.query, {
          now: () => deps.clock.now(),
        }),
        file,
        unit: settings.unit,
        timestampFormat: settings.timestampFormat,
        clock: deps.clock,
        nature: settings.nature ?? "flow",
        bounded,
      }),
    );
  },
});

/** Options for {@linkcode SqlSource}. */
export interface SqlSourceOptions {
  /** Source id. */
  id: string;
  /** How the amount enters the P&L. */
  role: Reading["role"];
  /** The amount's currency. */
  currency: string;
  /** Runs the SELECT off the main thread. */
  runner: SqlRunner;
  /** The file, for messages. */
  file: string;
  /** The amount's unit. */
  unit: AmountUnit;
  /** The `as_of` column's format. */
  timestampFormat: TimestampFormat;
  /** Time source. */
  clock: { now(): number };
  /** A flow (the default) or a stock. */
  nature?: SourceNature;
  /** Whether the query takes :from and :to (run once per period span). */
  bounded?: boolean;
}

/**
 * Reads one figure with a prepared SELECT: once per read, or, for a flow
 * whose query takes :from and :to, once per distinct period span.
 */
export class SqlSource implements Source, Disposable {
  readonly kind = "sql";
  readonly id: string;
  readonly role: Reading["role"];
  readonly nature: SourceNature;
  #o: SqlSourceOptions;

  /** Creates the source over an open database. */
  constructor(options: SqlSourceOptions) {
    this.id = options.id;
    this.role = options.role;
    this.nature = options.nature ?? "flow";
    this.#o = options;
  }

  /**
   * Runs the query in the source's worker; `signal` (the read's deadline)
   * stops it wherever it is.
   */
  async read(signal?: AbortSignal, context?: ReadContext): Promise<Reading> {
    const o = this.#o;
    if (!o.bounded) {
      const { amountMinor, asOf } = await this.#run(undefined, signal);
      return this.#reading(amountMinor, asOf);
    }
    if (!context) {
      // No calendar: everything up to now.
      const { amountMinor, asOf } = await this.#run(
        { from: 0, to: o.clock.now() },
        signal,
      );
      return this.#reading(amountMinor, asOf);
    }
    const plan = periodQueries(context.periods);
    const amounts: number[] = [];
    // One at a time: the worker runs one query at once anyway.
    for (const w of plan.windows) {
      amounts.push((await this.#run(w, signal)).amountMinor);
    }
    const periods = plan.assemble(amounts);
    const at = isoTime(context.periods.today.at);
    return {
      ...this.#reading(periods.today.amountMinor, at),
      periods,
      periodsAt: at,
    };
  }

  #reading(amountMinor: number, asOf: string): Reading {
    return {
      source: this.id,
      role: this.role,
      nature: this.nature,
      amountMinor,
      currency: this.#o.currency,
      asOf,
    };
  }

  /** Runs the query, with :from and :to bound to a span when given. */
  async #run(
    span: TimeWindow | undefined,
    signal?: AbortSignal,
  ): Promise<{ amountMinor: number; asOf: string }> {
    const o = this.#o;
    const where = `query on ${o.file}`;
    const row: SqlRow | undefined = await o.runner.run(
      span
        ? { from: this.#bound(span.from), to: this.#bound(span.to) }
        : undefined,
      signal,
    );
    if (!row) throw new UpstreamDataError(`${where} returned no row`);
    // SUM over no rows is NULL: nothing moved in that span.
    const amount = row.amount === null && span
      ? 0
      : typeof row.amount === "bigint"
      ? String(row.amount)
      : row.amount;
    return {
      amountMinor: readAmount(
        amount,
        o.unit,
        o.currency,
        `${where}, column "amount"`,
      ),
      asOf: row.as_of === undefined || row.as_of === null
        ? new Date(o.clock.now()).toISOString()
        : readTimestamp(
          typeof row.as_of === "bigint" ? Number(row.as_of) : row.as_of,
          o.timestampFormat,
          `${where}, column "as_of"`,
        ),
    };
  }

  /** A bound in the database's own time format. */
  #bound(ms: number): string | number {
    switch (this.#o.timestampFormat) {
      case "unix-s":
        return Math.floor(ms / 1000);
      case "unix-ms":
        return ms;
      default:
        // "2026-12-01T00:00:00Z" for a boundary, as such columns are often
        // written; with milliseconds only when it has them.
        return isoTime(ms).replace(".000Z", "Z");
    }
  }

  /** Ends the worker (and with it the database connection). */
  [Symbol.dispose](): void {
    this.#o.runner[Symbol.dispose]();
  }
}
