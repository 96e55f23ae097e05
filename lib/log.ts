/**
 * Structured logs: one JSON line per event, with a level. The line writer is
 * injected (main.ts passes the console), so `lib/` never prints by itself.
 *
 * @module
 */

/** Severity of a log event. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Fields attached to a log event. */
export type LogFields = Record<string, unknown>;

/** Writes structured events. */
export interface Logger {
  /** Logs at `debug`. */
  debug(msg: string, fields?: LogFields): void;
  /** Logs at `info`. */
  info(msg: string, fields?: LogFields): void;
  /** Logs at `warn`. */
  warn(msg: string, fields?: LogFields): void;
  /** Logs at `error`. */
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Receives each formatted line. */
  write: (line: string, level: LogLevel) => void;
  /** Milliseconds since the epoch, for the `ts` field. */
  now: () => number;
  /**
   * Lowest level written.
   * @default {"info"}
   */
  level?: LogLevel;
}

/**
 * Creates a JSON-lines logger. Errors in fields are logged by name and
 * message only (no stacks with paths for clients to see).
 *
 * @param options Where lines go and the lowest level.
 * @returns The logger.
 *
 * @example Log an event
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "@/lib/log.ts";
 * const lines: string[] = [];
 * const log = createLogger({ write: (l) => lines.push(l), now: () => 0 });
 * log.info("listening", { url: "http://127.0.0.1:8000/" });
 * assert.equal(JSON.parse(lines[0] ?? "").msg, "listening");
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  const { write, now, level = "info" } = options;
  const min = RANK[level];
  const emit = (lvl: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[lvl] < min) return;
    const record: Record<string, unknown> = {
      ts: new Date(now()).toISOString(),
      level: lvl,
      msg,
    };
    for (const [key, value] of Object.entries(fields)) {
      record[key] = value instanceof Error
        ? { name: value.name, message: value.message }
        : value;
    }
    write(JSON.stringify(record), lvl);
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
  };
}

/**
 * A warning that is logged when its reason changes, not at every retry
 * (a refused publish is offered again every half second).
 *
 * @param log Where it goes.
 * @param msg The message.
 * @returns A function taking the reason and the other fields.
 *
 * @example Only changes are logged
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger, warnOnChange } from "@/lib/log.ts";
 * const lines: string[] = [];
 * const warn = warnOnChange(createLogger({ now: () => 0, write: (l) => lines.push(l) }), "refused");
 * warn("down"); warn("down"); warn("fenced");
 * assert.equal(lines.length, 2);
 * ```
 */
export function warnOnChange(
  log: Logger,
  msg: string,
): (reason: string, fields?: LogFields) => void {
  let last: string | undefined;
  return function warnIfNew(reason, fields = {}) {
    if (reason !== last) log.warn(msg, { ...fields, reason });
    last = reason;
  };
}
