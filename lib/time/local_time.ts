/**
 * A local time of day (and optionally a day of the week) in a time zone,
 * and its latest occurrence: when a scheduled report (a digest at 08:00,
 * or on Mondays at 08:00) was last due. A time skipped by a change to
 * daylight saving happens later that day, as the zone's rules say
 * (zone.ts), so a day never loses its occurrence.
 *
 * @module
 */
import { addDays, dayOfWeek, type PlainDate, TimeZone } from "./zone.ts";

/** A time of day, and a day of the week for a weekly one. */
export interface LocalTime {
  /** 0-23. */
  hour: number;
  /** 0-59. */
  minute: number;
  /** Monday 1 to Sunday 7; absent: every day. */
  weekday?: number;
}

/** One occurrence of a local time. */
export interface Occurrence {
  /** The instant, epoch ms. */
  at: number;
  /** Its local date, `YYYY-MM-DD`. */
  date: string;
}

/**
 * When a local time happens in one zone.
 *
 * @example The latest 08:00 in New York, on a Monday at 07:00 there
 * ```ts
 * import assert from "node:assert/strict";
 * import { LocalTimeSchedule } from "@/lib/time/local_time.ts";
 * const eight = new LocalTimeSchedule("America/New_York", { hour: 8, minute: 0 });
 * const last = eight.last(Date.parse("2026-12-07T12:00:00Z"));
 * assert.deepEqual(last, { at: Date.parse("2026-12-06T13:00:00Z"), date: "2026-12-06" });
 * ```
 */
export class LocalTimeSchedule {
  #zone: TimeZone;
  #time: LocalTime;

  /**
   * Creates the schedule.
   *
   * @param timeZone An IANA zone name (checked by the calendar first).
   * @param time The local time.
   * @throws {RangeError} For an hour, minute or weekday out of range.
   */
  constructor(timeZone: string, time: LocalTime) {
    const { hour, minute, weekday } = time;
    const ok = (v: number, max: number) =>
      Number.isInteger(v) && v >= 0 && v <= max;
    if (
      !ok(hour, 23) || !ok(minute, 59) ||
      (weekday !== undefined && (!ok(weekday, 7) || weekday === 0))
    ) {
      throw new RangeError(
        `Cannot create a local time schedule: expected hour 0-23, minute 0-59 and weekday 1-7, received ${
          JSON.stringify(time)
        }`,
      );
    }
    this.#zone = new TimeZone(timeZone);
    this.#time = time;
  }

  /**
   * The latest occurrence at or before an instant.
   *
   * @param at The instant, epoch ms.
   * @returns The occurrence.
   */
  last(at: number): Occurrence {
    return this.#find(at, -1, (instant) => instant <= at);
  }

  /**
   * The first occurrence after an instant.
   *
   * @param at The instant, epoch ms.
   * @returns The occurrence.
   */
  next(at: number): Occurrence {
    return this.#find(at, 1, (instant) => instant > at);
  }

  /**
   * The first occurrence that `fits`, looking day by day from the local
   * date of `at` in `direction`: eight days always hold one (a weekly
   * time whose occurrence today is on the wrong side is a week away).
   */
  #find(
    at: number,
    direction: 1 | -1,
    fits: (instant: number) => boolean,
  ): Occurrence {
    const { year, month, day } = this.#zone.wallOf(at);
    const { hour, minute, weekday } = this.#time;
    for (let step = 0; step <= 8; step++) {
      const date = addDays({ year, month, day }, direction * step);
      if (weekday !== undefined && dayOfWeek(date) !== weekday) continue;
      const instant = this.#zone.instantOf({ ...date, hour, minute });
      if (fits(instant)) return { at: instant, date: isoDate(date) };
    }
    throw new Error("unreachable: a local time happens within eight days");
  }
}

function isoDate(d: PlainDate): string {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
}
