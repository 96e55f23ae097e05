/**
 * `GET /api/history?topic=pnl&from=T&to=T&limit=N[&period=P|&source=ID]`:
 * the P&L totals over time (oldest first) for charts (today's, or a
 * longer period's, from its start by default), or one source's amount for
 * its sparkline. With a period or a source, and every flow keeping a
 * ledger, drawn from the ledgers (`lib/aggregate`'s ledgerHistory) from
 * the period's start, however long this server has run; otherwise from
 * `lib/cache`'s SqliteHistory, downsampled so each bucket keeps its
 * minimum, maximum and last point. `previous` is the last point before the
 * range: the value the range starts with.
 */
import type { Context } from "hono";
import {
  isPnlState,
  parseTopic,
  type PnlState,
  ProtocolError,
  StateCalendar,
} from "@/lib/protocol/mod.ts";
import { periodHistoryKey, sourceHistoryKey } from "@/lib/aggregate/mod.ts";
import type { HistoryPoint } from "@/lib/store/mod.ts";
import {
  isoTime,
  normalizeTimestamp,
  PERIOD_NAMES,
  type PeriodName,
  TimestampError,
} from "@/lib/time/mod.ts";
import { HttpError } from "@/lib/http/mod.ts";
import type { KeyedRateLimiter } from "@/lib/resilience/mod.ts";
import type { AppDeps } from "../deps.ts";
import { clientIp } from "../limits.ts";
import { parseLimit } from "./pnl_query.ts";

const DEFAULT_SPAN_MS = 3_600_000;
const DEFAULT_LIMIT = 500;
/** Most points a ledger-drawn chart has (a chart is about 600 px wide). */
const LEDGER_POINTS = 600;
const MAX_LIMIT = 5_000;
/**
 * History queries answered at once, all clients together: each one is a
 * SQLite scan in the reader's worker, and a crowd of them from many
 * addresses (each within its own rate) slowed every stream.
 */
export const MAX_CONCURRENT_HISTORY = 4;

