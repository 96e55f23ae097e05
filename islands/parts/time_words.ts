/**
 * Times and ages in words for the board, in one named time zone: the
 * server renders in UTC and the browser switches to the viewer's zone
 * after hydration (the board says which zone it shows). Pure functions,
 * so the server render and the browser agree for the same zone.
 */
import { dateTimeFormat } from "@/lib/intl_formats.ts";

/**
 * "10:03" for a time today in `zone`, "14 Aug 10:03" on another day, and
 * "14 Aug 2025 10:03" in another year; "unknown" for a missing time.
 *
 * @param iso An ISO-8601 time.
 * @param now The time now, epoch ms (decides "today").
 * @param zone An IANA time zone, such as `Europe/Berlin`.
 */
export function clockTime(
  iso: string | undefined,
  now: number,
  zone: string,
): string {
  const at = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(at)) return "unknown";
  const day = (ms: number, year: boolean) =>
    dateTimeFormat("en-GB", {
      timeZone: zone,
      day: "numeric",
      month: "short",
      ...(year ? { year: "numeric" } : {}),
    }).format(ms);
  const time = dateTimeFormat("en-GB", {
    timeZone: zone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(at);
  const year = (ms: number) =>
    dateTimeFormat("en-GB", { timeZone: zone, year: "numeric" })
      .format(ms);
  if (day(at, true) === day(now, true)) return time;
  return `${day(at, year(at) !== year(now))} ${time}`;
}

/**
 * A duration in words: "500 ms", "4 s", "12 min", "5 h", "3 days".
 *
 * @param ms The duration, ms (negative counts as its size).
 */
export function duration(ms: number): string {
  if (Math.abs(ms) < 1000) return `${Math.round(Math.abs(ms))} ms`;
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/**
 * "updated 4 s ago", "updated 3 min ago", "updated 5 h ago", and past a
 * day and a half the date instead of a count of hours nobody can read
 * ("updated 14 Aug 10:03").
 *
 * @param iso When the figure was true.
 * @param now The time now, epoch ms.
 * @param zone The zone dates are shown in.
 */
export function ago(
  iso: string | undefined,
  now: number,
  zone: string,
): string {
  const at = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(at)) return "never updated";
  if (now - at < 1000) return "updated just now";
  if (now - at < 36 * 3600_000) {
    return `updated ${duration(Math.max(0, now - at))} ago`;
  }
  return `updated ${clockTime(iso, now, zone)}`;
}

/**
 * What a failing source's row says after its error: "last success 10:03,
 * 12 min ago; next try in 20 s" (or "failing since 10:01" when it never
 * succeeded here).
 *
 * @param s The source's times (ISO-8601), as in its state.
 * @param now The time now, epoch ms.
 * @param zone The zone times are shown in.
 */
export function failureTimes(
  s: Readonly<Record<string, unknown>>,
  now: number,
  zone: string,
): string {
  const parts: string[] = [];
  const text = (v: unknown) => typeof v === "string" ? v : undefined;
  const last = text(s.lastSuccessAt);
  const since = text(s.failingSince);
  const next = text(s.nextReadAt);
  if (last) {
    parts.push(
      `last success ${clockTime(last, now, zone)}, ${
        duration(now - Date.parse(last))
      } ago`,
    );
  } else if (since) {
    parts.push(`failing since ${clockTime(since, now, zone)}`);
  }
  if (next) {
    const wait = Date.parse(next) - now;
    parts.push(wait > 0 ? `next try in ${duration(wait)}` : "trying now");
  }
  return parts.join("; ");
}

/**
 * The viewer's IANA time zone, or UTC where it cannot be told.
 */
export function viewerTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}
