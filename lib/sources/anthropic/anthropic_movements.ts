/**
 * What an Anthropic cost source lists behind its figure: one movement per
 * daily cost bucket (Anthropic reports costs by UTC day, in fractional
 * cents), counted at the start of the board's day of that date like its
 * sums, each rounded as the difference of two rounded running sums so the
 * listing adds up to the figure exactly.
 *
 * @module
 */
import { type Decimal, sumDecimals, toMinorUnits } from "../../money.ts";
import type { TimeWindow } from "../../time/mod.ts";
import type { Movement, MovementList, MovementPage } from "../source.ts";

/** One day's cost: where it counts, epoch ms; the exact cents; its UTC date. */
export type CostDay = readonly [at: number, cents: Decimal, day: number];

/**
 * The daily buckets in a window, newest first, paged.
 *
 * @param days Every day kept, in any order.
 * @returns The listing function.
 *
 * @example Three days of fractional cents add up
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDecimal } from "@/lib/money.ts";
 * import { costDayMovements } from "@/lib/sources/anthropic/anthropic_movements.ts";
 * const day = 86_400_000;
 * const list = costDayMovements([0, 1, 2].map((i) => [i * day, parseDecimal("0.5"), i * day]));
 * const { items, count } = list({ from: 0, to: 3 * day }, { limit: 10 });
 * assert.equal(count, 3);
 * assert.equal(items.reduce((a, m) => a + m.amountMinor, 0), 2); // 1.5 cents, to even
 * ```
 */
export function costDayMovements(
  days: readonly CostDay[],
): (window: TimeWindow, page: MovementPage) => MovementList {
  // A day that cost nothing is not a movement.
  const ordered = days.filter(([, cents]) => cents.coefficient !== 0n)
    .sort((a, b) => a[0] - b[0]);
  return function movements(window, page): MovementList {
    const inside = ordered.filter(([at]) =>
      at >= window.from && at < window.to
    );
    const cents = (d: Decimal) => toMinorUnits(d, "minor", "USD");
    let running: Decimal = { coefficient: 0n, scale: 0 };
    const all: Movement[] = inside.map(([at, amount, day]) => {
      const before = cents(running);
      running = sumDecimals([running, amount]);
      const runningMinor = cents(running);
      return {
        at,
        index: 0,
        amountMinor: runningMinor - before,
        runningMinor,
        what: "API usage",
        description: `Claude API costs, ${
          new Date(day).toISOString().slice(0, 10)
        } (UTC day)`,
      };
    }).reverse();
    const { after, limit } = page;
    const start = after === undefined
      ? 0
      : all.findIndex((m) =>
        m.at < after.at || (m.at === after.at && m.index < after.index)
      );
    return {
      items: start < 0 ? [] : all.slice(start, start + limit),
      count: all.length,
    };
  };
}