/** Builds the history handler. */
export function historyRoute(
  deps: AppDeps,
  limiter: KeyedRateLimiter,
): (c: Context) => Promise<Response> {
  let running = 0;
  const calendars = new StateCalendar();
  return async function history(c: Context): Promise<Response> {
    const wait = limiter.take(clientIp(c));
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new HttpError(
        429,
        "rate_limited",
        `at most ${deps.config.historyPerSecond} history queries a second per client address; retry in ${seconds} s`,
        { headers: { "retry-after": String(seconds) } },
      );
    }
    const topic = parseTopic(c.req.query("topic") ?? "pnl");
    if (topic !== "pnl" || !deps.hub.has(topic)) {
      throw new ProtocolError(
        "unknown_topic",
        `no history for topic ${
          JSON.stringify(topic)
        }; history is kept for pnl`,
      );
    }
    const period = periodOf(c.req.query("period"));
    const source = sourceOf(c.req.query("source"), deps.hub.state(topic));
    if (period !== undefined && source !== undefined) {
      throw new ProtocolError(
        "bad_request",
        "give period or source, not both: a source's series is its figure for today",
      );
    }
    const now = deps.clock.now();
    // Nothing is stored after now or before the keep window: a range past
    // either edge is cut to them, so an absurd `to` cannot make an absurd
    // bucket width.
    const oldest = now - deps.config.historyKeepMs;
    const to = Math.min(parseTime(c.req.query("to"), "to") ?? now, now);
    // A period's chart starts where the period does, unless asked otherwise.
    const state = deps.hub.state(topic);
    const periodStart = period !== undefined && isPnlState(state)
      ? calendars.start(state, period)
      : undefined;
    const from = Math.max(
      parseTime(c.req.query("from"), "from") ??
        (periodStart ?? to - DEFAULT_SPAN_MS),
      oldest,
    );
    if (from > to) {
      throw new ProtocolError(
        "bad_request",
        `from must not be after to (from ${isoTime(from)}, to ${isoTime(to)})`,
      );
    }
    const limit = parseLimit(c.req.query("limit"), MAX_LIMIT, DEFAULT_LIMIT);
    // A source's series is its amount since today's start.
    const shape = (p: HistoryPoint): Record<string, string | number> =>
      source === undefined
        ? { ...p, at: isoTime(p.at) }
        : { at: isoTime(p.at), amountMinor: p.netMinor };
    const answer = (
      span: { from: number; to: number },
      result: {
        points: HistoryPoint[];
        downsampled: boolean;
        previous?: HistoryPoint;
      },
    ) =>
      Response.json({
        topic,
        ...(source === undefined ? {} : { source }),
        ...(period === undefined ? {} : { period }),
        from: isoTime(span.from),
        to: isoTime(span.to),
        downsampled: result.downsampled,
        previous: result.previous ? shape(result.previous) : null,
        points: result.points.map(shape),
      }, { headers: { "cache-control": "no-store" } });
    // A period's chart (or a source's) from the flows' own ledgers, whole
    // from the period's start however long this server has run, when every
    // flow keeps one; else what was recorded.
    const start = period !== undefined
      ? periodStart
      : source !== undefined && isPnlState(state)
      ? calendars.start(state, "today")
      : undefined;
    if (start !== undefined && deps.ledgers) {
      const ledgerFrom = Math.max(
        parseTime(c.req.query("from"), "from") ?? start,
        start,
      );
      const points = ledgerFrom <= to
        ? deps.ledgers({
          source,
          start,
          from: ledgerFrom,
          to,
          points: Math.min(limit, LEDGER_POINTS),
          // The previous period beside it, as far in (the dotted line).
          ...(period !== undefined && isPnlState(state)
            ? { previous: calendars.windows(state, now)[period].previous }
            : {}),
        })
        : undefined;
      if (points) {
        return answer({ from: ledgerFrom, to }, { points, downsampled: true });
      }
    }
    if (!deps.history) {
      throw new ProtocolError(
        "unavailable",
        "history is not stored by this server",
      );
    }
    const key = source !== undefined
      ? sourceHistoryKey(topic, source)
      : period !== undefined && period !== "today"
      ? periodHistoryKey(topic, period)
      : topic;
    if (running >= MAX_CONCURRENT_HISTORY) {
      throw new HttpError(
        503,
        "unavailable",
        `${running} history queries are being answered; at most ${MAX_CONCURRENT_HISTORY} run at once, retry in 1 s`,
        { headers: { "retry-after": "1" } },
      );
    }
    running++;
    let result;
    try {
      result = await deps.history.query(key, from, to, limit, {
        previous: true,
      });
    } finally {
      running--;
    }
    return answer({ from, to }, result);
  };
}

function parseTime(
  value: string | undefined,
  name: string,
): number | undefined {
  if (value === undefined) return undefined;
  try {
    const iso = /^\d{1,15}$/.test(value)
      ? normalizeTimestamp(Number(value), { epochUnit: "ms" })
      : normalizeTimestamp(value);
    return Date.parse(iso);
  } catch (error) {
    if (!(error instanceof TimestampError)) throw error;
    throw new ProtocolError(
      "bad_request",
      `${name} must be an ISO-8601 time with Z or an offset, or epoch milliseconds, received ${
        JSON.stringify(value.slice(0, 40))
      }`,
    );
  }
}

/** The `period` asked for: today, wtd, mtd, qtd or ytd. */
function periodOf(value: string | undefined): PeriodName | undefined {
  if (value === undefined) return undefined;
  if (!(PERIOD_NAMES as readonly string[]).includes(value)) {
    throw new ProtocolError(
      "bad_request",
      `period must be one of ${PERIOD_NAMES.join(", ")}, received ${
        JSON.stringify(value.slice(0, 40))
      }`,
    );
  }
  return value as PeriodName;
}

/** The `source` asked for, checked against the board's sources. */
function sourceOf(
  value: string | undefined,
  state: unknown,
): string | undefined {
  if (value === undefined) return undefined;
  const ids = Object.keys((state as PnlState | undefined)?.sources ?? {});
  if (!ids.includes(value)) {
    // The contract's codes have no "not found" but for topics: a 404 with
    // bad_request, like a path with no route.
    throw new HttpError(
      404,
      "bad_request",
      `no source ${
        JSON.stringify(value.slice(0, 64))
      } on this board; its sources are ${
        ids.length ? ids.join(", ") : "none yet"
      }`,
    );
  }
  return value;
}
