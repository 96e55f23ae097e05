/**
 * Bringing a saved P&L state back: the reports it stands for (each
 * source's last figure, stale, from the tier it was loaded from) and, when
 * a period boundary passed while the server was down, the state rolled to
 * the current periods at once.
 *
 * @module
 */
import type { Reading } from "../sources/mod.ts";
import type { RestoredPnl } from "./pnl_recorder.ts";
import { PERIOD_NAMES, ReportingCalendar } from "../time/mod.ts";
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
 * }, "USD", { at: Date.parse(at) });
 * assert.equal(reportsOf(state, "L3").r?.status, "stale");
 * assert.equal(reportsOf(state, "L3").r?.reading?.amountMinor, 1000);
 * ```
 */
export function reportsOf(
  state: PnlState,
  origin: FigureOrigin,
): Record<string, SourceReport> {
  const reports: Record<string, SourceReport> = {};
  // The figures stand for the periods of the state's date.
  const periodsAt = new Date(
    new ReportingCalendar({
      timeZone: state.timezone,
      weekStart: state.weekStart,
    }).startOf(state.date),
  ).toISOString();
  for (const [id, s] of Object.entries(state.sources)) {
    const stock = s.nature === "stock";
    const periods = stock ? undefined : periodsOf(state, id);
    const amountMinor = stock ? s.amountMinor : periods?.today.amountMinor;
    if (amountMinor === undefined || s.asOf === undefined) continue;
    reports[id] = {
      kind: s.kind,
      role: s.role,
      status: "stale",
      origin,
      ...(s.label !== undefined ? { label: s.label } : {}),
      ...(s.lastSuccessAt !== undefined
        ? { lastSuccessAt: s.lastSuccessAt }
        : {}),
      reading: {
        source: id,
        role: s.role,
        amountMinor,
        currency: state.currency,
        asOf: s.asOf,
        ...(stock ? { nature: "stock" as const } : {}),
        ...(periods
          ? unattributed(state, id) ? {} : { periods, periodsAt }
          : {}),
        ...(s.detail ? { detail: { ...s.detail } } : {}),
      },
    };
  }
  return reports;
}

/** Whether a flow's kind could not split its figure by period. */
function unattributed(state: PnlState, id: string): boolean {
  return state.periods.today.unattributed?.includes(id) ?? false;
}

/** One flow's amounts per period in a stored state, when it has them all. */
function periodsOf(
  state: PnlState,
  id: string,
): NonNullable<Reading["periods"]> | undefined {
  const out: Record<string, { amountMinor: number; previousMinor: number }> =
    {};
  for (const name of PERIOD_NAMES) {
    const p = state.periods[name]?.sources[id];
    if (!p) return undefined;
    out[name] = { amountMinor: p.amountMinor, previousMinor: p.previousMinor };
  }
  return out as NonNullable<Reading["periods"]>;
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
 * assert.equal(now.periods.today.revenueMinor, 0);
 * assert.equal(now.sources.shop?.status, "stale");
 * ```
 */
export function rollForward(
  state: PnlState,
  options: { calendar: ReportingCalendar; at: number },
): PnlState {
  const { calendar, at } = options;
  if (state.date === calendar.dateOf(at)) return state;
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

/** What a start shows first, from what was restored. */
export interface StartingPnl {
  /** The state the hub starts from: restored and rolled to now, or empty. */
  state: PnlState;
  /**
   * A source's last figure, to seed a pushed source: only within the day
   * it belongs to (a flow's figure is today's).
   */
  lastKnown: (sourceId: string) => number | undefined;
}

/**
 * The state a start shows first: the restored one (stale, from L3), rolled
 * to the current periods when a boundary passed while the server was
 * down; else an empty board.
 *
 * @param restored What the recorder restored, if anything.
 * @param options The board's calendar and currency, and the time now.
 * @returns The first state and each source's last figure.
 *
 * @example A first start shows an empty board
 * ```ts
 * import assert from "node:assert/strict";
 * import { startingPnl } from "@/lib/aggregate/mod.ts";
 * import { ReportingCalendar } from "@/lib/time/mod.ts";
 * const start = startingPnl(undefined, {
 *   calendar: new ReportingCalendar(), currency: "EUR", at: Date.parse("2026-12-07T12:00:00Z"),
 * });
 * assert.equal(start.state.currency, "EUR");
 * assert.equal(start.lastKnown("shop"), undefined);
 * ```
 */
export function startingPnl(
  restored: RestoredPnl | undefined,
  options: { calendar: ReportingCalendar; currency: string; at: number },
): StartingPnl {
  const { calendar, currency, at } = options;
  if (!restored) {
    return {
      state: buildPnlState({}, currency, { calendar, at }),
      lastKnown: () => undefined,
    };
  }
  const today = restored.state.date === calendar.dateOf(at);
  return {
    state: rollForward(restored.state, { calendar, at }),
    lastKnown: (id) => today ? restored.figures[id] : undefined,
  };
}
