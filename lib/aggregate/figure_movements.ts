/**
 * The movements behind a figure: one flow source's, or a total's (every
 * flow that enters it, newest first, each signed as it enters the total:
 * a cost lowers the net), paged with a cursor that stays put while new
 * movements arrive. Drawn from the same ledgers as the figures, so a
 * complete listing adds up to the figure for its window.
 *
 * @module
 */
import type { Movement, Source } from "../sources/mod.ts";
import type { TimeWindow } from "../time/mod.ts";

/** Which figure's movements: a total, or one source. */
export type FigureName = "revenue" | "expenses" | "trading" | "net";

/** The figure names, in the order the board shows them. */
export const FIGURE_NAMES: readonly FigureName[] = [
  "net",
  "revenue",
  "expenses",
  "trading",
];

/** A listed movement: a source's, as it enters the figure. */
export interface FigureMovement
  extends Omit<Movement, "runningMinor" | "index"> {
  /** The source it came from. */
  source: string;
}

/** What to list. */
export interface FigureMovementsQuery {
  /** A total's movements (every flow that enters it)... */
  figure?: FigureName;
  /** ...or one source's. */
  source?: string;
  /** The span, epoch ms. */
  window: TimeWindow;
  /** At most this many. */
  limit: number;
  /** Where the previous page ended (its `next`). */
  cursor?: string;
}

/** A page of a figure's movements. */
export interface FigureMovements {
  /** The movements' sum over the whole window, in the board's currency. */
  totalMinor: number;
  /** How many movements the window holds. */
  count: number;
  /**
   * Whether every flow in the figure lists its movements (a flow that
   * keeps none, or reads another currency without a rate, is left out
   * and named in `missing`).
   */
  complete: boolean;
  /** The flows left out. */
  missing: string[];
  /** Newest first. */
  items: FigureMovement[];
  /** The cursor of the next page; absent on the last. */
  next?: string;
}

/** A cursor that cannot be read (not from a previous page). */
export class MovementCursorError extends Error {
  /** The cursor as given. */
  readonly value: string;
  /** Creates the error. */
  constructor(value: string) {
    super(
      `cursor ${
        JSON.stringify(value.slice(0, 80))
      } is not one this server gave; pass the "next" of the previous page, or none for the newest`,
    );
    this.name = "MovementCursorError";
    this.value = value;
  }
}

/**
 * Lists the movements behind a figure.
 *
 * @param sources The board's sources, in the board's order.
 * @param currency The board's currency.
 * @param query What to list.
 * @returns The page.
 * @throws {MovementCursorError} For a cursor not from a previous page.
 *
 * @example A total is its sources' movements, newest first
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureMovements } from "@/lib/aggregate/figure_movements.ts";
 * import { FlowLedger } from "@/lib/sources/flow_ledger.ts";
 * import { ledgerMovements } from "@/lib/sources/ledger_movements.ts";
 * const flow = (id: string, role: "revenue" | "expense", at: number, amount: number) => {
 *   const ledger = new FlowLedger<string>();
 *   ledger.add(at, amount, id);
 *   const f = { currency: "USD", sum: (w: { from: number; to: number }) => ledger.sum(w),
 *     movements: ledgerMovements(ledger, { describe: (n) => ({ what: n ?? "" }) }) };
 *   return { id, kind: "test", role, flows: () => f, read: () => Promise.reject(new Error("unused")) };
 * };
 * const page = figureMovements([flow("sales", "revenue", 1, 500), flow("api", "expense", 2, 120)], "USD", {
 *   figure: "net", window: { from: 0, to: 10 }, limit: 10,
 * });
 * assert.deepEqual(page.items.map((m) => [m.source, m.amountMinor]), [["api", -120], ["sales", 500]]);
 * assert.equal(page.totalMinor, 380);
 * ```
 */
export function figureMovements(
  sources: readonly Source[],
  currency: string,
  query: FigureMovementsQuery,
): FigureMovements {
  const { window, limit } = query;
  const lists: {
    id: string;
    sign: number;
    list: NonNullable<ReturnType<typeof listOf>>;
  }[] = [];
  const missing: string[] = [];
  for (const source of sources) {
    if (source.nature === "stock") continue;
    const sign = query.source !== undefined
      ? (source.id === query.source ? 1 : 0)
      : signIn(query.figure ?? "net", source.role);
    if (sign === 0) continue;
    const list = listOf(source, currency);
    if (list) lists.push({ id: source.id, sign, list });
    else missing.push(source.id);
  }
  const after = query.cursor === undefined
    ? undefined
    : readCursor(query.cursor, lists.map((l) => l.id));
  let totalMinor = 0;
  let count = 0;
  const pages = lists.map(({ id, sign, list }, order) => {
    totalMinor += sign * list.sum(window);
    // Within one instant, sources come in the board's order.
    const from = after === undefined
      ? undefined
      : order < after.order
      ? { at: after.at, index: 0 }
      : order > after.order
      ? { at: after.at, index: Number.MAX_SAFE_INTEGER }
      : { at: after.at, index: after.index };
    const { items, count: n } = list.movements(window, {
      limit: limit + 1,
      ...(from ? { after: from } : {}),
    });
    count += n;
    return items.map((m) => ({ m, id, sign, order }));
  });
  const merged = pages.flat().sort((a, b) =>
    b.m.at - a.m.at || a.order - b.order || b.m.index - a.m.index
  );
  const shown = merged.slice(0, limit);
  const last = shown.at(-1);
  return {
    totalMinor,
    count,
    complete: missing.length === 0,
    missing,
    items: shown.map(({ m, id, sign }) => {
      const { runningMinor: _r, index: _i, ...rest } = m;
      return { ...rest, amountMinor: sign * m.amountMinor, source: id };
    }),
    ...(merged.length > limit && last
      ? { next: `${last.m.at}.${last.m.index}.${last.id}` }
      : {}),
  };
}

/** How a role enters a total: 1, -1, or not at all (0). */
function signIn(figure: FigureName, role: Source["role"]): number {
  if (figure === "net") return role === "expense" ? -1 : 1;
  const enters =
    { revenue: "revenue", expenses: "expense", trading: "trading" }[figure];
  return role === enters ? 1 : 0;
}

/** A flow's sums and listing in the board's currency, if it has both. */
function listOf(source: Source, currency: string) {
  const f = source.flows?.();
  if (!f || f.currency !== currency || !f.movements) return undefined;
  return { sum: f.sum.bind(f), movements: f.movements.bind(f) };
}

/** `<at>.<index>.<source id>` back into a place. */
function readCursor(
  value: string,
  ids: readonly string[],
): { at: number; index: number; order: number } {
  const m = /^(\d{1,16})\.(\d{1,9})\.(.{1,200})$/.exec(value);
  const order = m ? ids.indexOf(m[3]!) : -1;
  if (!m || order < 0 || !Number.isSafeInteger(Number(m[1]))) {
    throw new MovementCursorError(value);
  }
  return { at: Number(m[1]), index: Number(m[2]), order };
}
