/**
 * A flow's movement listing over its ledger: each source says in words
 * what its noted movements are (and where the vendor shows them), and
 * the ledger's units become the flow's minor units in a way that keeps
 * the listing adding up to the flow's sum.
 *
 * @module
 */
import type { TimeWindow } from "../time/mod.ts";
import type { FlowLedger } from "./flow_ledger.ts";
import type {
  Movement,
  MovementList,
  MovementPage,
  MovementPosition,
} from "./source.ts";

/** What a listed movement says of itself, from the source's note. */
export interface MovementWords {
  /** What kind of movement, in words. */
  what: string;
  /** The upstream's description. */
  description?: string;
  /** The upstream's id. */
  ref?: string;
  /** The object in the vendor's dashboard. */
  url?: string;
}

/** How a listing turns ledger entries into movements. */
export interface LedgerMovementsOptions<N> {
  /** Words for a movement from its note (none for merged or synthetic parts). */
  describe: (note: N | undefined) => MovementWords;
  /**
   * Ledger units to the flow's minor units (Stripe's zero-decimal
   * exceptions, Kalshi's micro-dollars).
   * @default {identity}
   */
  convert?: (amount: number) => number;
}

/**
 * The `movements` of a flow's history, over its ledger.
 *
 * @param ledger The flow's ledger.
 * @param options Words for each movement, and the unit conversion.
 * @returns The listing function.
 *
 * @example Micro-dollars listed as cents still add up
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowLedger } from "@/lib/sources/flow_ledger.ts";
 * import { ledgerMovements } from "@/lib/sources/ledger_movements.ts";
 * const ledger = new FlowLedger<string>();
 * for (let i = 0; i < 3; i++) ledger.add(i, 3_333, `fill ${i}`);
 * const list = ledgerMovements(ledger, {
 *   describe: (note) => ({ what: note ?? "Other" }),
 *   convert: (micro) => Math.round(micro / 10_000),
 * });
 * const { items } = list({ from: 0, to: 3 }, { limit: 10 });
 * assert.equal(items.reduce((a, m) => a + m.amountMinor, 0), Math.round(9_999 / 10_000));
 * ```
 */
export function ledgerMovements<N>(
  ledger: FlowLedger<N>,
  options: LedgerMovementsOptions<N>,
): (window: TimeWindow, page: MovementPage) => MovementList {
  const { describe, convert = (amount: number) => amount } = options;
  return function movements(window, page): MovementList {
    const entries = ledger.list(window, page);
    const items = entries.map((e): Movement => {
      const runningMinor = convert(e.running);
      return {
        at: e.at,
        index: e.index,
        amountMinor: runningMinor - convert(e.running - e.amount),
        runningMinor,
        ...describe(e.note),
      };
    });
    return { items, count: ledger.count(window) };
  };
}

/**
 * A listing converted into another currency (a fixed rate): each
 * movement rounded as the difference of two converted running sums, so
 * the listing adds up to the converted sum.
 *
 * @param list The flow's listing in its own currency.
 * @param convert Its minor units to the board's.
 * @returns The converted listing.
 */
export function convertedMovements(
  list: (window: TimeWindow, page: MovementPage) => MovementList,
  convert: (amountMinor: number) => number,
): (window: TimeWindow, page: MovementPage) => MovementList {
  return function movements(window, page): MovementList {
    const { items, count } = list(window, page);
    return {
      count,
      items: items.map((m) => {
        const runningMinor = convert(m.runningMinor);
        return {
          ...m,
          amountMinor: runningMinor - convert(m.runningMinor - m.amountMinor),
          runningMinor,
        };
      }),
    };
  };
}

/** Whether a value is a listing position (from a client's cursor). */
export function isMovementPosition(value: unknown): value is MovementPosition {
  const v = value as Partial<MovementPosition> | null;
  return typeof v === "object" && v !== null &&
    Number.isSafeInteger(v.at) && Number.isSafeInteger(v.index) &&
    (v.index ?? -1) >= 0;
}
