/**
 * What the board says about figures it does not have: a source never read
 * (or whose figure was lost) makes the totals it feeds incomplete, never a
 * silent zero. Pure functions over the `pnl` state, shared by the server
 * render and the browser.
 */
import type { PnlSourceState } from "@/lib/aggregate/mod.ts";

/** A source whose figure the totals lack. */
export interface MissingFigure {
  /** The source id. */
  id: string;
  /** Which total it feeds. */
  role: string;
  /** Why, in words (the error summary), when known. */
  why?: string;
}

/**
 * The sources with no figure, in board order.
 *
 * @param sources The state's sources.
 * @returns Each one lacking an amount.
 */
export function missingFigures(
  sources: readonly [string, PnlSourceState][],
): MissingFigure[] {
  // A balance is not part of the totals, so its absence leaves none incomplete.
  return sources
    .filter(([, s]) =>
      typeof s.amountMinor !== "number" && s.nature !== "stock"
    )
    .map(([id, s]) => ({
      id,
      role: s.role,
      ...(typeof s.error === "string" ? { why: s.error } : {}),
    }));
}

/**
 * One sentence naming what is missing, for the banner: "Incomplete: no
 * figure from api-costs (expense: connection refused)".
 */
export function describeMissing(missing: readonly MissingFigure[]): string {
  return `Incomplete: no figure from ${
    missing.map((m) => `${m.id} (${m.role}${m.why ? `: ${m.why}` : ""})`)
      .join("; ")
  }. The totals leave it out until it is read.`;
}

/** The totals a role feeds: revenue, expenses or trading. */
export function totalOfRole(role: string): "revenue" | "expenses" | "trading" {
  return role === "revenue"
    ? "revenue"
    : role === "expense"
    ? "expenses"
    : "trading";
}
