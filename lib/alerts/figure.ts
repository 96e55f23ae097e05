/**
 * What a rule watches, read from the P&L state as the board shows it: a
 * period total, a source's figure in a period (a flow) or its balance (a
 * stock), or a source's status; and the words that name it.
 *
 * @module
 */
import { formatMoney } from "../money.ts";
import {
  isPnlState,
  PERIOD_WORDS,
  sourceAmount,
  type StateCalendar,
} from "../protocol/mod.ts";
import type { AlertRule } from "./rule.ts";

/** A figure as it stands, and the period it belongs to. */
export interface FigureReading {
  /** Integer minor units of the board's currency. */
  valueMinor: number;
  /** When the figure's period began (ISO), for a period's figure. */
  periodFrom?: string;
}

/**
 * Reads the figure a rule watches.
 *
 * @param state The P&L state.
 * @param rule The rule.
 * @param calendars Reads the period's start from the state (kept by the
 *   caller across states, since building a calendar is slow).
 * @returns The figure, or undefined when the state has none (no data).
 */
export function readFigure(
  state: unknown,
  rule: AlertRule,
  calendars: StateCalendar,
): FigureReading | undefined {
  if (!isPnlState(state)) return undefined;
  const periodFrom = () =>
    new Date(calendars.start(state, rule.period)).toISOString();
  if (rule.figure) {
    const value = state.periods[rule.period][`${rule.figure}Minor`];
    return { valueMinor: value, periodFrom: periodFrom() };
  }
  const value = sourceAmount(state, rule.source!, rule.period);
  if (value === undefined) return undefined;
  return state.sources[rule.source!]?.nature === "stock"
    ? { valueMinor: value }
    : { valueMinor: value, periodFrom: periodFrom() };
}

/** The P&L total each figure adds up, by the roles of the sources in it. */
const FIGURE_ROLES: Record<string, readonly string[]> = {
  net: ["revenue", "expense", "trading"],
  revenue: ["revenue"],
  expenses: ["expense"],
  trading: ["trading"],
};

/**
 * The sources a rule's judgement depends on: its own source, or every
 * source whose role feeds the total it watches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ruleSources } from "@/lib/alerts/figure.ts";
 * const sources = [
 *   { id: "shop", role: "revenue" },
 *   { id: "claude", role: "expense" },
 * ];
 * assert.deepEqual(ruleSources({ figure: "revenue" }, sources), ["shop"]);
 * assert.deepEqual(ruleSources({ figure: "net" }, sources), ["shop", "claude"]);
 * assert.deepEqual(ruleSources({ source: "claude" }, sources), ["claude"]);
 * ```
 */
export function ruleSources(
  rule: Pick<AlertRule, "figure" | "source">,
  sources: readonly { id: string; role: string }[],
): string[] {
  if (rule.source !== undefined) return [rule.source];
  const roles = FIGURE_ROLES[rule.figure ?? ""] ?? [];
  return sources.filter((s) => roles.includes(s.role)).map((s) => s.id);
}

/** A source's status in the state, or undefined when it is not there. */
export function readStatus(state: unknown, source: string): string | undefined {
  return isPnlState(state) ? state.sources[source]?.status : undefined;
}

/**
 * Names what a rule watches, for people: "Net today", "claude this month".
 */
export function figureName(rule: AlertRule): string {
  const what = rule.figure
    ? rule.figure[0]!.toUpperCase() + rule.figure.slice(1)
    : rule.source!;
  return rule.condition.kind === "status"
    ? `Source ${what}`
    : `${what} ${PERIOD_WORDS[rule.period].current}`;
}

/**
 * The condition in words: "below -$500.00", "up more than 20 % in 1 h",
 * "stale or error".
 */
export function conditionWords(rule: AlertRule, currency: string): string {
  const c = rule.condition;
  const money = (minor: number) => formatMoney(minor, currency);
  switch (c.kind) {
    case "threshold":
      return [
        c.aboveMinor !== undefined ? `above ${money(c.aboveMinor)}` : "",
        c.belowMinor !== undefined ? `below ${money(c.belowMinor)}` : "",
      ].filter(Boolean).join(" or ");
    case "change": {
      const amount = (v: number) => c.percent ? `${v} %` : money(v);
      const window = durationWords(c.windowMs);
      return [
        c.above !== undefined ? `changed by more than ${amount(c.above)}` : "",
        c.below !== undefined ? `changed by less than ${amount(c.below)}` : "",
      ].filter(Boolean).join(" or ") + ` in ${window}`;
    }
    case "status":
      return listWords(c.statuses.map(statusWord));
  }
}

/**
 * A source's status as a finance person says it: `open` is "paused after
 * repeated failures", `error` is "failing".
 */
export function statusWord(status: string): string {
  return ({
    ok: "ok",
    stale: "stale",
    error: "failing",
    open: "paused after repeated failures",
    syncing: "syncing",
  } as Record<string, string>)[status] ?? status;
}

/**
 * What a firing rule says on the board and in its notification: "Net
 * today is -$11.24, below -$500.00"; "Source stripe is stale" (and, once
 * it recovers while the alert waits to resolve, "Source stripe is ok
 * again").
 *
 * @param rule The rule.
 * @param shown Its figure or status now, in words.
 * @param currency The board's currency.
 */
export function alertSummary(
  rule: AlertRule,
  shown: string,
  currency: string,
): string {
  const name = figureName(rule);
  const c = rule.condition;
  if (c.kind !== "status") {
    return `${name} is ${shown}, ${conditionWords(rule, currency)}`;
  }
  return c.statuses.includes(shown as never)
    ? `${name} is ${statusWord(shown)}`
    : `${name} is ${statusWord(shown)} again`;
}

/** `["a", "b", "c"]` as "a, b or c". */
function listWords(words: readonly string[]): string {
  return words.length <= 1
    ? words.join("")
    : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}

/** A duration in the largest whole unit: "90 s", "15 min", "4 h", "2 d". */
export function durationWords(ms: number): string {
  for (
    const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], [
      "min",
      60_000,
    ], ["s", 1000]] as const
  ) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}
