/**
 * Time: the injectable clock and timestamp formatting.
 *
 * @module
 */
export { type Clock, sleepWith, systemClock, type TimerId } from "./clock.ts";
export { FakeClock, type FakeClockOptions } from "./fake_clock.ts";
export {
  type Disambiguation,
  isoTime,
  type NormalizeOptions,
  normalizeTimestamp,
  TimestampError,
} from "./timestamp.ts";
export { randomHex, randomId, seededRandom, systemRandom } from "./random.ts";
export {
  CalendarError,
  parseTimeZone,
  PERIOD_NAMES,
  type PeriodName,
  type PeriodWindow,
  ReportingCalendar,
  type ReportingCalendarOptions,
  type TimeWindow,
  type WeekStart,
} from "./calendar.ts";
export {
  type LocalTime,
  LocalTimeSchedule,
  type Occurrence,
} from "./local_time.ts";
