/**
 * What the board says about figures it does not have: a source never read
 * (or whose figure was lost) makes the totals it feeds incomplete, never a
 * silent zero. Pure functions over the `pnl` state, shared by the server
 * render and the browser.
 */
import type { SourceState } from "@/lib/protocol/mod.ts";

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
  sources: readonly [string, SourceState][],
): MissingFigure[] {
  // A source never read (no asOf) leaves the totals its role feeds
  // incomplete; a balance that was read is not part of them.
  return sources
    .filter(([, s]) => s.asOf === undefined)
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
