/**
 * What a Kalshi source lists behind its realized P&L: each settlement,
 * closing fill and fee, in words, with a link to the market's series on
 * kalshi.com (a market ticker such as `KXHIGHNY-26DEC07-B45` belongs to
 * the series `KXHIGHNY`, whose page lists its markets).
 *
 * @module
 */
import type { KalshiNote } from "./kalshi_realized.ts";
import type { MovementWords } from "../ledger_movements.ts";

const WORDS: Readonly<Record<KalshiNote["kind"], string>> = {
  settled: "Settlement",
  close: "Closing fill",
  fee: "Fee",
  position: "Position change",
};

/**
 * A realized amount in words, with its market's page.
 *
 * @param note The note (none for a movement without one).
 * @returns The words.
 *
 * @example A settlement links to its series
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeKalshi } from "@/lib/sources/kalshi/kalshi_movements.ts";
 * const words = describeKalshi({ ticker: "KXHIGHNY-26DEC07-B45", kind: "settled" });
 * assert.equal(words.what, "Settlement");
 * assert.equal(words.url, "https://kalshi.com/markets/kxhighny");
 * ```
 */
export function describeKalshi(note: KalshiNote | undefined): MovementWords {
  if (!note) return { what: "Realized P&L" };
  const series = note.ticker.split("-")[0] ?? note.ticker;
  return {
    what: WORDS[note.kind],
    description: note.ticker,
    ref: note.ticker,
    ...(/^[A-Za-z0-9_.]+$/.test(series)
      ? { url: `https://kalshi.com/markets/${series.toLowerCase()}` }
      : {}),
  };
}
