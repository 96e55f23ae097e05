/**
 * What the board shows for the chosen reporting period: its totals (or,
 * from a server without periods, the plain totals), the comparison with
 * the previous period in words, and the names the switcher uses. Pure
 * functions over the `pnl` state, shared by the server render and the
 * browser.
 */
import type { PnlState } from "@/lib/aggregate/mod.ts";

/** The periods, in switcher order. */
export const PERIODS = [
  { id: "today", label: "Today", previous: "yesterday at this time" },
  { id: "wtd", label: "Week", previous: "last week at this point" },
  { id: "mtd", label: "Month", previous: "last month at this point" },
  { id: "qtd", label: "Quarter", previous: "last quarter at this point" },
  { id: "ytd", label: "Year", previous: "last year at this point" },
] as const;

/** A period's id: today, wtd, mtd, qtd or ytd. */
export type PeriodId = (typeof PERIODS)[number]["id"];

/** Revenue, expenses, trading and net, minor units. */
export interface Figures {
  revenueMinor: number;
  expensesMinor: number;
  tradingMinor: number;
  netMinor: number;
}

/** One period as the board shows it. */
export interface PeriodView extends Figures {
  /** Where it begins and ends, ISO (absent from a server without periods). */
  from?: string;
  to?: string;
  /** The previous period to the same point, when known. */
  previous?: Figures;
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
  return PERIODS.some((p) => p.id === value) ? value as PeriodId : "today";
}

/**
 * The chosen period's figures.
 *
 * @param pnl The state.
 * @param period The period.
 */
export function periodView(pnl: PnlState, period: PeriodId): PeriodView {
  const all = (pnl as Record<string, unknown>).periods as
    | Record<string, Record<string, unknown>>
    | undefined;
  const p = all?.[period];
  if (!p) {
    return { ...pnl.totals, sources: {}, unattributed: [], partial: [] };
  }
  const num = (o: Record<string, unknown> | undefined, k: string) =>
    typeof o?.[k] === "number" ? o[k] as number : 0;
  const figures = (o: Record<string, unknown> | undefined): Figures => ({
    revenueMinor: num(o, "revenueMinor"),
    expensesMinor: num(o, "expensesMinor"),
    tradingMinor: num(o, "tradingMinor"),
    netMinor: num(o, "netMinor"),
  });
  const sources: Record<string, number> = {};
  for (
    const [id, s] of Object.entries(
      (p.sources ?? {}) as Record<string, Record<string, unknown>>,
    )
  ) {
    sources[id] = num(s, "amountMinor");
  }
  const list = (v: unknown) =>
    Array.isArray(v) ? v.filter((x) => typeof x === "string") : [];
  return {
    ...figures(p),
    from: typeof p.from === "string" ? p.from : undefined,
    to: typeof p.to === "string" ? p.to : undefined,
    previous: p.previous
      ? figures(p.previous as Record<string, unknown>)
      : undefined,
    sources,
    unattributed: list(p.unattributed),
    partial: list(p.partial),
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
): string {
  const words = PERIODS.find((p) => p.id === period)!.previous;
  if (previous === undefined) return "";
  if (previous === 0) {
    return current === 0 ? `the same as ${words}` : `nothing ${words}`;
  }
  const pct = Math.round((current - previous) / Math.abs(previous) * 100);
  if (Math.abs(pct) > 999) {
    return `${(current / previous).toFixed(0)}× ${words}`;
  }
  return `${pct > 0 ? "+" : pct < 0 ? "−" : "±"}${Math.abs(pct)} % vs ${words}`;
}

/** The period's name for a heading: "Today", "Month to date". */
export function periodTitle(period: PeriodId): string {
  return {
    today: "Today",
    wtd: "Week to date",
    mtd: "Month to date",
    qtd: "Quarter to date",
    ytd: "Year to date",
  }[period];
}
