/**
 * The simulator: the embedded default source set, moving realistic figures
 * so a fresh install shows a live board with no accounts configured.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import { isoTime } from "../time/mod.ts";
import { systemRandom } from "../time/mod.ts";
import type { Reading, Source, SourceRole } from "./source.ts";
import { defineKind } from "./kind.ts";
import { int } from "./spec.ts";

/** The simulated figures, in integer minor units. */
export interface SimulatorFigures {
  /** Revenue received so far; grows in lumps. */
  revenueMinor: number;
  /** API costs so far; only ever grows. */
  costsMinor: number;
  /** Trading P&L (balance minus starting balance); random-walks. */
  tradingMinor: number;
}

/** Options for {@linkcode Simulator}. */
export interface SimulatorOptions {
  /** Time source: the figures move once per interval of this clock. */
  clock: Clock;
  /**
   * How often something changes, in milliseconds.
   * @default {1000}
   */
  intervalMs?: number;
  /**
   * Uniform random numbers in [0, 1); inject a seeded one in tests.
   * @default {systemRandom}
   */
  random?: () => number;
  /**
   * Where the figures start (for example, the last persisted state).
   * @default {{ revenueMinor: 0, costsMinor: 0, tradingMinor: 0 }}
   */
  initial?: SimulatorFigures;
  /**
   * Reporting currency of every simulated figure.
   * @default {"USD"}
   */
  currency?: string;
}

/** Most steps taken at once after a long pause, so a read stays cheap. */
const MAX_CATCH_UP_STEPS = 1000;
const REVENUE_LUMPS = [1_900, 4_900, 9_900, 29_900, 49_900];

/**
 * Three simulated sources (revenue, API costs, trading) that advance with
 * the clock. Every step changes at least the costs, so each interval
 * publishes something.
 *
 * @example Figures move with time
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Simulator } from "@/lib/sources/simulator.ts";
 * const clock = new FakeClock();
 * const sim = new Simulator({ clock, random: () => 0.5 });
 * const before = sim.figures().costsMinor;
 * await clock.advance(1000);
 * assert.ok(sim.figures().costsMinor > before);
 * ```
 */
export class Simulator {
  #clock: Clock;
  #intervalMs: number;
  #random: () => number;
  #currency: string;
  #figures: SimulatorFigures;
  #steppedAt: number;

  /** Creates the simulator at the clock's current time. */
  constructor(options: SimulatorOptions) {
    const {
      clock,
      intervalMs = 1000,
      random = systemRandom,
      initial = { revenueMinor: 0, costsMinor: 0, tradingMinor: 0 },
      currency = "USD",
    } = options;
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
      throw new RangeError(
        `Cannot create simulator: 'intervalMs' must be a positive number, received ${intervalMs}`,
      );
    }
    for (const [key, value] of Object.entries(initial)) {
      if (!Number.isSafeInteger(value)) {
        throw new RangeError(
          `Cannot create simulator: 'initial.${key}' must be a safe integer of minor units, received ${value}`,
        );
      }
    }
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#random = random;
    this.#currency = currency;
    this.#figures = { ...initial };
    // Steps fall on multiples of the interval, so every simulator on one
    // clock and interval moves at the same instants (read together, they
    // publish one change per step). Monotonic: a wall clock set back or
    // forward neither stops the steps nor fires a burst of them.
    this.#steppedAt = Math.floor(clock.monotonic() / intervalMs) * intervalMs;
  }

  /** The figures at the clock's current time. */
  figures(): SimulatorFigures {
    this.#catchUp();
    return { ...this.#figures };
  }

  /** The three sources, each reading its own figure. */
  sources(): Source[] {
    const make = (
      id: string,
      role: SourceRole,
      pick: (f: SimulatorFigures) => number,
    ): Source => ({
      id,
      kind: "simulator",
      role,
      read: (signal?: AbortSignal): Promise<Reading> => {
        if (signal?.aborted) return Promise.reject(signal.reason);
        this.#catchUp();
        return Promise.resolve({
          source: id,
          role,
          amountMinor: pick(this.#figures),
          currency: this.#currency,
          asOf: isoTime(
            this.#clock.now() - (this.#clock.monotonic() - this.#steppedAt),
          ),
        });
      },
    });
    return [
      make("sim-revenue", "revenue", (f) => f.revenueMinor),
      make("sim-api-costs", "expense", (f) => f.costsMinor),
      make("sim-trading", "trading", (f) => f.tradingMinor),
    ];
  }

  #catchUp(): void {
    const now = this.#clock.monotonic();
    const due = Math.floor((now - this.#steppedAt) / this.#intervalMs);
    if (due <= 0) return;
    for (let i = 0; i < Math.min(due, MAX_CATCH_UP_STEPS); i++) this.#step();
    this.#steppedAt += due * this.#intervalMs;
  }

  #step(): void {
    const f = this.#figures;
    const r = this.#random;
    // Costs: a steady trickle of API spend, 1 to 60 cents a step.
    f.costsMinor += 1 + Math.floor(r() * 60);
    // Revenue: arrives in lumps, about one step in six.
    if (r() < 0.17) {
      f.revenueMinor += REVENUE_LUMPS[Math.floor(r() * REVENUE_LUMPS.length)] ??
        0;
    }
    // Trading: a random walk of up to +-$40 a step, a slight upward drift.
    f.tradingMinor += Math.round((r() - 0.48) * 8_000);
  }
}

/** The `simulator` source kind: one simulated figure, picked by role. */
export const simulatorKind = defineKind({
  kind: "simulator",
  description:
    "Simulated figures that move on their own (for a demo, or to try a layout)",
  fields: {
    stepMs: {
      type: int(10, 3_600_000),
      default: 1000,
      description: "How often the simulated figure changes, ms",
    },
  },
  defaultIntervalMs: 1000,
  minIntervalMs: 10,
  // One upstream in spirit: figures on one step move as one change.
  readsTogether: true,
  create(common, settings, deps): Promise<Source> {
    const figure = ({
      revenue: "revenueMinor",
      expense: "costsMinor",
      trading: "tradingMinor",
    } as const)[common.role];
    const last = deps.lastKnown?.(common.id);
    const initial = { revenueMinor: 0, costsMinor: 0, tradingMinor: 0 };
    // Continues from the figure shown before a restart.
    if (last !== undefined && Number.isSafeInteger(last)) {
      initial[figure] = last;
    }
    const sim = new Simulator({
      clock: deps.clock,
      intervalMs: settings.stepMs,
      currency: common.currency,
      initial,
    });
    const index = { revenue: 0, expense: 1, trading: 2 }[common.role];
    const base = sim.sources()[index] as Source;
    return Promise.resolve({
      id: common.id,
      kind: "simulator",
      role: common.role,
      read: async (signal?: AbortSignal) => ({
        ...(await base.read(signal)),
        source: common.id,
      }),
    });
  },
});
