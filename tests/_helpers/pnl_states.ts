/**
 * Whole `pnl` states (version 2) from the few figures a test cares about,
 * so a test of alerts or the board states only what it means.
 */
import {
  PERIOD_IDS,
  type PeriodFigures,
  type PeriodId,
  PNL_STATE_VERSION,
  type PnlState,
  type RoleFigures,
  type SourceState,
} from "@/lib/protocol/mod.ts";

/** A source as a test gives it: its fields, and a flow's amount per period. */
export type TestSource = Partial<SourceState> & {
  /** A flow's amount in each period given (others 0). */
  amounts?: Partial<Record<PeriodId, number>>;
};

/** What a test state holds. */
export interface TestStateOptions {
  /** The state's local date. @default {"2026-12-01"} */
  date?: string;
  /** @default {"UTC"} */
  timezone?: string;
  /** @default {"USD"} */
  currency?: string;
  /** Figures per period (others 0); netMinor is taken as given. */
  periods?: Partial<Record<PeriodId, Partial<RoleFigures>>>;
  /** Sources by id. */
  sources?: Record<string, TestSource>;
}

const ZERO: RoleFigures = {
  revenueMinor: 0,
  expensesMinor: 0,
  tradingMinor: 0,
  netMinor: 0,
};

/**
 * A version-2 `pnl` state.
 *
 * @param options The figures that matter.
 * @returns The whole state.
 */
export function testPnlState(options: TestStateOptions = {}): PnlState {
  const {
    date = "2026-12-01",
    timezone = "UTC",
    currency = "USD",
    sources = {},
  } = options;
  const periods = {} as Record<PeriodId, PeriodFigures>;
  for (const id of PERIOD_IDS) {
    periods[id] = {
      ...ZERO,
      ...options.periods?.[id],
      previous: { ...ZERO },
      sources: {},
    };
  }
  const states: Record<string, SourceState> = {};
  for (const [id, { amounts, ...s }] of Object.entries(sources)) {
    states[id] = {
      kind: "test",
      role: "revenue",
      status: "ok",
      origin: "live",
      nature: "flow",
      asOf: `${date}T00:00:00.000Z`,
      ...s,
    };
    if (states[id].nature === "stock") continue;
    for (const p of PERIOD_IDS) {
      periods[p].sources[id] = {
        amountMinor: amounts?.[p] ?? 0,
        previousMinor: 0,
      };
    }
  }
  return {
    version: PNL_STATE_VERSION,
    currency,
    timezone,
    weekStart: "monday",
    date,
    stale: Object.values(states).some((s) => s.status !== "ok"),
    periods,
    sources: states,
  };
}
