/**
 * The `pnl` topic's state, typed end to end (version 2): each fact in one
 * place. A flow's amount per period lives only under
 * `periods.<p>.sources.<id>`, a stock's balance only on its source, the
 * period totals only under `periods`; what a client can derive (each
 * period's bounds, the comparison's bounds) is derived from the message's
 * `ts` and the board's `timezone`, `weekStart` and `date` with
 * `periodWindows` (state_calendar.ts). Browser-safe: the server builds it, the
 * islands, the alerts and the history read it.
 *
 * @module
 */
import { PERIOD_NAMES, type PeriodName, type WeekStart } from "../time/mod.ts";

/** The version of the `pnl` state's shape, in the snapshot's `data.version`. */
export const PNL_STATE_VERSION = 2;

/** A period's id: today, wtd, mtd, qtd or ytd (the calendar's names). */
export type PeriodId = PeriodName;

/** How the board names a period. */
export type PeriodWords = {
  /** On the switcher: "Week". */
  label: string;
  /** As a heading: "Week to date". */
  title: string;
  /** In a sentence: "this week". */
  current: string;
  /** The comparison: "last week at this point". */
  previous: string;
};

/**
 * The words for each period: with the calendar's {@linkcode PERIOD_NAMES}
 * (ids and bounds) the one period table; a period added there and not
 * here does not compile.
 */
export const PERIOD_WORDS: Readonly<Record<PeriodId, PeriodWords>> = {
  today: {
    current: "today",
    label: "Today",
    title: "Today",
    previous: "yesterday at this time",
  },
  wtd: {
    current: "this week",
    label: "Week",
    title: "Week to date",
    previous: "last week at this point",
  },
  mtd: {
    current: "this month",
    label: "Month",
    title: "Month to date",
    previous: "last month at this point",
  },
  qtd: {
    current: "this quarter",
    label: "Quarter",
    title: "Quarter to date",
    previous: "last quarter at this point",
  },
  ytd: {
    current: "this year",
    label: "Year",
    title: "Year to date",
    previous: "last year at this point",
  },
};

/** The periods' ids, shortest first (switcher order). */
export const PERIOD_IDS: readonly PeriodId[] = PERIOD_NAMES;

/** The periods in switcher order, each with its words. */
export const PERIODS: readonly (PeriodWords & { id: PeriodId })[] = PERIOD_NAMES
  .map((id) => ({ id, ...PERIOD_WORDS[id] }));

/** How a source's amount enters the P&L. */
export type SourceRole = "revenue" | "expense" | "trading";

/**
 * How fresh a source's figure is: `ok` current; `stale` the last good
 * figure after a failed read; `error` no figure yet; `open` its circuit
 * breaker is open; `syncing` a first sync is under way.
 */
export type SourceStatus = "ok" | "stale" | "error" | "open" | "syncing";

/** Where a source's figure came from: a live read, or a cache tier. */
export type FigureOrigin = "live" | "L1" | "L2" | "L3" | "L4";

/** Revenue, expenses, trading and net, integer minor units. */
export type RoleFigures = {
  revenueMinor: number;
  expensesMinor: number;
  tradingMinor: number;
  /** revenue + trading - expenses. */
  netMinor: number;
};

/** The total each role feeds: revenue, expenses or trading. */
export const ROLE_TOTAL: Readonly<
  Record<SourceRole, "revenueMinor" | "expensesMinor" | "tradingMinor">
> = {
  revenue: "revenueMinor",
  expense: "expensesMinor",
  trading: "tradingMinor",
};

/** The previous period's figures: net left out, the client adds it up. */
export type PreviousFigures = Omit<RoleFigures, "netMinor">;

/**
 * The net of a period's figures: revenue + trading - expenses.
 *
 * @param figures Revenue, expenses and trading, minor units.
 * @returns The net, minor units.
 */
export function netOf(figures: PreviousFigures): number {
  return figures.revenueMinor + figures.tradingMinor - figures.expensesMinor;
}

/** A flow's amount in a period and in the previous one to the same point. */
export type SourcePeriodFigure = { amountMinor: number; previousMinor: number };

/** One reporting period's figures. */
export type PeriodFigures = RoleFigures & {
  /**
   * The previous period up to the same point: revenue, expenses and
   * trading (its net is theirs to add up, so it is not sent).
   */
  previous: PreviousFigures;
  /** Each flow's amount in it, by source id: the one place it lives. */
  sources: Record<string, SourcePeriodFigure>;
  /**
   * Flows whose kind cannot split its figure by period: their whole
   * figure counts in every period. Absent when there are none.
   */
  unattributed?: string[];
  /**
   * Flows whose figures begin after the period's (or the comparison's)
   * start: counted, but only in part. Absent when there are none.
   */
  partial?: string[];
};

