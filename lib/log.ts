/**
 * Structured logs: one JSON line per event (or one readable line on a
 * terminal), with a level; errors carry their cause chain ("fetch failed"
 * says "connection refused" beneath it). The line writer is injected
 * (main.ts passes the console), so `lib/` never prints by itself.
 *
 * @module
 */

/** Severity of a log event. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** How lines look: JSON for machines, or one readable line for people. */
export type LogFormat = "json" | "pretty";

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

/** The process's logger, from which each area's is made. */
export interface RootLogger extends Logger {
  /**
   * The logger of one area of the server (`sources`, `alerts`, ...): its
   * lines carry `area`, and are filtered by that area's level when one
   * is set.
   */
  child(area: string): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * The longest text a field (or an error's message) keeps in a line: an
 * upstream's 200 MB error page or a hostile value must not become a
 * 200 MB log line.
 */
export const MAX_FIELD_CHARS = 2_000;

/** `text` cut to {@linkcode MAX_FIELD_CHARS}, saying how much was left out. */
function cut(text: string): string {
  return text.length <= MAX_FIELD_CHARS
    ? text
    : `${text.slice(0, MAX_FIELD_CHARS)}… (${
      text.length - MAX_FIELD_CHARS
    } more characters)`;
}

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
  /**
   * How lines look.
   * @default {"json"}
   */
  format?: LogFormat;
  /**
   * Lowest level per area, over `level` (`{ alerts: "debug" }`).
   * @default {{}}
   */
  areas?: Readonly<Record<string, LogLevel>>;
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
export function createLogger(options: LoggerOptions): RootLogger {
  const { write, now, level = "info", format = "json", areas = {} } = options;
  const emitter = (area?: string) => {
    const min = RANK[(area && areas[area]) || level];
    return (lvl: LogLevel, msg: string, fields: LogFields = {}) => {
      if (RANK[lvl] < min) return;
      const record: Record<string, unknown> = {
        ts: new Date(now()).toISOString(),
        level: lvl,
        msg: cut(msg),
        ...(area ? { area } : {}),
      };
      for (const [key, value] of Object.entries(fields)) {
        record[key] = value instanceof Error
          ? errorRecord(value)
          : typeof value === "string"
          ? cut(value)
          : value;
      }
      write(
        format === "pretty" ? pretty(record) : JSON.stringify(record),
        lvl,
      );
    };
  };
  const logger = (area?: string): Logger => {
    const emit = emitter(area);
    return {
      debug: (msg, fields) => emit("debug", msg, fields),
      info: (msg, fields) => emit("info", msg, fields),
      warn: (msg, fields) => emit("warn", msg, fields),
      error: (msg, fields) => emit("error", msg, fields),
    };
  };
  return { ...logger(), child: (area) => logger(area) };
}

/** An error as a log field: name, message and its causes, no stack. */
function errorRecord(error: Error, depth = 0): Record<string, unknown> {
  const cause = (error as { cause?: unknown }).cause;
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: cut(error.message),
    ...(typeof code === "string" ? { code } : {}),
    ...(cause instanceof Error && depth < 5
      ? { cause: errorRecord(cause, depth + 1) }
      : cause !== undefined && depth < 5
      ? { cause: cut(String(cause)) }
      : {}),
  };
}

/** `14:03:12.345 WARN  circuit breaker source=stripe state=open` */
function pretty(record: Record<string, unknown>): string {
  const { ts, level, msg, ...fields } = record;
  const parts = [
    String(ts).slice(11, 23),
    String(level).toUpperCase().padEnd(5),
    String(msg),
  ];
  for (const [key, value] of Object.entries(fields)) {
    parts.push(`${key}=${flat(value)}`);
  }
  return parts.join(" ");
}

/** A field's value on one line: errors as "message <- cause <- ...". */
function flat(value: unknown): string {
  if (typeof value === "string") {
    return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  }
  const v = value as { message?: unknown; cause?: unknown } | null;
  if (v && typeof v === "object" && typeof v.message === "string") {
    const chain: string[] = [];
    for (
      let e: typeof v | undefined = v;
      e && typeof e === "object";
      e = e.cause as typeof v | undefined
    ) {
      if (typeof e.message === "string") chain.push(e.message);
      else if (typeof e === "string") chain.push(e);
    }
    return JSON.stringify(chain.join(" <- "));
  }
  return JSON.stringify(value) ?? String(value);
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
