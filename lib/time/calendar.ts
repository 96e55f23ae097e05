/**
 * The reporting calendar: which instants "today", "this week", "this
 * month", "this quarter" and "this year" span in the board's time zone,
 * and the previous period up to the same point, for comparisons. Zoned
 * arithmetic is Temporal's, so a day that changes to or from daylight
 * saving time is 23 or 25 hours, and every boundary is an exact instant.
 *
 * @module
 */

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
  try {
    return Temporal.Now.zonedDateTimeISO(value).timeZoneId;
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
    this.timeZone = parseTimeZone(timeZone);
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

  /** One period at `at`, computed in Temporal from scratch. */
  #exact(name: PeriodName, at: number): PeriodWindow {
    const now = this.#zoned(at);
    const start = this.#start(name, now);
    const end = this.#next(name, start);
    const previousStart = this.#previous(name, start);
    // The same wall-clock distance into the previous period, so "yesterday
    // at this time" holds across a daylight-saving change.
    const into = start.toPlainDateTime().until(now.toPlainDateTime(), {
      largestUnit: "months",
    });
    const same = previousStart.toPlainDateTime().add(into).toZonedDateTime(
      this.timeZone,
    ).epochMilliseconds;
    return {
      name,
      at,
      from: start.epochMilliseconds,
      to: end.epochMilliseconds,
      previous: {
        from: previousStart.epochMilliseconds,
        to: Math.min(
          Math.max(same, previousStart.epochMilliseconds),
          start.epochMilliseconds,
        ),
      },
      previousWhole: {
        from: previousStart.epochMilliseconds,
        to: start.epochMilliseconds,
      },
    };
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
   * (Temporal is slow enough that building them on every read was a tenth
   * of a busy board's publishing time). A period is left out, and computed
   * exactly, when today or its counterpart day a period back has a change
   * of offset (daylight saving), where wall-clock time and elapsed time part.
   */
  #frameOf(at: number): DayFrame {
    const day = this.#day;
    if (day && at >= day.from && at < day.to) return day;
    const today = this.#exact("today", at);
    const frame: DayFrame = { from: today.from, to: today.to, periods: {} };
    const length = today.to - today.from;
    const offset = (ms: number) => this.#zoned(ms).offsetNanoseconds;
    if (offset(today.from) === offset(today.to - 1)) {
      const dayStart = this.#zoned(today.from).toPlainDateTime();
      for (const name of PERIOD_NAMES) {
        const start = this.#start(name, this.#zoned(today.from));
        const previousStart = this.#previous(name, start);
        const into = start.toPlainDateTime().until(dayStart, {
          largestUnit: "months",
        });
        const same = previousStart.toPlainDateTime().add(into)
          .toZonedDateTime(this.timeZone);
        const sameAtDayStart = same.epochMilliseconds;
        const linear = same.hour === 0 && same.minute === 0 &&
          same.second === 0 && same.millisecond === 0 &&
          offset(sameAtDayStart) === offset(sameAtDayStart + length - 1);
        if (!linear) continue;
        frame.periods[name] = {
          from: start.epochMilliseconds,
          to: this.#next(name, start).epochMilliseconds,
          previousFrom: previousStart.epochMilliseconds,
          sameAtDayStart,
        };
      }
    }
    this.#day = frame;
    return frame;
  }

  #zoned(at: number): Temporal.ZonedDateTime {
    return Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(
      this.timeZone,
    );
  }

  #start(
    name: PeriodName,
    now: Temporal.ZonedDateTime,
  ): Temporal.ZonedDateTime {
    const day = now.toPlainDate();
    switch (name) {
      case "today":
        return now.startOfDay();
      case "wtd": {
        // dayOfWeek: Monday 1 ... Sunday 7.
        const back = this.weekStart === "monday"
          ? day.dayOfWeek - 1
          : day.dayOfWeek % 7;
        return this.#midnight(day.subtract({ days: back }));
      }
      case "mtd":
        return this.#midnight(day.with({ day: 1 }));
      case "qtd":
        return this.#midnight(
          day.with({ month: Math.floor((day.month - 1) / 3) * 3 + 1, day: 1 }),
        );
      case "ytd":
        return this.#midnight(day.with({ month: 1, day: 1 }));
    }
  }

  #step(name: PeriodName): Temporal.DurationLike {
    switch (name) {
      case "today":
        return { days: 1 };
      case "wtd":
        return { weeks: 1 };
      case "mtd":
        return { months: 1 };
      case "qtd":
        return { months: 3 };
      case "ytd":
        return { years: 1 };
    }
  }

  #next(
    name: PeriodName,
    start: Temporal.ZonedDateTime,
  ): Temporal.ZonedDateTime {
    return this.#midnight(start.toPlainDate().add(this.#step(name)));
  }

  #previous(
    name: PeriodName,
    start: Temporal.ZonedDateTime,
  ): Temporal.ZonedDateTime {
    return this.#midnight(start.toPlainDate().subtract(this.#step(name)));
  }

  /** The first instant of a date in the zone (not always 00:00). */
  #midnight(date: Temporal.PlainDate): Temporal.ZonedDateTime {
    return date.toZonedDateTime({ timeZone: this.timeZone });
  }
}
