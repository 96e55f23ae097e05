/**
 * The simulator: the embedded default source set, moving realistic figures
 * so a fresh install shows a live board with no accounts configured. Its
 * revenue, costs and trading are flows (each step's movement is kept in a
 * ledger by when it happened, so every reporting period adds up), with two
 * years of simulated history behind them when asked; its balance is a
 * stock: a starting balance plus everything that moved.
 * Over 300 lines, kept whole: the figures, their ledgers and the synthetic
 * history share one random walk; the history's shape is apart in
 * `simulated_history.ts`.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import { isoTime } from "../time/mod.ts";
import { systemRandom } from "../time/mod.ts";
import type {
  FlowHistory,
  ReadContext,
  Reading,
  Source,
  SourceRole,
} from "./source.ts";
import { defineKind } from "./kind.ts";
import { int, oneOf } from "../spec/mod.ts";
import { FlowLedger } from "./flow_ledger.ts";
import { ledgerMovements } from "./ledger_movements.ts";
import { simulatedHistory } from "./simulated_history.ts";

/** What a simulated flow's movements are, in words. */
const SIMULATED_WORDS = {
  revenue: "Simulated sales",
  costs: "Simulated API costs",
  trading: "Simulated trades",
} as const;

/** The simulated figures, in integer minor units. */
export interface SimulatorFigures {
  /** Revenue received so far; grows in lumps. */
  revenueMinor: number;
  /** API costs so far; only ever grows. */
  costsMinor: number;
  /** Trading P&L (balance minus starting balance); random-walks. */
  tradingMinor: number;
}

/** A simulated figure a source reads. */
export type SimulatedFigure = "revenue" | "costs" | "trading" | "balance";

/** The balance the simulated account starts from, minor units. */
const STARTING_BALANCE_MINOR = 2_500_000;

