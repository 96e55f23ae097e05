/**
 * The P&L per reporting period: each flow's amount in today, the week,
 * month, quarter and year to date (and the previous period to the same
 * point) added up by role, and each stock shown as a balance, never
 * summed. A flow read before a period began moved nothing in it yet, so
 * at a rollover the new periods start at exactly zero without waiting for
 * a read.
 *
 * @module
 */
import type { JsonObject } from "../protocol/mod.ts";
import type { Reading, SourceRole } from "../sources/mod.ts";
import {
  PERIOD_NAMES,
  type PeriodName,
  type ReportingCalendar,
} from "../time/mod.ts";

/** Revenue, expenses, trading and net, integer minor units. */
export interface RoleTotals extends JsonObject {
  revenueMinor: number;
  expensesMinor: number;
  tradingMinor: number;
  netMinor: number;
}

/** One period in the `pnl` state. */
export interface PeriodState extends RoleTotals {
  /** Where the period begins, ISO-8601 UTC. */
  from: string;
  /** Where it ends (the next boundary), ISO-8601 UTC. */
  to: string;
  /** The previous period up to the same point. */
  previous: RoleTotals & { from: string; to: string };
  /** Each flow's amount in it, by source id. */
  sources: Record<string, { amountMinor: number; previousMinor: number }>;
  /**
   * Flows whose kind cannot split its figure by period yet: their whole
   * figure is counted in every period (and none in the previous one), and
   * this list says so.
   */
  unattributed: string[];
  /**
   * Flows whose figures begin after the period's or the comparison's
   * start (a Stripe source's `since`): counted, but only in part.
   */
  partial: string[];
}

/** A stock's balance in the `pnl` state. */
export interface BalanceState extends JsonObject {
  amountMinor: number;
  currency: string;
  asOf: string;
}

/** What {@linkcode periodTotals} gives. */
export interface PeriodTotals {
  /** Each period, by name. */
  periods: Record<PeriodName, PeriodState>;
  /** Each stock's balance, by source id. */
  balances: Record<string, BalanceState>;
  /** Each flow's amount today, by source id (its figure on the board). */
  today: Record<string, number>;
}

const KEY: Record<
  SourceRole,
  "revenueMinor" | "expensesMinor" | "tradingMinor"
> = {
  revenue: "revenueMinor",
  expense: "expensesMinor",
  trading: "tradingMinor",
};

function zero(): RoleTotals {
  return { revenueMinor: 0, expensesMinor: 0, tradingMinor: 0, netMinor: 0 };
}

/**
 * Adds up every reading per period as the periods stand at `at`.
 *
 * @param readings Each source's latest reading, by id (those with one).
 * @param calendar The board's reporting calendar.
 * @param at The instant the periods stand at, epoch ms.
 * @returns Periods, balances and each flow's amount today.
 *
 * @example A flow read yesterday has moved nothing today yet
 * ```ts
 * import assert from "node:assert/strict";
 * import { periodTotals } from "@/lib/aggregate/period_totals.ts";
 * import { ReportingCalendar } from "@/lib/time/mod.ts";
 * const calendar = new ReportingCalendar();
 * const flat = { amountMinor: 900, previousMinor: 100 };
 * const totals = periodTotals({
 *   shop: { source: "shop", role: "revenue", amountMinor: 900, currency: "USD",
 *     asOf: "2026-12-01T23:59:00.000Z", periodsAt: "2026-12-01T23:59:00.000Z",
 *     periods: { today: flat, wtd: flat, mtd: flat, qtd: flat, ytd: flat } },
 * }, calendar, Date.parse("2026-12-02T00:00:00Z"));
 * assert.equal(totals.periods.today.revenueMinor, 0);
 * assert.equal(totals.periods.mtd.revenueMinor, 900); // the month goes on
 * assert.equal(totals.periods.ytd.revenueMinor, 900);
 * ```
 */
export function periodTotals(
  readings: Readonly<Record<string, Reading>>,
  calendar: ReportingCalendar,
  at: number,
): PeriodTotals {
  const windows = calendar.periods(at);
  const periods = {} as Record<PeriodName, PeriodState>;
  const iso = (ms: number) => new Date(ms).toISOString();
  for (const name of PERIOD_NAMES) {
    const w = windows[name];
    periods[name] = {
      from: iso(w.from),
      to: iso(w.to),
      ...zero(),
      previous: {
        from: iso(w.previous.from),
        to: iso(w.previous.to),
        ...zero(),
      },
      sources: {},
      unattributed: [],
      partial: [],
    };
  }
  const balances: Record<string, BalanceState> = {};
  const today: Record<string, number> = {};
  for (const [id, reading] of Object.entries(readings)) {
    if (reading.nature === "stock") {
      balances[id] = {
        amountMinor: reading.amountMinor,
        currency: reading.currency,
        asOf: reading.asOf,
      };
      continue;
    }
    const readAt = reading.periodsAt === undefined
      ? NaN
      : Date.parse(reading.periodsAt);
    for (const name of PERIOD_NAMES) {
      const p = periods[name];
      const amounts = reading.periods?.[name];
      // Read inside this period: its figures; read before it began: it
      // moved nothing in it yet. A flow that reports no periods counts
      // whole, and the period names it.
      const current = amounts !== undefined && readAt >= windows[name].from;
      const amountMinor = amounts === undefined
        ? reading.amountMinor
        : current
        ? amounts.amountMinor
        : 0;
      const previousMinor = current ? amounts.previousMinor : 0;
      if (amounts === undefined) p.unattributed.push(id);
      const covered = reading.coverageFrom === undefined
        ? -Infinity
        : Date.parse(reading.coverageFrom);
      if (covered > windows[name].previous.from) p.partial.push(id);
      p.sources[id] = { amountMinor, previousMinor };
      p[KEY[reading.role]] += amountMinor;
      p.previous[KEY[reading.role]] += previousMinor;
      if (name === "today") today[id] = amountMinor;
    }
  }
  for (const name of PERIOD_NAMES) {
    const p = periods[name];
    p.netMinor = net(p);
    p.previous.netMinor = net(p.previous);
  }
  return { periods, balances, today };
}

function net(t: RoleTotals): number {
  const value = t.revenueMinor + t.tradingMinor - t.expensesMinor;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(
      `a period's net P&L is past the largest exact integer (${value} minor units)`,
    );
  }
  return value;
}
