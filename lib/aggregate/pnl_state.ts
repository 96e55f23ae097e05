/**
 * Builds the `pnl` topic's state from the latest reading of every source.
 *
 * @module
 */
import {
  type FigureOrigin,
  PNL_STATE_VERSION,
  type PnlState,
  type SourceState,
  type SourceStatus,
} from "../protocol/pnl_state.ts";
import { money, MoneyError } from "../money.ts";
import type { Reading, SourceRole } from "../sources/mod.ts";
import { ReportingCalendar } from "../time/mod.ts";
import { periodTotals } from "./period_totals.ts";

export type { FigureOrigin, PnlState, SourceState, SourceStatus };

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
   * The board's reporting calendar.
   * @default {new ReportingCalendar()} (UTC, weeks from Monday)
   */
  calendar?: ReportingCalendar;
  /**
   * The instant the periods stand at, epoch ms.
   * @default {Date.now()}
   */
  at?: number;
}

/**
 * Adds up every source's latest reading per period: net = revenue +
 * trading - expenses, all integers in minor units of one reporting
 * currency; a stock's balance stays on its source, never summed.
 *
 * @param reports Each source's report, by source id.
 * @param currency The reporting currency.
 * @param options The calendar and the instant.
 * @returns The `pnl` state.
 * @throws {PnlError} When a reading is in another currency or not an integer.
 *
 * @example Net P&L today
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPnlState } from "@/lib/aggregate/pnl_state.ts";
 * const at = "2026-11-28T13:00:00.000Z";
 * const state = buildPnlState({
 *   r: { kind: "simulator", role: "revenue", status: "ok", origin: "live",
 *     reading: { source: "r", role: "revenue", amountMinor: 1000, currency: "USD", asOf: at } },
 *   c: { kind: "simulator", role: "expense", status: "ok", origin: "live",
 *     reading: { source: "c", role: "expense", amountMinor: 300, currency: "USD", asOf: at } },
 * }, "USD", { at: Date.parse(at) });
 * assert.equal(state.periods.today.netMinor, 700);
 * ```
 */
export function buildPnlState(
  reports: Record<string, SourceReport>,
  currency: string,
  options: BuildPnlOptions = {},
): PnlState {
  const { calendar = new ReportingCalendar(), at = Date.now() } = options;
  const sources: Record<string, SourceState> = {};
  const readings: Record<string, Reading> = {};
  let stale = false;
  for (const [id, report] of Object.entries(reports)) {
    const { reading } = report;
    if (report.status !== "ok") stale = true;
    const source: SourceState = {
      kind: report.kind,
      role: reading?.role ?? report.role,
      status: report.status,
      origin: report.origin,
    };
    const { error, label, lastSuccessAt, failingSince, nextReadAt } = report;
    if (error) source.error = error;
    if (label) source.label = label;
    if (lastSuccessAt) source.lastSuccessAt = lastSuccessAt;
    if (failingSince) source.failingSince = failingSince;
    if (nextReadAt) source.nextReadAt = nextReadAt;
    if (report.everyMs !== undefined) source.everyMs = report.everyMs;
    if (report.sync) source.sync = { ...report.sync };
    sources[id] = source;
    if (!reading) continue;
    checkReading(id, reading, currency);
    readings[id] = reading;
    source.nature = reading.nature ?? "flow";
    source.asOf = reading.asOf;
    // A flow's amounts live in the periods; a stock's balance on it.
    if (reading.nature === "stock") source.amountMinor = reading.amountMinor;
    if (reading.detail) source.detail = { ...reading.detail };
  }
  return {
    version: PNL_STATE_VERSION,
    currency,
    timezone: calendar.timeZone,
    weekStart: calendar.weekStart,
    date: calendar.dateOf(at),
    stale,
    periods: periodTotals(readings, calendar, at).periods,
    sources,
  };
}

/** Refuses a reading that is not whole minor units of the board's currency. */
function checkReading(id: string, reading: Reading, currency: string): void {
  try {
    money(reading.amountMinor, reading.currency);
    for (const p of Object.values(reading.periods ?? {})) {
      money(p.amountMinor, reading.currency);
      money(p.previousMinor, reading.currency);
    }
    if (reading.currency !== currency) {
      throw new MoneyError(`it reports ${reading.currency}`);
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
  const sources: Record<string, SourceState> = {};
  for (const [id, s] of Object.entries(state.sources)) {
    sources[id] = { ...s, status: "stale", origin };
  }
  return { ...state, stale: true, sources };
}

export { isPnlState } from "../protocol/pnl_state.ts";
