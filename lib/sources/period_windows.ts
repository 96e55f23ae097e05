/**
 * The spans a flow that cannot list its movements must be asked about
 * (a SQL query with `:from` and `:to`, a URL with `{from}` and `{to}`):
 * each period so far and the previous one to the same point, each distinct
 * span once (on the first of a quarter, month and quarter to date are
 * the same span).
 *
 * @module
 */
import {
  PERIOD_NAMES,
  type PeriodName,
  type PeriodWindow,
  type TimeWindow,
} from "../time/mod.ts";
import type { PeriodAmounts } from "./source.ts";

/** The spans to ask about, and how to put the answers together. */
export interface PeriodQueries {
  /** Distinct spans [from, to), epoch ms. */
  windows: TimeWindow[];
  /**
   * Each period's amounts from the answers, in the order of `windows`.
   *
   * @param sums One amount per window, minor units.
   */
  assemble(sums: readonly number[]): Record<PeriodName, PeriodAmounts>;
}

/**
 * Plans the spans for a read.
 *
 * @param periods The periods as they stand (from the read's context).
 * @returns The spans and the assembler.
 *
 * @example Ten spans at most, fewer when periods coincide
 * ```ts
 * import assert from "node:assert/strict";
 * import { periodQueries } from "@/lib/sources/period_windows.ts";
 * import { ReportingCalendar } from "@/lib/time/mod.ts";
 * const calendar = new ReportingCalendar();
 * // 1 January: today, week?, month, quarter and year all begin today.
 * const plan = periodQueries(calendar.periods(Date.parse("2026-01-01T12:00:00Z")));
 * assert.ok(plan.windows.length < 10);
 * ```
 */
export function periodQueries(
  periods: Readonly<Record<PeriodName, PeriodWindow>>,
): PeriodQueries {
  const windows: TimeWindow[] = [];
  const index = new Map<string, number>();
  const slot = (w: TimeWindow) => {
    const key = `${w.from}:${w.to}`;
    let i = index.get(key);
    if (i === undefined) {
      i = windows.push(w) - 1;
      index.set(key, i);
    }
    return i;
  };
  const plan = PERIOD_NAMES.map((name) => {
    const p = periods[name];
    return {
      name,
      current: slot({ from: p.from, to: p.at }),
      previous: slot(p.previous),
    };
  });
  return {
    windows,
    assemble(sums) {
      const out = {} as Record<PeriodName, PeriodAmounts>;
      for (const { name, current, previous } of plan) {
        out[name] = {
          amountMinor: sums[current] ?? 0,
          previousMinor: sums[previous] ?? 0,
        };
      }
      return out;
    },
  };
}

/**
 * Each period's amounts passed through `convert` (into cents, into the
 * board's currency), the current and the previous alike.
 *
 * @param periods Amounts by period.
 * @param convert The conversion of one amount.
 * @returns The converted amounts by period.
 *
 * @example Doubled
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapPeriods } from "@/lib/sources/period_windows.ts";
 * const one = { amountMinor: 2, previousMinor: 1 };
 * const p = { today: one, wtd: one, mtd: one, qtd: one, ytd: one };
 * assert.deepEqual(mapPeriods(p, (n) => n * 2).ytd, { amountMinor: 4, previousMinor: 2 });
 * ```
 */
export function mapPeriods(
  periods: Readonly<Record<PeriodName, PeriodAmounts>>,
  convert: (minor: number) => number,
): Record<PeriodName, PeriodAmounts> {
  const out = {} as Record<PeriodName, PeriodAmounts>;
  for (const name of PERIOD_NAMES) {
    const p = periods[name];
    out[name] = {
      amountMinor: convert(p.amountMinor),
      previousMinor: convert(p.previousMinor),
    };
  }
  return out;
}
