/**
 * Builds the `pnl` topic's state from the latest reading of every source.
 *
 * @module
 */
import type { JsonObject } from "../stream/json.ts";
import type { Reading, SourceRole } from "../sources/source.ts";

/**
 * How fresh a source's figure is: `ok` current; `stale` the last good
 * figure after a failed read; `error` no figure yet; `open` its circuit
 * breaker is open (the upstream is failing; reads wait for the cooldown).
 */
export type SourceStatus = "ok" | "stale" | "error" | "open";

/** Where a source's figure came from: a live read, or a cache tier. */
export type FigureOrigin = "live" | "L1" | "L2" | "L3" | "L4";

/** One source's contribution to the P&L. */
export interface SourceReport {
  /** The source's kind, for display. */
  kind: string;
  /** The latest reading, if there ever was one. */
  reading?: Reading;
  /** Whether the reading is current. */
  status: SourceStatus;
  /** Where the reading came from. */
  origin: FigureOrigin;
  /** A sentence for people when the last read failed; no secrets. */
  error?: string;
}

/** The P&L state as published on topic `pnl`. Integers in minor units. */
export interface PnlState extends JsonObject {
  currency: string;
  stale: boolean;
  totals: {
    revenueMinor: number;
    expensesMinor: number;
    tradingMinor: number;
    netMinor: number;
  };
  sources: Record<string, PnlSourceState>;
}

/** One source as it appears in {@linkcode PnlState}. */
export interface PnlSourceState extends JsonObject {
  kind: string;
  role: SourceRole;
  status: SourceStatus;
  origin: FigureOrigin;
}

/** A P&L that cannot be built, with the reason. */
export class PnlError extends Error {
  /** The source at fault. */
  readonly source: string;
  /** Creates the error. */
  constructor(source: string, message: string) {
    super(message);
    this.name = "PnlError";
    this.source = source;
  }
}

/**
 * Totals every source's latest reading: net = revenue + trading - expenses,
 * all integers in minor units of one reporting currency.
 *
 * @param reports Each source's report, by source id.
 * @param currency The reporting currency.
 * @returns The `pnl` state.
 * @throws {PnlError} When a reading is in another currency or not an integer.
 *
 * @example Net P&L
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPnlState } from "@/lib/aggregate/pnl_state.ts";
 * const at = "2026-11-28T13:00:00.000Z";
 * const state = buildPnlState({
 *   r: { kind: "simulator", status: "ok", origin: "live",
 *     reading: { source: "r", role: "revenue", amountMinor: 1000, currency: "USD", asOf: at } },
 *   c: { kind: "simulator", status: "ok", origin: "live",
 *     reading: { source: "c", role: "expense", amountMinor: 300, currency: "USD", asOf: at } },
 * }, "USD");
 * assert.equal(state.totals.netMinor, 700);
 * ```
 */
export function buildPnlState(
  reports: Record<string, SourceReport>,
  currency: string,
): PnlState {
  const totals = {
    revenueMinor: 0,
    expensesMinor: 0,
    tradingMinor: 0,
    netMinor: 0,
  };
  const sources: Record<string, PnlSourceState> = {};
  let stale = false;
  for (const [id, report] of Object.entries(reports)) {
    const { reading } = report;
    if (report.status !== "ok") stale = true;
    if (!reading) {
      sources[id] = {
        kind: report.kind,
        role: "revenue",
        status: report.status,
        origin: report.origin,
        ...(report.error ? { error: report.error } : {}),
      };
      continue;
    }
    if (reading.currency !== currency) {
      throw new PnlError(
        id,
        `source ${id} reports ${reading.currency} but the reporting currency is ${currency}`,
      );
    }
    if (!Number.isSafeInteger(reading.amountMinor)) {
      throw new PnlError(
        id,
        `source ${id} reported ${reading.amountMinor}, not an integer of minor units`,
      );
    }
    if (reading.role === "revenue") totals.revenueMinor += reading.amountMinor;
    else if (reading.role === "expense") {
      totals.expensesMinor += reading.amountMinor;
    } else totals.tradingMinor += reading.amountMinor;
    sources[id] = {
      kind: report.kind,
      role: reading.role,
      amountMinor: reading.amountMinor,
      currency: reading.currency,
      asOf: reading.asOf,
      status: report.status,
      origin: report.origin,
      ...(report.error ? { error: report.error } : {}),
    };
  }
  totals.netMinor = totals.revenueMinor + totals.tradingMinor -
    totals.expensesMinor;
  return { currency, stale, totals, sources };
}

/**
 * Marks every source of a persisted state as stale and coming from `origin`,
 * for a restart that shows the last figures before fresh data arrives.
 *
 * @param state A previously published state.
 * @param origin The tier it was loaded from.
 * @returns A copy marked stale.
 */
export function markStale(state: PnlState, origin: FigureOrigin): PnlState {
  const sources: Record<string, PnlSourceState> = {};
  for (const [id, s] of Object.entries(state.sources)) {
    sources[id] = { ...s, status: "stale", origin };
  }
  return { ...state, stale: true, sources };
}

/**
 * Checks that a value read back from storage has the shape of a `pnl` state.
 *
 * @param value The parsed JSON.
 * @returns Whether it can be shown as a P&L.
 */
export function isPnlState(value: unknown): value is PnlState {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const t = v.totals as Record<string, unknown> | undefined;
  return typeof v.currency === "string" && typeof v.stale === "boolean" &&
    typeof t === "object" && t !== null &&
    ["revenueMinor", "expensesMinor", "tradingMinor", "netMinor"].every((k) =>
      Number.isSafeInteger(t[k])
    ) &&
    typeof v.sources === "object" && v.sources !== null;
}