/** One source: what it is and how it is doing, and a stock's balance. */
export type SourceState = {
  kind: string;
  role: SourceRole;
  /** `flow` (summed into periods) or `stock` (a balance); once read. */
  nature?: "flow" | "stock";
  status: SourceStatus;
  origin: FigureOrigin;
  /** Its name from the sources file, when given. */
  label?: string;
  /** How often it is read, ms. */
  everyMs?: number;
  /** When its figure was read, ISO-8601 UTC; absent before the first. */
  asOf?: string;
  /** A stock's balance, minor units (a flow's amounts are in `periods`). */
  amountMinor?: number;
  /** A few labelled figures behind the amount. */
  detail?: Record<string, string | number | boolean>;
  /** While failing: the failure in words. */
  error?: string;
  /** While failing: when a read last succeeded, ISO-8601 UTC. */
  lastSuccessAt?: string;
  /** While failing: when the current run of failures began. */
  failingSince?: string;
  /** While failing: when the next attempt is due. */
  nextReadAt?: string;
  /** While syncing: pages and items read so far. */
  sync?: { pages: number; items: number; estimatedPages?: number };
};

/** A firing alert, as the board shows it. */
export type FiringAlert = {
  rule: string;
  severity: "critical" | "warning" | "info";
  summary: string;
  /** When it fired, ISO-8601 UTC. */
  since: string;
  /** When an operator acknowledged it (this episode), ISO-8601 UTC. */
  acknowledgedAt?: string;
  /** Its notifications are silenced until then, ISO-8601 UTC. */
  silencedUntil?: string;
};

/** What the board shows of alerting. */
export type AlertsState = {
  /** Firing now, most severe first. */
  firing: FiringAlert[];
  /** The latest events (firing, resolved), newest first, at most 5. */
  recent: { rule: string; status: string; summary: string; at: string }[];
};

/** The `pnl` topic's state. Integers in minor units of `currency`. */
export type PnlState = {
  /** {@linkcode PNL_STATE_VERSION}. */
  version: number;
  /** The board's currency (ISO 4217). */
  currency: string;
  /** The board's reporting time zone (IANA). */
  timezone: string;
  /** The day weeks start on, for `wtd`. */
  weekStart: WeekStart;
  /**
   * The local date whose periods the figures are for (`YYYY-MM-DD` in
   * `timezone`): it changes at midnight there, when the periods roll.
   */
  date: string;
  /** Whether any source is not `ok`. */
  stale: boolean;
  periods: Record<PeriodId, PeriodFigures>;
  sources: Record<string, SourceState>;
  /** Present when the board has alert rules. */
  alerts?: AlertsState;
};

/**
 * Whether a value read back from storage or the wire is a version-2 `pnl`
 * state (an older shape is not: it is rebuilt from fresh reads instead).
 *
 * @param value The parsed JSON.
 * @returns Whether it can be shown as a P&L.
 */
export function isPnlState(value: unknown): value is PnlState {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const periods = v.periods as Record<string, unknown> | undefined;
  return v.version === PNL_STATE_VERSION && typeof v.currency === "string" &&
    typeof v.timezone === "string" && typeof v.date === "string" &&
    typeof v.stale === "boolean" &&
    typeof periods === "object" && periods !== null &&
    PERIOD_IDS.every((id) => {
      const p = periods[id] as Record<string, unknown> | undefined;
      return typeof p === "object" && p !== null &&
        Number.isSafeInteger(p.netMinor) && typeof p.sources === "object";
    }) &&
    typeof v.sources === "object" && v.sources !== null;
}

/**
 * A source's figure as the board shows it in a period: a flow's amount in
 * the period, a stock's balance (the same in every period).
 *
 * @param state The state.
 * @param id The source's id.
 * @param period The period.
 * @default period "today"
 * @returns Minor units, or undefined before the source's first figure.
 *
 * @example A flow's figure today
 * ```ts
 * import assert from "node:assert/strict";
 * import { sourceAmount } from "@/lib/protocol/pnl_state.ts";
 * const figures = { revenueMinor: 5, expensesMinor: 0, tradingMinor: 0, netMinor: 5 };
 * const period = { ...figures, previous: figures, sources: { shop: { amountMinor: 5, previousMinor: 0 } } };
 * const state = { periods: { today: period, wtd: period, mtd: period, qtd: period, ytd: period },
 *   sources: { shop: { kind: "stripe", role: "revenue" as const, status: "ok" as const, origin: "live" as const } } };
 * assert.equal(sourceAmount(state, "shop"), 5);
 * ```
 */
export function sourceAmount(
  state: Pick<PnlState, "periods" | "sources">,
  id: string,
  period: PeriodId = "today",
): number | undefined {
  const source = state.sources[id];
  if (source?.nature === "stock") return source.amountMinor;
  return state.periods[period]?.sources[id]?.amountMinor;
}
