/**
 * Builds the `pnl` topic's state from the latest reading of every source.
 *
 * @module
 */
import type { JsonObject } from "../protocol/mod.ts";
import {
  addMoney,
  type Money,
  money,
  MoneyError,
  subtractMoney,
} from "../money.ts";
import type { Reading, SourceRole } from "../sources/mod.ts";
import type { ReportingCalendar } from "../time/mod.ts";
import { periodTotals } from "./period_totals.ts";

/**
 * How fresh a source's figure is: `ok` current; `stale` the last good
 * figure after a failed read; `error` no figure yet; `open` its circuit
 * breaker is open (the upstream is failing; reads wait for the cooldown);
 * `syncing` a first sync is under way (the figure is what was read so far).
 */
export type SourceStatus = "ok" | "stale" | "error" | "open" | "syncing";

/** Where a source's figure came from: a live read, or a cache tier. */
export type FigureOrigin = "live" | "L1" | "L2" | "L3" | "L4";

/** One source's contribution to the P&L. */
export interface SourceReport {
  /** The source's kind, for display. */
  kind: string;
  /** How the source's amount enters the P&L. */
  role: SourceRole;
  /** The latest reading, if there ever was one. */
  reading?: Reading;
  /** Whether the reading is current. */
  status: SourceStatus;
  /** Where the reading came from. */
  origin: FigureOrigin;
  /** A sentence for people when the last read failed; no secrets. */
  error?: string;
  /** The name the board shows, when the sources file gives one. */
  label?: string;
  /**
   * While failing: when a read last succeeded (ISO-8601 UTC), if one did
   * since this server started or its state was restored.
   */
  lastSuccessAt?: string;
  /** While failing: when the current run of failures began (ISO-8601 UTC). */
  failingSince?: string;
  /** While failing: when the next attempt is due (ISO-8601 UTC). */
  nextReadAt?: string;
  /** How often it is read, ms (its poll interval). */
  everyMs?: number;
  /** While syncing: pages and items read so far. */
  sync?: { pages: number; items: number; estimatedPages?: number };
}

/** The optional fields a report and its state share, copied as they are. */
const CARRIED = [
  "error",
  "label",
  "lastSuccessAt",
  "failingSince",
  "nextReadAt",
  "everyMs",
  "sync",
] as const;

/**
 * The P&L state as published on topic `pnl`. Integers in minor units.
 * With a reporting calendar it also has `timezone`, `periods` (today,
 * wtd, mtd, qtd, ytd) and `balances`, and `totals` are today's.
 */
export interface PnlState extends JsonObject {
  currency: string;
  stale: boolean;
  // With a calendar, also: timezone (IANA name), periods (PeriodState by
  // name: today, wtd, mtd, qtd, ytd) and balances (BalanceState by id).
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
  // Also, once known: amountMinor (integer), currency, asOf (ISO-8601 UTC),
  // detail (a few labelled figures behind the amount, such as a Kalshi
  // balance), label (its display name), everyMs (its poll interval),
  // nature ("flow" or "stock"), periodsAt (when a flow's periods were
  // evaluated) and a flow's periods ({amountMinor, previousMinor} by
  // period name, as in each period's sources); and
  // while failing: error (words),
  // lastSuccessAt, failingSince and nextReadAt (ISO-8601 UTC).
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

/** Options for {@linkcode buildPnlState}. */
export interface BuildPnlOptions {
  /**
   * The board's reporting calendar: with it, the state has periods and
   * balances, and totals are today's.
   */
  calendar?: ReportingCalendar;
  /** The instant the periods stand at, epoch ms (required with a calendar). */
  at?: number;
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
 *   r: { kind: "simulator", role: "revenue", status: "ok", origin: "live",
 *     reading: { source: "r", role: "revenue", amountMinor: 1000, currency: "USD", asOf: at } },
 *   c: { kind: "simulator", role: "expense", status: "ok", origin: "live",
 *     reading: { source: "c", role: "expense", amountMinor: 300, currency: "USD", asOf: at } },
 * }, "USD");
 * assert.equal(state.totals.netMinor, 700);
 * ```
 */
export function buildPnlState(
  reports: Record<string, SourceReport>,
  currency: string,
  options: BuildPnlOptions = {},
): PnlState {
  const { calendar, at } = options;
  const zero = money(0, currency);
  const sums: Record<SourceRole, Money> = {
    revenue: zero,
    expense: zero,
    trading: zero,
  };
  const sources: Record<string, PnlSourceState> = {};
  const readings: Record<string, Reading> = {};
  let stale = false;
  for (const [id, report] of Object.entries(reports)) {
    const { reading } = report;
    if (report.status !== "ok") stale = true;
    const common: PnlSourceState = {
      kind: report.kind,
      role: report.role,
      status: report.status,
      origin: report.origin,
    };
    for (const key of CARRIED) {
      const value = report[key];
      if (value !== undefined && value !== "") common[key] = value;
    }
    if (!reading) {
      sources[id] = common;
      continue;
    }
    try {
      const amount = money(reading.amountMinor, reading.currency);
      for (const p of Object.values(reading.periods ?? {})) {
        money(p.amountMinor, reading.currency);
        money(p.previousMinor, reading.currency);
      }
      if (reading.currency !== currency) {
        throw new MoneyError(`it reports ${reading.currency}`);
      }
      // A balance is never part of the P&L.
      if (reading.nature !== "stock") {
        sums[reading.role] = addMoney(sums[reading.role], amount);
      }
    } catch (cause) {
      if (!(cause instanceof MoneyError) && !(cause instanceof RangeError)) {
        throw cause;
      }
      throw new PnlError(
        id,
        `source ${id}: ${cause.message}${
          reading.currency !== currency
            ? ` (the reporting currency is ${currency})`
            : ""
        }`,
      );
    }
    readings[id] = reading;
    sources[id] = {
      ...common,
      role: reading.role,
      nature: reading.nature ?? "flow",
      amountMinor: reading.amountMinor,
      currency: reading.currency,
      asOf: reading.asOf,
      ...(reading.periodsAt ? { periodsAt: reading.periodsAt } : {}),
      ...(reading.detail ? { detail: { ...reading.detail } } : {}),
    };
  }
  if (calendar) {
    const byPeriod = periodTotals(readings, calendar, at ?? Date.now());
    // A flow's figure on the board is what it moved today; its amounts in
    // every period are also with the source, for clients that read by it.
    for (const [id, amountMinor] of Object.entries(byPeriod.today)) {
      const own: Record<
        string,
        { amountMinor: number; previousMinor: number }
      > = {};
      for (const [name, p] of Object.entries(byPeriod.periods)) {
        own[name] = p.sources[id]!;
      }
      sources[id]!.amountMinor = amountMinor;
      sources[id]!.periods = own;
    }
    const { revenueMinor, expensesMinor, tradingMinor, netMinor } =
      byPeriod.periods.today;
    return {
      currency,
      stale,
      timezone: calendar.timeZone,
      totals: { revenueMinor, expensesMinor, tradingMinor, netMinor },
      periods: byPeriod.periods,
      balances: byPeriod.balances,
      sources,
    };
  }
  const net = subtractMoney(addMoney(sums.revenue, sums.trading), sums.expense);
  return {
    currency,
    stale,
    totals: {
      revenueMinor: sums.revenue.amountMinor,
      expensesMinor: sums.expense.amountMinor,
      tradingMinor: sums.trading.amountMinor,
      netMinor: net.amountMinor,
    },
    sources,
  };
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
