/**
 * A figure kept in an application's own SQLite database: one read-only
 * `SELECT` that returns a row with an `amount` column and, optionally,
 * an `as_of` column.
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
import type { Reading, Source } from "./source.ts";
import { oneOf, SpecError, str } from "./spec.ts";
import { UpstreamDataError } from "./upstream_http.ts";

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
    description: 'The format of the "as_of" column, when the query returns one',
  },
};

/**
 * Checks that `query` is a single statement that reads: it must start
 * with SELECT (or WITH ... SELECT) and hold no second statement.
 *
 * @param query The SQL.
 * @returns An error message, or `undefined` when acceptable.
 */
export function checkSelect(query: string): string | undefined {
  // Blank out string literals, quoted names and comments before looking.
  const bare = query
    .replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]/g, "''")
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ")
    .trim()
    .replace(/;\s*$/, "");
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
    if (!columns.includes("amount")) {
      db.close();
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
        db,
        statement,
        file,
        unit: settings.unit,
        timestampFormat: settings.timestampFormat,
        clock: deps.clock,
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
  /** The open, read-only database. */
  db: DatabaseSync;
  /** The prepared SELECT. */
  statement: StatementSync;
  /** The file, for messages. */
  file: string;
  /** The amount's unit. */
  unit: AmountUnit;
  /** The `as_of` column's format. */
  timestampFormat: TimestampFormat;
  /** Time source. */
  clock: { now(): number };
}

/** Reads one figure with a prepared SELECT. */
export class SqlSource implements Source, Disposable {
  readonly kind = "sql";
  readonly id: string;
  readonly role: Reading["role"];
  #o: SqlSourceOptions;

  /** Creates the source over an open database. */
  constructor(options: SqlSourceOptions) {
    this.id = options.id;
    this.role = options.role;
    this.#o = options;
  }

  /** Runs the query (synchronously: SQLite reads are local and short). */
  read(): Promise<Reading> {
    const o = this.#o;
    const where = `query on ${o.file}`;
    let row: Record<string, unknown> | undefined;
    try {
      row = o.statement.get() as Record<string, unknown> | undefined;
    } catch (cause) {
      return Promise.reject(
        new UpstreamDataError(`${where} failed: ${(cause as Error).message}`),
      );
    }
    try {
      if (!row) throw new UpstreamDataError(`${where} returned no row`);
      const amount = typeof row.amount === "bigint"
        ? String(row.amount)
        : row.amount;
      return Promise.resolve({
        source: this.id,
        role: this.role,
        amountMinor: readAmount(
          amount,
          o.unit,
          o.currency,
          `${where}, column "amount"`,
        ),
        currency: o.currency,
        asOf: row.as_of === undefined || row.as_of === null
          ? new Date(o.clock.now()).toISOString()
          : readTimestamp(
            typeof row.as_of === "bigint" ? Number(row.as_of) : row.as_of,
            o.timestampFormat,
            `${where}, column "as_of"`,
          ),
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Closes the database. */
  [Symbol.dispose](): void {
    if (this.#o.db.isOpen) this.#o.db.close();
  }
}
