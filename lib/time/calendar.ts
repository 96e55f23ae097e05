/**
 * The reporting calendar: which instants "today", "this week", "this
 * month", "this quarter" and "this year" span in the board's time zone,
 * and the previous period up to the same point, for comparisons. Zoned
 * arithmetic follows Temporal's rules (see zone.ts), so a day that changes
 * to or from daylight saving time is 23 or 25 hours, and every boundary is
 * an exact instant. It needs nothing but `Intl`, so the browser derives
 * the same bounds from a message's `ts` as the server.
 * Over 300 lines, kept whole: every period's bounds, the previous period
 * to the same point and the one-day fast path read the same zone rules.
 *
 * @module
 */
import {
  addDays,
  addMonths,
  dayOfWeek,
  daysInMonth,
  type PlainDate,
  plainMs,
  TimeZone,
  wallOfPlain,
  type WallTime,
} from "./zone.ts";

/** The reporting periods, shortest first. */
export const PERIOD_NAMES = ["today", "wtd", "mtd", "qtd", "ytd"] as const;

/** A reporting period: today, week, month, quarter or year to date. */
export type PeriodName = (typeof PERIOD_NAMES)[number];

/** The day weeks start on. */
export type WeekStart = "monday" | "sunday";

/** A span of time [from, to), epoch ms. */
export interface TimeWindow {
  /** The first instant in it. */
  from: number;
  /** The first instant after it. */
  to: number;
}

/** One period as it stands at an instant. */
export interface PeriodWindow extends TimeWindow {
  /** The period's name. */
  name: PeriodName;
  /** The instant it is evaluated at: money counts over [from, at). */
  at: number;
  /**
   * The previous period up to the same point: yesterday until this time of
   * day, last month until the same day and time (cut at its end when it
   * is shorter), as [from, to).
   */
  previous: TimeWindow;
  /** The whole previous period, [from, to). */
  previousWhole: TimeWindow;
}

/** One local day's period bounds, for the period() fast path. */
interface DayFrame {
  from: number;
  to: number;
  /** The local date, `YYYY-MM-DD`. */
  date: string;
  periods: Partial<
    Record<
      PeriodName,
      {
        from: number;
        to: number;
        previousFrom: number;
        /** The same wall-clock point a period back, at this day's start. */
        sameAtDayStart: number;
      }
    >
  >;
}

/** A time zone or week start the calendar cannot use. */
export class CalendarError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CalendarError";
  }
}

/** Options for {@linkcode ReportingCalendar}. */
export interface ReportingCalendarOptions {
  /**
   * The IANA time zone periods are counted in, such as `Europe/Berlin`.
   * @default {"UTC"}
   */
  timeZone?: string;
  /**
   * The day weeks start on.
   * @default {"monday"}
   */
  weekStart?: WeekStart;
}

/**
 * Checks an IANA time zone name.
 *
 * @param value The name, such as `America/New_York`.
 * @returns The zone's canonical name.
 * @throws {CalendarError} When it is not a time zone this runtime knows.
 */
export function parseTimeZone(value: string): string {
  return zoneOf(value).id;
}

function zoneOf(value: string): TimeZone {
  try {
    return new TimeZone(value);
  } catch (cause) {
    throw new CalendarError(
      `unknown time zone ${
        JSON.stringify(value.slice(0, 64))
      }; expected an IANA name such as "UTC", "Europe/Berlin" or "America/New_York"`,
      { cause },
    );
  }
}

/**
 * Periods in one time zone.
 *
 * @example Today in New York on the day clocks go forward is 23 hours
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReportingCalendar } from "@/lib/time/calendar.ts";
 * const calendar = new ReportingCalendar({ timeZone: "America/New_York" });
 * const today = calendar.period("today", Date.parse("2026-03-08T15:00:00Z"));
 * assert.equal(new Date(today.from).toISOString(), "2026-03-08T05:00:00.000Z");
 * assert.equal((today.to - today.from) / 3_600_000, 23);
 * ```
 */
