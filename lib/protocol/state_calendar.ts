/**
 * What a `pnl` state leaves for its reader to work out: each period's
 * bounds (and the comparison's) in the board's zone, from the state's
 * `timezone`, `weekStart` and `date` and a message's `ts`, with the
 * Intl-only calendar, so the browser and the server derive the same.
 *
 * @module
 */
import { type PeriodWindow, ReportingCalendar } from "../time/mod.ts";
import type { PeriodId, PnlState } from "./pnl_state.ts";

/**
 * Each period's bounds (and the comparison's) as they stand at `ts`, in
 * the board's zone: what the state leaves out because a client derives
 * it. A `ts` outside the state's `date` (a heartbeat after midnight
 * before the rolled state arrived) is taken at the nearer end of that
 * date, so the bounds always fit the figures.
 *
 * @param state The state (its `timezone`, `weekStart` and `date`).
 * @param ts The instant: the latest message's `ts`, or now.
 * @returns Each period's window by id.
 *
 * @example Today in New York
 * ```ts
 * import assert from "node:assert/strict";
 * import { periodWindows } from "@/lib/protocol/state_calendar.ts";
 * const w = periodWindows(
 *   { timezone: "America/New_York", weekStart: "monday", date: "2026-12-07" },
 *   "2026-12-07T15:00:00.000Z",
 * );
 * assert.equal(new Date(w.today.from).toISOString(), "2026-12-07T05:00:00.000Z");
 * ```
 */
export function periodWindows(
  state: Pick<PnlState, "timezone" | "weekStart" | "date">,
  ts: string | number,
): Record<PeriodId, PeriodWindow> {
  return new StateCalendar().windows(state, ts);
}

/**
 * The board's calendar as a state names it (zone, week start), kept while
 * they hold: building one costs about a millisecond, reading a warm one a
 * few microseconds, so whatever reads periods from many states keeps one.
 *
 * @example The month's start, from the state alone
 * ```ts
 * import assert from "node:assert/strict";
 * import { StateCalendar } from "@/lib/protocol/state_calendar.ts";
 * const calendars = new StateCalendar();
 * const state = { timezone: "UTC", weekStart: "monday" as const, date: "2026-12-07" };
 * assert.equal(new Date(calendars.start(state, "mtd")).toISOString(), "2026-12-01T00:00:00.000Z");
 * ```
 */
export class StateCalendar {
  #calendar?: ReportingCalendar;
  #key = "";
  #date = "";
  #day?: PeriodWindow;

  /**
   * The calendar for a state's zone and week start.
   *
   * @param state The state.
   * @returns A calendar, the same one while zone and week start hold.
   */
  calendar(state: Pick<PnlState, "timezone" | "weekStart">): ReportingCalendar {
    const key = `${state.timezone}|${state.weekStart}`;
    if (!this.#calendar || key !== this.#key) {
      this.#calendar = new ReportingCalendar({
        timeZone: state.timezone,
        weekStart: state.weekStart,
      });
      this.#key = key;
      this.#day = undefined;
    }
    return this.#calendar;
  }

  /**
   * Each period's bounds at `ts`, taken within the state's date (see
   * {@linkcode periodWindows}).
   *
   * @param state The state.
   * @param ts The instant, ISO or epoch ms.
   * @returns Each period's window.
   */
  windows(
    state: Pick<PnlState, "timezone" | "weekStart" | "date">,
    ts: string | number,
  ): Record<PeriodId, PeriodWindow> {
    const calendar = this.calendar(state);
    const day = this.#today(state);
    const at = typeof ts === "number" ? ts : Date.parse(ts);
    return calendar.periods(Math.min(Math.max(at, day.from), day.to - 1));
  }

  /**
   * Where a period of the state's date begins, epoch ms.
   *
   * @param state The state.
   * @param period The period.
   * @returns Its first instant.
   */
  start(
    state: Pick<PnlState, "timezone" | "weekStart" | "date">,
    period: PeriodId,
  ): number {
    return this.calendar(state).period(period, this.#today(state).from).from;
  }

  #today(state: Pick<PnlState, "timezone" | "weekStart" | "date">) {
    const calendar = this.calendar(state);
    if (!this.#day || state.date !== this.#date) {
      this.#day = calendar.period("today", calendar.startOf(state.date));
      this.#date = state.date;
    }
    return this.#day;
  }
}
