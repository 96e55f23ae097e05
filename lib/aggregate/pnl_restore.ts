/**
 * Bringing a saved P&L state back: the reports it stands for (each
 * source's last figure, stale, from the tier it was loaded from) and, when
 * a period boundary passed while the server was down, the state rolled to
 * the current periods at once.
 *
 * @module
 */
import type { Reading } from "../sources/mod.ts";
import { PERIOD_NAMES, type ReportingCalendar } from "../time/mod.ts";
import {
  buildPnlState,
  type FigureOrigin,
  type PnlState,
  type SourceReport,
} from "./pnl_state.ts";

/**
 * The reports a persisted state stands for, so a restarted server shows
 * each source's last figure (stale, from `origin`) until it is read anew,
 * instead of blanking the sources not read yet.
 *
 * @param state A previously published state.
 * @param origin The tier it was loaded from.
 * @returns Reports by source id, for the sources that had a figure.
 *
 * @example A stored figure comes back stale
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPnlState, reportsOf } from "@/lib/aggregate/mod.ts";
 * const at = "2026-11-28T13:00:00.000Z";
 * const state = buildPnlState({
 *   r: { kind: "stripe", role: "revenue", status: "ok", origin: "live",
 *     reading: { source: "r", role: "revenue", amountMinor: 1000, currency: "USD", asOf: at } },
 * }, "USD");
 * assert.equal(reportsOf(state, "L3").r?.status, "stale");
 * assert.equal(reportsOf(state, "L3").r?.reading?.amountMinor, 1000);
 * ```
 */
export function reportsOf(
  state: PnlState,
  origin: FigureOrigin,
): Record<string, SourceReport> {
  const reports: Record<string, SourceReport> = {};
  for (const [id, s] of Object.entries(state.sources)) {
    const {
      amountMinor,
      currency,
      asOf,
      detail,
      label,
      lastSuccessAt,
      nature,
      periodsAt,
    } = s as Record<string, unknown>;
    const periods = periodsOf(state, id);
    if (
      !Number.isSafeInteger(amountMinor) || typeof currency !== "string" ||
      typeof asOf !== "string"
    ) continue;
    reports[id] = {
      kind: s.kind,
      role: s.role,
      status: "stale",
      origin,
      ...(typeof label === "string" ? { label } : {}),
      ...(typeof lastSuccessAt === "string" ? { lastSuccessAt } : {}),
      reading: {
        source: id,
        role: s.role,
        amountMinor: amountMinor as number,
        currency,
        asOf,
        ...(nature === "stock" ? { nature: "stock" as const } : {}),
        ...(periods && typeof periodsAt === "string"
          ? { periods, periodsAt }
          : {}),
        ...(typeof detail === "object" && detail !== null
          ? { detail: detail as Record<string, string | number | boolean> }
          : {}),
      },
    };
  }
  return reports;
}

/** One flow's amounts per period in a stored state, when it has them all. */
function periodsOf(
  state: PnlState,
  id: string,
): Reading["periods"] | undefined {
  const periods = (state as Record<string, unknown>).periods as
    | Record<string, { sources?: Record<string, Record<string, unknown>> }>
    | undefined;
  if (typeof periods !== "object" || periods === null) return undefined;
  const out: Record<string, { amountMinor: number; previousMinor: number }> =
    {};
  for (const name of PERIOD_NAMES) {
    const p = periods[name]?.sources?.[id];
    if (
      !p || !Number.isSafeInteger(p.amountMinor) ||
      !Number.isSafeInteger(p.previousMinor)
    ) return undefined;
    out[name] = {
      amountMinor: p.amountMinor as number,
      previousMinor: p.previousMinor as number,
    };
  }
  return out as Reading["periods"];
}

/**
 * A restored state as it stands now: when a period boundary passed while
 * the server was down, the periods are rebuilt at once from each source's
 * last reading (the periods that began since start at zero: nothing read
 * before them moved in them), instead of showing yesterday as today until
 * the first read.
 *
 * @param state A restored state (marked stale).
 * @param options The board's calendar and the time now.
 * @returns The state, rolled to the current periods when needed.
 *
 * @example A state saved yesterday shows today at zero
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPnlState, markStale, rollForward } from "@/lib/aggregate/mod.ts";
 * import { ReportingCalendar } from "@/lib/time/mod.ts";
 * const calendar = new ReportingCalendar();
 * const at = Date.parse("2026-12-01T23:00:00Z");
 * const flat = { amountMinor: 500, previousMinor: 0 };
 * const saved = markStale(buildPnlState({
 *   shop: { kind: "test", role: "revenue", status: "ok", origin: "live", reading: {
 *     source: "shop", role: "revenue", amountMinor: 500, currency: "USD",
 *     asOf: new Date(at).toISOString(), periodsAt: new Date(at).toISOString(),
 *     periods: { today: flat, wtd: flat, mtd: flat, qtd: flat, ytd: flat } } },
 * }, "USD", { calendar, at }), "L3");
 * const now = rollForward(saved, { calendar, at: Date.parse("2026-12-02T08:00:00Z") });
 * assert.equal(now.totals.revenueMinor, 0);
 * assert.equal(now.sources.shop?.status, "stale");
 * ```
 */
export function rollForward(
  state: PnlState,
  options: { calendar: ReportingCalendar; at: number },
): PnlState {
  const { calendar, at } = options;
  const periods = (state as Record<string, unknown>).periods as
    | Record<string, { from?: unknown }>
    | undefined;
  const today = new Date(calendar.period("today", at).from).toISOString();
  if (!periods || periods.today?.from === today) return state;
  const first = Object.values(state.sources)[0];
  const origin = first?.origin ?? "L3";
  const rebuilt = buildPnlState(reportsOf(state, origin), state.currency, {
    calendar,
    at,
  });
  // Sources that had no figure stay listed as they were.
  for (const [id, s] of Object.entries(state.sources)) {
    rebuilt.sources[id] ??= s;
  }
  return { ...rebuilt, stale: true };
}
