/**
 * What the board shows for the chosen reporting period: its totals, its
 * bounds (derived in the board's zone), the comparison with the previous
 * period in words, and the names the switcher uses. Pure
 * functions over the `pnl` state, shared by the server render and the
 * browser.
 */
import {
  netOf,
  PERIOD_WORDS,
  type PeriodId,
  PERIODS,
  type PnlState,
  type RoleFigures,
} from "@/lib/protocol/mod.ts";
import type { PeriodWindow } from "@/lib/time/mod.ts";

export { type PeriodId, PERIODS };

/** Revenue, expenses, trading and net, minor units. */
export type Figures = RoleFigures;

/** One period as the board shows it. */
export interface PeriodView extends Figures {
  /** Where it begins and ends, ISO-8601 UTC. */
  from: string;
  to: string;
  /** The previous period to the same point. */
  previous: Figures;
  /** Each flow's amount in it, by source id. */
  sources: Record<string, number>;
  /** Flows counted whole (their kind cannot split by period). */
  unattributed: string[];
  /** Flows whose figures begin after the period's (or comparison's) start. */
  partial: string[];
}

/**
 * Reads a `?period=` value.
 *
 * @param value The query value.
 * @returns The period, today when absent or unknown.
 */
export function periodFrom(value: string | null | undefined): PeriodId {
  return PERIODS.find((p) => p.id === value)?.id ?? "today";
}

/**
 * The chosen period's figures.
 *
 * @param pnl The state.
 * @param period The period.
 * @param windows The periods' bounds (`periodWindows(pnl, now)`).
 */
export function periodView(
  pnl: PnlState,
  period: PeriodId,
  windows: Record<PeriodId, PeriodWindow>,
): PeriodView {
  const p = pnl.periods[period];
  const w = windows[period];
  const sources: Record<string, number> = {};
  for (const [id, s] of Object.entries(p.sources)) sources[id] = s.amountMinor;
  return {
    revenueMinor: p.revenueMinor,
    expensesMinor: p.expensesMinor,
    tradingMinor: p.tradingMinor,
    netMinor: p.netMinor,
    from: new Date(w.from).toISOString(),
    to: new Date(w.to).toISOString(),
    previous: { ...p.previous, netMinor: netOf(p.previous) },
    sources,
    unattributed: p.unattributed ?? [],
    partial: p.partial ?? [],
  };
}

/**
 * The change against the previous period in words: "+12 % vs yesterday at
 * this time", or "" when there is nothing to compare with.
 *
 * @param current This period's figure, minor units.
 * @param previous The previous period's to the same point.
 * @param period The period (for "yesterday", "last month").
 */
export function changeWords(
  current: number,
  previous: number | undefined,
  period: PeriodId,
  amount?: (minor: number) => string,
): string {
  const words = PERIOD_WORDS[period].previous;
  if (previous === undefined) return "";
  // The previous amount beside the percentage: "+12 % vs yesterday at
  // this time ($1,204.10)", so the reader need not work it out.
  const was = amount ? ` (${amount(previous)})` : "";
  if (previous === 0) {
    return current === 0 ? `the same as ${words}` : `nothing ${words}`;
  }
  const pct = Math.round((current - previous) / Math.abs(previous) * 100);
  if (Math.abs(pct) > 999) {
    return `${(current / previous).toFixed(0)}× ${words}${was}`;
  }
  return `${pct > 0 ? "+" : pct < 0 ? "−" : "±"}${
    Math.abs(pct)
  } % vs ${words}${was}`;
}

/**
 * Whether a change is good or bad news for that figure: more revenue,
 * trading P&L or net is good, more expenses is bad; no change is neither.
 *
 * @param current The figure now.
 * @param previous The previous period's to the same point.
 * @param upIsGood Whether a rise is good (false for expenses).
 */
export function changeTone(
  current: number,
  previous: number | undefined,
  upIsGood: boolean,
): "good" | "bad" | "flat" {
  if (previous === undefined || current === previous) return "flat";
  return (current > previous) === upIsGood ? "good" : "bad";
}

/** The period's name for a heading: "Today", "Month to date". */
export function periodTitle(period: PeriodId): string {
  return PERIOD_WORDS[period].title;
}
