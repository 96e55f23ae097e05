/**
 * A period's chart from the flows' own ledgers: the totals at evenly
 * spaced instants, each what moved since the period began, from every
 * flow's dated movements (Stripe's transactions, a webhook's increments,
 * the simulator's history). So a board draws its whole year the moment its
 * sources are read, not only what this server lived through. When any
 * flow keeps no ledger (or has not finished reading it), there is no such
 * series, and the recorded history answers instead.
 *
 * @module
 */
import type { HistoryPoint } from "../store/mod.ts";
import { ROLE_TOTAL } from "../protocol/mod.ts";
import type { FlowHistory, Source, SourceRole } from "../sources/mod.ts";

/** What a series spans. */
export interface LedgerSpan {
  /** Where the amounts count from (the period's start), epoch ms. */
  start: number;
  /** The first instant drawn (at or after `start`), epoch ms. */
  from: number;
  /** The last instant drawn (now, at most), epoch ms. */
  to: number;
  /** How many instants, 2 or more. */
  points: number;
  /**
   * The previous period, for a comparison line: each instant drawn also
   * gets the previous period's net as far into it (`previousNetMinor`),
   * up to the same point `to` (epoch ms).
   */
  previous?: { from: number; to: number };
}

/** A point of the totals, and the previous period's net as far into it. */
export type LedgerPoint = HistoryPoint & { previousNetMinor?: number };

/**
 * The board's totals over a span, from the flows' ledgers.
 *
 * @param sources The board's sources (stocks are left out: never summed).
 * @param currency The board's currency.
 * @param span What to draw.
 * @returns The points, oldest first; undefined when a flow has no ledger.
 *
 * @example Two flows, drawn from their ledgers
 * ```ts
 * import assert from "node:assert/strict";
 * import { ledgerHistory } from "@/lib/aggregate/ledger_history.ts";
 * import { FlowLedger } from "@/lib/sources/mod.ts";
 * const sales = new FlowLedger();
 * sales.add(1_000, 500);
 * const flow = (role: "revenue" | "expense", ledger: FlowLedger) => ({
 *   id: role, kind: "test", role, read: () => Promise.reject(new Error("unused")),
 *   flows: () => ({ currency: "USD", sum: (w: { from: number; to: number }) => ledger.sum(w) }),
 * });
 * const points = ledgerHistory([flow("revenue", sales), flow("expense", new FlowLedger())], "USD",
 *   { start: 0, from: 0, to: 2_000, points: 3 });
 * assert.deepEqual(points?.map((p) => p.netMinor), [0, 500, 500]);
 * ```
 */
export function ledgerHistory(
  sources: readonly Source[],
  currency: string,
  span: LedgerSpan,
): LedgerPoint[] | undefined {
  const flows: [SourceRole, FlowHistory][] = [];
  for (const source of sources) {
    if (source.nature === "stock") continue;
    const f = source.flows?.();
    if (!f || f.currency !== currency) return undefined;
    flows.push([source.role, f]);
  }
  const netBetween = (from: number, to: number) => {
    let net = 0;
    for (const [role, f] of flows) {
      const moved = f.sum({ from, to });
      net += role === "expense" ? -moved : moved;
    }
    return net;
  };
  const { previous } = span;
  return instants(span).map((at) => {
    const point: LedgerPoint = {
      at,
      netMinor: 0,
      revenueMinor: 0,
      expensesMinor: 0,
      tradingMinor: 0,
    };
    // [start, at]: a movement at the instant drawn counts in it.
    for (const [role, f] of flows) {
      point[ROLE_TOTAL[role]] += f.sum({ from: span.start, to: at + 1 });
    }
    point.netMinor = point.revenueMinor + point.tradingMinor -
      point.expensesMinor;
    if (previous) {
      // As far into the previous period as this instant is into this one.
      const into = Math.min(previous.from + (at - span.start), previous.to);
      point.previousNetMinor = netBetween(previous.from, into + 1);
    }
    return point;
  });
}

/**
 * One flow's amount over a span (its sparkline), from its ledger.
 *
 * @param source The source.
 * @param currency The board's currency.
 * @param span What to draw.
 * @returns The points (the amount in the net column); undefined when it
 *   keeps no ledger.
 */
export function ledgerSourceHistory(
  source: Source,
  currency: string,
  span: LedgerSpan,
): HistoryPoint[] | undefined {
  if (source.nature === "stock") return undefined;
  const f = source.flows?.();
  if (!f || f.currency !== currency) return undefined;
  return instants(span).map((at) => ({
    at,
    netMinor: f.sum({ from: span.start, to: at + 1 }),
    revenueMinor: 0,
    expensesMinor: 0,
    tradingMinor: 0,
  }));
}

/** `points` instants from `from` to `to`, both included. */
function instants({ from, to, points }: LedgerSpan): number[] {
  const n = Math.max(2, Math.floor(points));
  if (to <= from) return [to];
  const step = (to - from) / (n - 1);
  return Array.from(
    { length: n },
    (_, i) => i === n - 1 ? to : Math.floor(from + i * step),
  );
}
