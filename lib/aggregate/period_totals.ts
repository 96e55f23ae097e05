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
import {
  type PeriodFigures,
  type PeriodId,
  ROLE_TOTAL,
  type RoleFigures,
} from "../protocol/pnl_state.ts";
import type { Reading } from "../sources/mod.ts";
import { PERIOD_NAMES, type ReportingCalendar } from "../time/mod.ts";

/** What {@linkcode periodTotals} gives. */
export interface PeriodTotals {
  /** Each period, by name. */
  periods: Record<PeriodId, PeriodFigures>;
}

function zero(): RoleFigures {
  return { revenueMinor: 0, expensesMinor: 0, tradingMinor: 0, netMinor: 0 };
}

/**
 * Adds up every reading per period as the periods stand at `at`.
 *
 * @param readings Each source's latest reading, by id (those with one).
 * @param calendar The board's reporting calendar.
 * @param at The instant the periods stand at, epoch ms.
 * @returns Each period's figures (stocks are left out: a balance is
 *   never summed).
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
  const periods = {} as Record<PeriodId, PeriodFigures>;
  for (const name of PERIOD_NAMES) {
    periods[name] = {
      ...zero(),
      previous: { revenueMinor: 0, expensesMinor: 0, tradingMinor: 0 },
      sources: {},
    };
  }
  for (const [id, reading] of Object.entries(readings)) {
    if (reading.nature === "stock") continue;
    const readAt = reading.periodsAt === undefined
      ? NaN
      : Date.parse(reading.periodsAt);
    const covered = reading.coverageFrom === undefined
      ? -Infinity
      : Date.parse(reading.coverageFrom);
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
      if (amounts === undefined) (p.unattributed ??= []).push(id);
      if (covered > windows[name].previous.from) (p.partial ??= []).push(id);
      p.sources[id] = { amountMinor, previousMinor };
      p[ROLE_TOTAL[reading.role]] += amountMinor;
      p.previous[ROLE_TOTAL[reading.role]] += previousMinor;
    }
  }
  for (const name of PERIOD_NAMES) {
    const p = periods[name];
    p.netMinor = net(p);
    net(p.previous); // checked, not sent: the client adds it up
  }
  return { periods };
}

function net(t: Omit<RoleFigures, "netMinor">): number {
  const value = t.revenueMinor + t.tradingMinor - t.expensesMinor;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(
      `a period's net P&L is past the largest exact integer (${value} minor units)`,
    );
  }
  return value;
}
