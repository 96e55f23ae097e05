/**
 * Wall-clock time in an IANA time zone, from `Intl` alone: the board's
 * calendar runs in the browser too (to derive period bounds from a
 * message's `ts`), and not every browser has Temporal. The rules match
 * Temporal's: a wall-clock time skipped by a change to daylight saving
 * resolves later (as "compatible" does), one that happens twice resolves
 * to the earlier instant.
 *
 * @module
 */

/** A wall-clock date and time, month 1-12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** A calendar date, month 1-12. */
export interface PlainDate {
  year: number;
  month: number;
  day: number;
}

const DAY_MS = 86_400_000;

/**
 * A wall-clock time read as if it were UTC, epoch ms: plain date-time
 * arithmetic (add a day, a month) is arithmetic on this number.
 *
 * @param wall The wall-clock time (or a date, at midnight).
 * @returns Its value as a UTC instant.
 */
export function plainMs(wall: PlainDate & Partial<WallTime>): number {
  const d = new Date(0);
  d.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  d.setUTCHours(
    wall.hour ?? 0,
    wall.minute ?? 0,
    wall.second ?? 0,
    wall.millisecond ?? 0,
  );
  return d.getTime();
}

/**
 * The wall-clock time that {@linkcode plainMs} stands for.
 *
 * @param ms A value of `plainMs`.
 * @returns The wall-clock time.
 */
export function wallOfPlain(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

/**
 * A date some days away.
 *
 * @param date The date.
 * @param days How many days later (negative: earlier).
 * @returns The date.
 */
export function addDays(date: PlainDate, days: number): PlainDate {
  const w = wallOfPlain(plainMs(date) + days * DAY_MS);
  return { year: w.year, month: w.month, day: w.day };
}

/**
 * A date some months away, its day cut to the month's length (January 31
 * plus a month is February 28 or 29), as Temporal's "constrain" does.
 *
 * @param date The date.
 * @param months How many months later (negative: earlier).
 * @returns The date.
 */
export function addMonths(date: PlainDate, months: number): PlainDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

/**
 * The number of days in a month.
 *
 * @param year The year.
 * @param month The month, 1-12.
 * @returns 28 to 31.
 */
export function daysInMonth(year: number, month: number): number {
  return wallOfPlain(plainMs({ year, month: month + 1, day: 1 }) - DAY_MS)
    .day;
}

/**
 * The day of the week of a date, Monday 1 to Sunday 7 (as Temporal's
 * `dayOfWeek`).
 *
 * @param date The date.
 * @returns 1-7.
 */
export function dayOfWeek(date: PlainDate): number {
  return (new Date(plainMs(date)).getUTCDay() + 6) % 7 + 1;
}

/**
 * One IANA time zone's rules, read through `Intl.DateTimeFormat`.
 *
 * @example An instant's wall clock in New York, and back
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimeZone } from "@/lib/time/zone.ts";
 * const zone = new TimeZone("America/New_York");
 * const at = Date.parse("2026-07-01T16:30:00Z");
 * assert.equal(zone.wallOf(at).hour, 12);
 * assert.equal(zone.instantOf(zone.wallOf(at)), at);
 * ```
 */
export class TimeZone {
  /** The zone's name as the runtime resolves it. */
  readonly id: string;
  #format: Intl.DateTimeFormat;

  /**
   * Reads a zone.
   *
   * @param id An IANA name such as `Europe/Berlin`.
   * @throws {RangeError} When the runtime does not know the zone.
   */
  constructor(id: string) {
    this.#format = new Intl.DateTimeFormat("en-US", {
      timeZone: id,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    this.id = this.#format.resolvedOptions().timeZone;
  }

  /**
   * The zone's offset from UTC at an instant, ms (wall clock minus UTC).
   *
   * @param at The instant, epoch ms.
   * @returns The offset in ms.
   */
  offsetAt(at: number): number {
    const whole = at - ((at % 1000) + 1000) % 1000;
    const parts: Record<string, string> = {};
    for (const p of this.#format.formatToParts(new Date(whole))) {
      parts[p.type] = p.value;
    }
    const year = Number(parts.year);
    const wall = plainMs({
      year: parts.era === "BC" || parts.era === "B" ? 1 - year : year,
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      second: Number(parts.second),
    });
    return wall - whole;
  }

  /**
   * The wall-clock time at an instant.
   *
   * @param at The instant, epoch ms.
   * @returns The zone's wall-clock time then.
   */
  wallOf(at: number): WallTime {
    return wallOfPlain(at + this.offsetAt(at));
  }

  /**
   * The instant a wall-clock time stands for. A time skipped by a change
   * of offset resolves as many ms later as the change skipped; a time that
   * happens twice resolves to the first.
   *
   * @param wall The wall-clock time (or a date, for its midnight).
   * @returns The instant, epoch ms.
   */
  instantOf(wall: PlainDate & Partial<WallTime>): number {
    const local = plainMs(wall);
    // Offsets change at most once within a day around any wall time.
    const before = this.offsetAt(local - DAY_MS);
    const after = this.offsetAt(local + DAY_MS);
    const early = local - before;
    const late = local - after;
    const earlyFits = this.offsetAt(early) === before;
    const lateFits = this.offsetAt(late) === after;
    if (earlyFits && lateFits) return Math.min(early, late);
    if (earlyFits) return early;
    if (lateFits) return late;
    return early;
  }
}
