/**
 * The console's tables in words: each field's header as an operator reads
 * it ("p95 latency", "Errors (1 h)"), and each value in the board's zone
 * and units (times as "10:03", milliseconds as "15.6 ms", ages as
 * "12 min"), so `/admin` reads like the board and not like its JSON.
 */
import { clockTime, duration } from "./time_words.ts";

const HEADERS: Readonly<Record<string, string>> = {
  ageS: "Age",
  p50Ms: "p50 latency",
  p95Ms: "p95 latency",
  p99Ms: "p99 latency",
  latencyMs: "Latency (last hour)",
  errorsPerMinute: "Errors (last hour)",
  reads1h: "Reads (1 h)",
  errors1h: "Errors (1 h)",
  lastError: "Last error",
  perSecond: "Updates a second",
  historyDepth: "History kept",
  readMs: "Read time",
  catchUps: "Catch-ups",
  slowDisconnects: "Slow clients cut",
  up: "Up",
  ws: "WebSocket",
  sse: "SSE",
  poll: "Long-poll",
  seq: "Seq",
};

/**
 * A field's header: a known one's words, else its camelCase as words
 * (`historyDepth` -> "History depth").
 *
 * @param key The field.
 */
export function headerOf(key: string): string {
  const known = HEADERS[key];
  if (known) return known;
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/**
 * A scalar value in words: an ISO time in the board's zone, a `...Ms`
 * number with its unit, an `ageS` as a duration, true/false as yes/no.
 *
 * @param key The field.
 * @param value Its value.
 * @param zone The board's zone.
 * @param now The time now, epoch ms.
 */
export function valueWords(
  key: string,
  value: string | number | boolean,
  zone: string,
  now: number,
): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") {
    return ISO.test(value) ? clockTime(value, now, zone) : value;
  }
  if (key === "ageS") return duration(value * 1000);
  if (/Ms$/.test(key)) {
    return value >= 1000
      ? `${(value / 1000).toFixed(1)} s`
      : `${Number(value.toFixed(1))} ms`;
  }
  return value.toLocaleString("en-US");
}
