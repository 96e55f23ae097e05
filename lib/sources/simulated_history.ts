/**
 * Two years of simulated history for the simulator's flows: one movement
 * an hour, each a pure function of its hour and figure, so every start of
 * the server shows the same past (a restart does not rewrite last month),
 * sized like the live steps so the comparisons read plausibly.
 *
 * @module
 */
import { seededRandom } from "../time/mod.ts";
import type { FlowLedger } from "./flow_ledger.ts";

/** Options for {@linkcode simulatedHistory}. */
export interface SimulatedHistoryOptions {
  /** The flow simulated. */
  figure: "revenueMinor" | "costsMinor" | "tradingMinor";
  /** History ends at the start of this instant's hour, epoch ms. */
  until: number;
  /**
   * The live step, ms: an hour of history moves as much as an hour of
   * steps would, at one step a second at most (so a fast demo step does
   * not make years of history absurd).
   */
  intervalMs: number;
  /**
   * How far back, ms.
   * @default {731 days} (the previous year to date, every day of the year)
   */
  spanMs?: number;
}

const HOUR = 3_600_000;
/** Each figure's mean movement per live step, minor units. */
const MEAN_PER_STEP = {
  costsMinor: 30.5,
  revenueMinor: 0.17 * 19_120,
  tradingMinor: 160,
} as const;
const SEED = { revenueMinor: 1, costsMinor: 2, tradingMinor: 3 } as const;

/**
 * Adds an hourly history to a ledger.
 *
 * @param ledger The flow's ledger.
 * @param options Which figure, until when, at what pace.
 *
 * @example The same past on every start
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowLedger } from "@/lib/sources/flow_ledger.ts";
 * import { simulatedHistory } from "@/lib/sources/simulated_history.ts";
 * const a = new FlowLedger();
 * const b = new FlowLedger();
 * const options = { figure: "costsMinor" as const, until: Date.parse("2026-12-02T10:30:00Z"), intervalMs: 1000 };
 * simulatedHistory(a, options);
 * simulatedHistory(b, options);
 * assert.equal(a.total, b.total);
 * assert.ok(a.total > 0);
 * ```
 */
export function simulatedHistory(
  ledger: FlowLedger,
  options: SimulatedHistoryOptions,
): void {
  const { figure, until, intervalMs, spanMs = 731 * 86_400_000 } = options;
  const steps = HOUR / Math.max(intervalMs, 1000);
  const mean = MEAN_PER_STEP[figure] * steps;
  const end = Math.floor(until / HOUR);
  for (let hour = Math.floor((until - spanMs) / HOUR); hour < end; hour++) {
    const random = seededRandom(hour * 4 + SEED[figure]);
    // Busier by day than by night (UTC), never below a tenth.
    const daytime = 0.55 +
      0.45 * Math.sin(((hour % 24) - 6) / 24 * 2 * Math.PI);
    let minor: number;
    if (figure === "tradingMinor") {
      // A walk: the drift plus noise of either sign.
      minor = Math.round(
        mean + (random() - 0.5) * 2 * Math.sqrt(steps) * 2_300,
      );
    } else {
      minor = Math.round(
        mean * Math.max(0.1, daytime) * (0.6 + 0.8 * random()),
      );
    }
    if (minor !== 0) ledger.add(hour * HOUR, minor);
  }
}