/** Options for {@linkcode Simulator}. */
export interface SimulatorOptions {
  /** Time source: the figures move once per interval of this clock. */
  clock: Clock;
  /**
   * Two years of simulated history before now in the flows' ledgers (the
   * same history on every start), so week, month, quarter and year to
   * date and their comparisons have something to show.
   * @default {false}
   */
  history?: boolean;
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
  #ledgers = {
    revenueMinor: new FlowLedger(),
    costsMinor: new FlowLedger(),
    tradingMinor: new FlowLedger(),
  };

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
    if (options.history) {
      for (const [key, ledger] of Object.entries(this.#ledgers)) {
        simulatedHistory(ledger, {
          figure: key as keyof SimulatorFigures,
          until: clock.now(),
          intervalMs,
        });
      }
    }
  }

  /** The figures at the clock's current time. */
  figures(): SimulatorFigures {
    this.#catchUp();
    return { ...this.#figures };
  }

  /** The three flows (revenue, API costs, trading), each reading its own. */
  sources(): Source[] {
    return [
      this.source("sim-revenue", "revenue"),
      this.source("sim-api-costs", "costs"),
      this.source("sim-trading", "trading"),
    ];
  }

  /**
   * One source reading one figure: a flow reports its periods when asked,
   * the balance is a stock.
   *
   * @param id The source id.
   * @param figure The figure it reads.
   * @param role How it enters the P&L (by default the figure's own).
   */
  source(id: string, figure: SimulatedFigure, role?: SourceRole): Source {
    const as: SourceRole = role ??
      (figure === "revenue"
        ? "revenue"
        : figure === "costs"
        ? "expense"
        : "trading");
    const nature = figure === "balance" ? "stock" : "flow";
    const flows = (): FlowHistory | undefined => {
      if (figure === "balance") return undefined;
      this.#catchUp();
      const ledger = this.#ledgers[`${figure}Minor`];
      return {
        currency: this.#currency,
        sum: (w) => ledger.sum(w),
        movements: ledgerMovements(ledger, {
          describe: () => ({ what: SIMULATED_WORDS[figure] }),
        }),
      };
    };
    return {
      id,
      kind: "simulator",
      role: as,
      nature,
      ...(figure === "balance" ? {} : { flows }),
      read: (signal?: AbortSignal, context?: ReadContext): Promise<Reading> => {
        if (signal?.aborted) return Promise.reject(signal.reason);
        this.#catchUp();
        const reading: Reading = {
          source: id,
          role: as,
          nature,
          amountMinor: figure === "balance"
            ? this.#balance()
            : this.#figures[`${figure}Minor`],
          currency: this.#currency,
          asOf: isoTime(this.#wallAt(this.#steppedAt)),
        };
        if (figure === "balance" || !context) {
          return Promise.resolve(reading);
        }
        const ledger = this.#ledgers[`${figure}Minor`];
        // Nothing older than the previous year is ever asked for again.
        ledger.prune(context.periods.ytd.previous.from);
        const periods = ledger.periods(context.periods);
        return Promise.resolve({
          ...reading,
          amountMinor: periods.today.amountMinor,
          periods,
          periodsAt: isoTime(context.periods.today.at),
        });
      },
    };
  }

  /** The starting balance plus everything that moved. */
  #balance(): number {
    const l = this.#ledgers;
    const moved = l.revenueMinor.total - l.costsMinor.total +
      l.tradingMinor.total;
    return STARTING_BALANCE_MINOR + moved;
  }

  /** The wall-clock instant of a monotonic one. */
  #wallAt(monotonic: number): number {
    return this.#clock.now() - (this.#clock.monotonic() - monotonic);
  }

  #catchUp(): void {
    const now = this.#clock.monotonic();
    const due = Math.floor((now - this.#steppedAt) / this.#intervalMs);
    if (due <= 0) return;
    const steps = Math.min(due, MAX_CATCH_UP_STEPS);
    for (let i = due - steps + 1; i <= due; i++) {
      this.#step(this.#wallAt(this.#steppedAt + i * this.#intervalMs));
    }
    this.#steppedAt += due * this.#intervalMs;
  }

  #step(at: number): void {
    const r = this.#random;
    // Costs: a steady trickle of API spend, 1 to 60 cents a step.
    this.#move("costsMinor", at, 1 + Math.floor(r() * 60));
    // Revenue: arrives in lumps, about one step in six.
    if (r() < 0.17) {
      this.#move(
        "revenueMinor",
        at,
        REVENUE_LUMPS[Math.floor(r() * REVENUE_LUMPS.length)] ?? 0,
      );
    }
    // Trading: a random walk of up to +-$40 a step, a slight upward drift.
    this.#move("tradingMinor", at, Math.round((r() - 0.48) * 8_000));
  }

  /**
   * Records one movement of a flow now (a restart carrying today's figure
   * over).
   *
   * @param figure The flow.
   * @param at When, epoch ms.
   * @param minor How much, minor units.
   */
  record(
    figure: Exclude<SimulatedFigure, "balance">,
    at: number,
    minor: number,
  ): void {
    this.#move(`${figure}Minor`, at, minor);
  }

  /** One movement: into the running figure and, by its minute, the ledger. */
  #move(figure: keyof SimulatorFigures, at: number, minor: number): void {
    this.#figures[figure] += minor;
    // By the minute: exact for every period boundary (zone offsets are
    // whole minutes) and bounded memory for a board left running.
    this.#ledgers[figure].add(Math.floor(at / 60_000) * 60_000, minor);
  }
}

/** The `simulator` source kind: one simulated figure, by role or `figure`. */
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
    figure: {
      type: oneOf(["revenue", "costs", "trading", "balance"] as const),
      optional: true,
      description:
        "Which figure: revenue, costs or trading (flows, by default the role's), or balance (a stock: an account balance, never summed into a period)",
    },
  },
  defaultIntervalMs: 1000,
  minIntervalMs: 10,
  // One upstream in spirit: figures on one step move as one change.
  readsTogether: true,
  create(common, settings, deps): Promise<Source> {
    const figure: SimulatedFigure = settings.figure ??
      ({ revenue: "revenue", expense: "costs", trading: "trading" } as const)[
        common.role
      ];
    const sim = new Simulator({
      clock: deps.clock,
      intervalMs: settings.stepMs,
      currency: common.currency,
      history: true,
    });
    const base = sim.source(common.id, figure, common.role);
    // Today's figure continues from the one shown before a restart: the
    // first read with periods adds the difference as one movement.
    const last = deps.lastKnown?.(common.id);
    let carry = figure !== "balance" && Number.isSafeInteger(last)
      ? last
      : undefined;
    return Promise.resolve({
      ...base,
      read: async (signal?: AbortSignal, context?: ReadContext) => {
        const reading = await base.read(signal, context);
        if (carry === undefined || !context) return reading;
        const gap = carry - reading.amountMinor;
        carry = undefined;
        if (gap === 0) return reading;
        sim.record(
          figure as Exclude<SimulatedFigure, "balance">,
          deps.clock.now(),
          gap,
        );
        return base.read(signal, context);
      },
    });
  },
});