export class ReportingCalendar {
  /** The zone's canonical IANA name. */
  readonly timeZone: string;
  /** The day weeks start on. */
  readonly weekStart: WeekStart;
  /** The current local day's period bounds (see #frameOf). */
  #day?: DayFrame;
  #zone: TimeZone;

  /** Creates a calendar; throws CalendarError for an unknown zone. */
  constructor(options: ReportingCalendarOptions = {}) {
    const { timeZone = "UTC", weekStart = "monday" } = options;
    if (weekStart !== "monday" && weekStart !== "sunday") {
      throw new CalendarError(
        `unknown week start ${
          JSON.stringify(weekStart)
        }; expected "monday" or "sunday"`,
      );
    }
    this.#zone = zoneOf(timeZone);
    this.timeZone = this.#zone.id;
    this.weekStart = weekStart;
  }

  /**
   * One period as it stands at `at`.
   *
   * @param name The period.
   * @param at The instant, epoch ms.
   * @returns Its bounds and the previous period's.
   */
  period(name: PeriodName, at: number): PeriodWindow {
    const frame = this.#frameOf(at).periods[name];
    if (!frame) return this.#exact(name, at);
    // Within one day whose offset holds (and whose counterpart's does),
    // the same wall-clock point a period back moves with the instant.
    const same = frame.sameAtDayStart + (at - this.#day!.from);
    return {
      name,
      at,
      from: frame.from,
      to: frame.to,
      previous: {
        from: frame.previousFrom,
        to: Math.min(Math.max(same, frame.previousFrom), frame.from),
      },
      previousWhole: { from: frame.previousFrom, to: frame.from },
    };
  }

  /** One period at `at`, computed from the zone's rules from scratch. */
  #exact(name: PeriodName, at: number): PeriodWindow {
    const now = this.#zone.wallOf(at);
    const start = this.#start(name, now);
    const from = this.#midnight(start);
    const previousFrom = this.#midnight(this.#shift(name, start, -1));
    // The same wall-clock distance into the previous period, so "yesterday
    // at this time" holds across a daylight-saving change.
    const same = this.#samePoint(name, start, from, previousFrom, now);
    return {
      name,
      at,
      from,
      to: this.#midnight(this.#shift(name, start, 1)),
      previous: {
        from: previousFrom,
        to: Math.min(Math.max(same, previousFrom), from),
      },
      previousWhole: { from: previousFrom, to: from },
    };
  }

