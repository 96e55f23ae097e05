/**
 * A run-rate projection for a period: where each total is on pace to end,
 * from the period so far and the previous period's shape. When the
 * previous period's figure up to the same point is a sound base (not
 * zero, the same sign as its whole, and not a sliver of it), the rest of
 * this period is taken to move as last period's rest did, scaled by how
 * this period compares so far: `soFar × previousWhole / previousAtPoint`.
 * Otherwise it runs on at its pace so far: `soFar × length / elapsed`.
 * An estimate, always labelled as one; drawn from the flows' ledgers.
 *
 * @module
 */
import type { Source } from "../sources/mod.ts";
import type { PeriodName, PeriodWindow } from "../time/mod.ts";
import { ROLE_TOTAL } from "../protocol/mod.ts";

/** The periods a projection is made for (a day or week is too short to say). */
export const PROJECTED_PERIODS: readonly PeriodName[] = ["mtd", "qtd", "ytd"];

/** How a total was projected. */
export type ProjectionMethod = "previous_shape" | "pace";

/** One total's projection. */
export interface ProjectedFigure {
  /** Where it is on pace to end the period, integer minor units. */
  projectedMinor: number;
  /** What it is so far. */
  soFarMinor: number;
  /** How it was projected. */
  method: ProjectionMethod;
}

/** Where the period's totals are on pace to end. */
export interface Projection {
  /** The period's last instant + 1 (its end), epoch ms. */
  end: number;
  /** Each total. */
  revenue: ProjectedFigure;
  expenses: ProjectedFigure;
  trading: ProjectedFigure;
  /** The net: revenue − expenses + trading, projected. */
  netMinor: number;
}

/** The previous period's whole may be at most this many times its part. */
const MAX_SHAPE_RATIO = 20;

/**
 * Projects a period's totals from the flows' ledgers.
 *
 * @param sources The board's sources.
 * @param currency The board's currency.
 * @param window The period as it stands now.
 * @returns The projection, or undefined when a flow keeps no ledger in
 *   the board's currency (its part of the period cannot be told).
 *
 * @example Last month's shape carries this month's start
 * ```ts
 * import assert from "node:assert/strict";
 * import { projectPeriod } from "@/lib/aggregate/projection.ts";
 * import { FlowLedger } from "@/lib/sources/flow_ledger.ts";
 * const ledger = new FlowLedger();
 * ledger.add(0, 100); ledger.add(50, 300); // last period: 100 by its middle, 400 whole
 * ledger.add(100, 150); // this period so far, at its middle
 * const sales = { id: "s", kind: "t", role: "revenue" as const,
 *   flows: () => ({ currency: "USD", sum: (w: { from: number; to: number }) => ledger.sum(w) }),
 *   read: () => Promise.reject(new Error("unused")) };
 * const window = { name: "mtd" as const, from: 100, to: 200, at: 149,
 *   previous: { from: 0, to: 50 }, previousWhole: { from: 0, to: 100 } };
 * const p = projectPeriod([sales], "USD", window)!;
 * assert.deepEqual(p.revenue, { projectedMinor: 600, soFarMinor: 150, method: "previous_shape" });
 * ```
 */
export function projectPeriod(
  sources: readonly Source[],
  currency: string,
  window: PeriodWindow,
): Projection | undefined {
  const parts = {
    revenueMinor: [0, 0, 0],
    expensesMinor: [0, 0, 0],
    tradingMinor: [0, 0, 0],
  };
  for (const source of sources) {
    if (source.nature === "stock") continue;
    const f = source.flows?.();
    if (!f || f.currency !== currency) return undefined;
    const sums = parts[ROLE_TOTAL[source.role]];
    sums[0]! += f.sum({ from: window.from, to: window.at + 1 });
    sums[1]! += f.sum(window.previous);
    sums[2]! += f.sum(window.previousWhole);
  }
  const elapsed = window.at + 1 - window.from;
  const length = window.to - window.from;
  const project = ([soFar, atPoint, whole]: number[]): ProjectedFigure => {
    const sound = atPoint !== 0 && Math.sign(atPoint!) === Math.sign(whole!) &&
      Math.abs(whole! / atPoint!) <= MAX_SHAPE_RATIO;
    const projected = sound
      ? Math.round(soFar! * (whole! / atPoint!))
      : Math.round(soFar! * (length / Math.max(elapsed, 1)));
    return {
      projectedMinor: Number.isSafeInteger(projected) ? projected : soFar!,
      soFarMinor: soFar!,
      method: sound ? "previous_shape" : "pace",
    };
  };
  const revenue = project(parts.revenueMinor);
  const expenses = project(parts.expensesMinor);
  const trading = project(parts.tradingMinor);
  return {
    end: window.to,
    revenue,
    expenses,
    trading,
    netMinor: revenue.projectedMinor - expenses.projectedMinor +
      trading.projectedMinor,
  };
}
