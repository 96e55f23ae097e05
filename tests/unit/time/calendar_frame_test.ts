import assert from "node:assert/strict";
import {
  PERIOD_NAMES,
  type PeriodName,
  ReportingCalendar,
  seededRandom,
  type WeekStart,
} from "@/lib/time/mod.ts";

/**
 * The periods as their definition reads, in Temporal from scratch: the
 * oracle the calendar's per-day shortcut must agree with.
 */
function oracle(
  zone: string,
  weekStart: WeekStart,
  name: PeriodName,
  at: number,
) {
  const now = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(
    zone,
  );
  const day = now.toPlainDate();
  const midnight = (d: Temporal.PlainDate) => d.toZonedDateTime(zone);
  const start = name === "today"
    ? now.startOfDay()
    : name === "wtd"
    ? midnight(day.subtract({
      days: weekStart === "monday" ? day.dayOfWeek - 1 : day.dayOfWeek % 7,
    }))
    : name === "mtd"
    ? midnight(day.with({ day: 1 }))
    : name === "qtd"
    ? midnight(
      day.with({ month: Math.floor((day.month - 1) / 3) * 3 + 1, day: 1 }),
    )
    : midnight(day.with({ month: 1, day: 1 }));
  const step = {
    today: { days: 1 },
    wtd: { weeks: 1 },
    mtd: { months: 1 },
    qtd: { months: 3 },
    ytd: { years: 1 },
  }[name];
  const previousStart = midnight(start.toPlainDate().subtract(step));
  const into = start.toPlainDateTime().until(now.toPlainDateTime(), {
    largestUnit: "months",
  });
  const same = previousStart.toPlainDateTime().add(into).toZonedDateTime(zone)
    .epochMilliseconds;
  return {
    from: start.epochMilliseconds,
    to: midnight(start.toPlainDate().add(step)).epochMilliseconds,
    previous: {
      from: previousStart.epochMilliseconds,
      to: Math.min(
        Math.max(same, previousStart.epochMilliseconds),
        start.epochMilliseconds,
      ),
    },
  };
}

// Zones with daylight saving at 2-3 am, at midnight (Santiago, Havana),
// by half an hour (Lord Howe), twice a year around Ramadan (Casablanca),
// in the southern hemisphere, and none at all.
const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "America/Santiago",
  "America/Havana",
  "Africa/Casablanca",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "Pacific/Chatham",
];

Deno.test("ReportingCalendar (Intl only, as in the browser) and its per-day shortcut agree with the periods' definition and the local date in Temporal at random instants and through every daylight-saving change of 2025-2027", () => {
  const random = seededRandom(2026);
  const from = Date.UTC(2025, 0, 1);
  const to = Date.UTC(2028, 0, 1);
  for (const zone of ZONES) {
    for (const weekStart of ["monday", "sunday"] as const) {
      // One calendar kept for the whole walk, as the server keeps one, so
      // its day cache is reused and replaced as the instants move on.
      const calendar = new ReportingCalendar({ timeZone: zone, weekStart });
      const instants: number[] = [];
      for (let i = 0; i < 400; i++) {
        instants.push(Math.floor(from + random() * (to - from)));
      }
      // Every 20 minutes through each day whose offset changes.
      for (let day = from; day < to; day += 86_400_000) {
        const offset = (ms: number) =>
          Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone)
            .offsetNanoseconds;
        if (offset(day) !== offset(day + 86_400_000)) {
          for (
            let t = day - 86_400_000;
            t < day + 2 * 86_400_000;
            t += 1_200_000
          ) {
            instants.push(t);
          }
        }
      }
      instants.sort((a, b) => a - b);
      for (const at of instants) {
        assert.equal(
          calendar.dateOf(at),
          Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(zone)
            .toPlainDate().toString(),
          `${zone} date at ${new Date(at).toISOString()}`,
        );
        for (const name of PERIOD_NAMES) {
          const got = calendar.period(name, at);
          const want = oracle(zone, weekStart, name, at);
          assert.deepEqual(
            { from: got.from, to: got.to, previous: got.previous },
            want,
            `${zone} ${weekStart} ${name} at ${new Date(at).toISOString()}`,
          );
        }
      }
    }
  }
});