  /**
   * The instant as far into the previous period (in wall-clock months,
   * then days and time, as Temporal's `until` with months) as `now` is
   * into the current one.
   */
  #samePoint(
    name: PeriodName,
    start: PlainDate,
    from: number,
    previousFrom: number,
    now: WallTime,
  ): number {
    const startWall = this.#zone.wallOf(from);
    const nowMs = plainMs(now);
    const after = (months: number) =>
      plainMs({ ...startWall, ...addMonths(startWall, months) });
    let months = name === "today" || name === "wtd"
      ? 0
      : Math.max(0, (now.year - start.year) * 12 + now.month - start.month);
    while (months > 0 && after(months) > nowMs) months--;
    const rest = nowMs - after(months);
    const base = this.#zone.wallOf(previousFrom);
    return this.#zone.instantOf(
      wallOfPlain(plainMs({ ...base, ...addMonths(base, months) }) + rest),
    );
  }

  /**
   * Every period as it stands at `at`.
   *
   * @param at The instant, epoch ms.
   * @returns Each period by name.
   */
  periods(at: number): Record<PeriodName, PeriodWindow> {
    return Object.fromEntries(
      PERIOD_NAMES.map((name) => [name, this.period(name, at)]),
    ) as Record<PeriodName, PeriodWindow>;
  }

  /**
   * The local date at an instant, `YYYY-MM-DD`: the day whose periods
   * hold it.
   *
   * @param at The instant, epoch ms.
   * @returns The date in the zone.
   */
  dateOf(at: number): string {
    // From the day's frame: asking the zone on every state was a twelfth
    // of the default board's publishing time.
    return this.#frameOf(at).date;
  }

  /**
   * The first instant of a local date (not always 00:00).
   *
   * @param date `YYYY-MM-DD`.
   * @returns The instant, epoch ms.
   * @throws {CalendarError} When it is not such a date.
   */
  startOf(date: string): number {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    const [year, month, day] = m ? m.slice(1).map(Number) : [];
    if (
      !m || month! < 1 || month! > 12 || day! < 1 ||
      day! > daysInMonth(year!, month!)
    ) {
      throw new CalendarError(
        `not a date: ${
          JSON.stringify(date.slice(0, 32))
        }; expected YYYY-MM-DD such as "2026-12-07"`,
      );
    }
    return this.#midnight({ year: year!, month: month!, day: day! });
  }

  /**
   * The next instant after `at` at which any period rolls over: the next
   * midnight in the zone (weeks, months, quarters and years all begin at
   * one).
   *
   * @param at The instant, epoch ms.
   * @returns The boundary, epoch ms.
   */
  nextBoundary(at: number): number {
    return this.period("today", at).to;
  }

  /**
   * The periods' bounds for the local day holding `at`, built once per day
   * (zone arithmetic is slow enough that building them on every read was a tenth
   * of a busy board's publishing time). A period is left out, and computed
   * exactly, when today or its counterpart day a period back has a change
   * of offset (daylight saving), where wall-clock time and elapsed time part.
   */
  #frameOf(at: number): DayFrame {
    const day = this.#day;
    if (day && at >= day.from && at < day.to) return day;
    const today = this.#exact("today", at);
    const { year, month, day: dayOfMonth } = this.#zone.wallOf(today.from);
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    const frame: DayFrame = {
      from: today.from,
      to: today.to,
      date: `${pad(year, 4)}-${pad(month, 2)}-${pad(dayOfMonth, 2)}`,
      periods: {},
    };
    const length = today.to - today.from;
    const offset = (ms: number) => this.#zone.offsetAt(ms);
    if (offset(today.from) === offset(today.to - 1)) {
      const dayStart = this.#zone.wallOf(today.from);
      for (const name of PERIOD_NAMES) {
        const start = this.#start(name, dayStart);
        const from = this.#midnight(start);
        const previousFrom = this.#midnight(this.#shift(name, start, -1));
        const sameAtDayStart = this.#samePoint(
          name,
          start,
          from,
          previousFrom,
          dayStart,
        );
        const same = this.#zone.wallOf(sameAtDayStart);
        const linear = same.hour === 0 && same.minute === 0 &&
          same.second === 0 && same.millisecond === 0 &&
          offset(sameAtDayStart) === offset(sameAtDayStart + length - 1);
        if (!linear) continue;
        frame.periods[name] = {
          from,
          to: this.#midnight(this.#shift(name, start, 1)),
          previousFrom,
          sameAtDayStart,
        };
      }
    }
    this.#day = frame;
    return frame;
  }

  /** The date a period that holds `now` begins on. */
  #start(name: PeriodName, now: PlainDate): PlainDate {
    const day = { year: now.year, month: now.month, day: now.day };
    switch (name) {
      case "today":
        return day;
      case "wtd": {
        // dayOfWeek: Monday 1 ... Sunday 7.
        const back = this.weekStart === "monday"
          ? dayOfWeek(day) - 1
          : dayOfWeek(day) % 7;
        return addDays(day, -back);
      }
      case "mtd":
        return { ...day, day: 1 };
      case "qtd":
        return {
          year: day.year,
          month: Math.floor((day.month - 1) / 3) * 3 + 1,
          day: 1,
        };
      case "ytd":
        return { year: day.year, month: 1, day: 1 };
    }
  }

  /** The start of the period `count` periods away from one starting on `start`. */
  #shift(name: PeriodName, start: PlainDate, count: number): PlainDate {
    switch (name) {
      case "today":
        return addDays(start, count);
      case "wtd":
        return addDays(start, 7 * count);
      case "mtd":
        return addMonths(start, count);
      case "qtd":
        return addMonths(start, 3 * count);
      case "ytd":
        return addMonths(start, 12 * count);
    }
  }

  /** The first instant of a date in the zone (not always 00:00). */
  #midnight(date: PlainDate): number {
    return this.#zone.instantOf(date);
  }
}
