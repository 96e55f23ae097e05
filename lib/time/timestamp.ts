/**
 * Timestamps at the boundaries: every input an upstream may send becomes
 * ISO-8601 UTC with milliseconds, or a {@linkcode TimestampError} that
 * names the value. Never `Invalid Date`, never a silent wrong time.
 *
 * @module
 */
import { TimeZone } from "./zone.ts";

/**
 * Formats epoch milliseconds as ISO-8601 UTC with milliseconds.
 *
 * @param ms Milliseconds since the Unix epoch.
 * @returns A string such as `2026-11-28T13:00:00.123Z`.
 * @throws {RangeError} When `ms` is not a finite time value.
 *
 * @example Format a time
 * ```ts
 * import assert from "node:assert/strict";
 * import { isoTime } from "@/lib/time/timestamp.ts";
 * assert.equal(isoTime(0), "1970-01-01T00:00:00.000Z");
 * ```
 */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(date.getTime())) {
    throw new RangeError(
      `Cannot format timestamp: expected finite epoch milliseconds, received ${ms}`,
    );
  }
  return date.toISOString();
}

/**
 * A timestamp that cannot be read; says what was received and what is accepted.
 *
 * @example Keep the value
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeTimestamp, TimestampError } from "@/lib/time/timestamp.ts";
 * assert.throws(() => normalizeTimestamp("soon"), (e) => e instanceof TimestampError && e.value === "soon");
 * ```
 */
export class TimestampError extends Error {
  /** The value received. */
  readonly value: unknown;
  /** Creates the error. */
  constructor(value: unknown, message: string) {
    super(message);
    this.name = "TimestampError";
    this.value = value;
  }
}

/**
 * What to do with a wall time that a DST change makes ambiguous (it happens
 * twice) or impossible (it is skipped), as in Temporal:
 * - `compatible` (default): the earlier of a repeated time, and for a
 *   skipped time the instant the clock would show had it not jumped (02:30
 *   in a spring-forward gap becomes 03:30 local).
 * - `earlier` / `later`: pick that instant in both cases.
 * - `reject`: throw a {@linkcode TimestampError}.
 */
export type Disambiguation = "compatible" | "earlier" | "later" | "reject";

/** Options for {@linkcode normalizeTimestamp}. */
export interface NormalizeOptions {
  /**
   * The unit of a numeric input; required for numbers (no guessing).
   */
  epochUnit?: "s" | "ms";
  /**
   * The IANA zone of an ISO string without `Z` or an offset, such as
   * `America/New_York`; required for such strings.
   */
  timeZone?: string;
  /**
   * How a wall time made ambiguous or impossible by DST is resolved.
   * @default {"compatible"}
   */
  disambiguation?: Disambiguation;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const ACCEPTED =
  "accepted: a Date, an ISO-8601/RFC 3339 string with Z or an offset, an ISO string without a zone together with a timeZone option, or a number with epochUnit 's' or 'ms'";

/**
 * Normalizes a timestamp to ISO-8601 UTC with milliseconds. Fractions
 * finer than a millisecond (RFC 3339 microseconds) are truncated, never
 * rounded up into the next millisecond.
 *
 * @param input A `Date`, a string or a number.
 * @param options The unit of numbers, the zone of zone-less strings, and
 *   how DST ambiguities are resolved.
 * @returns Such as `2026-03-08T07:30:00.000Z`.
 * @throws {TimestampError} Naming the value and what is accepted.
 *
 * @example Offsets, zones and epochs
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeTimestamp } from "@/lib/time/timestamp.ts";
 * assert.equal(normalizeTimestamp("2026-11-28T08:00:00-05:00"), "2026-11-28T13:00:00.000Z");
 * assert.equal(normalizeTimestamp("2026-07-01T09:00", { timeZone: "America/New_York" }), "2026-07-01T13:00:00.000Z");
 * assert.equal(normalizeTimestamp(1_700_000_000, { epochUnit: "s" }), "2023-11-14T22:13:20.000Z");
 * assert.equal(normalizeTimestamp("2026-11-28T13:00:00.123456Z"), "2026-11-28T13:00:00.123Z");
 * ```
 */
export function normalizeTimestamp(
  input: unknown,
  options: NormalizeOptions = {},
): string {
  const { epochUnit, timeZone, disambiguation = "compatible" } = options;
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) {
      throw new TimestampError(
        input,
        `Cannot read timestamp: the Date is invalid; ${ACCEPTED}`,
      );
    }
    return input.toISOString();
  }
  if (typeof input === "number") {
    if (epochUnit === undefined) {
      throw new TimestampError(
        input,
        `Cannot read timestamp ${input}: a number needs epochUnit 's' or 'ms' (the unit is never guessed)`,
      );
    }
    const ms = epochUnit === "s" ? input * 1000 : input;
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
      throw new TimestampError(
        input,
        `Cannot read timestamp ${input}: out of range for epoch ${epochUnit}`,
      );
    }
    return isoTime(Math.trunc(ms));
  }
  if (typeof input !== "string") {
    throw new TimestampError(
      input,
      `Cannot read timestamp of type ${typeof input}; ${ACCEPTED}`,
    );
  }
  const m = ISO_RE.exec(input.trim());
  if (!m) {
    throw new TimestampError(
      input,
      `Cannot read timestamp ${
        JSON.stringify(input.slice(0, 60))
      }; ${ACCEPTED}`,
    );
  }
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone] = m;
  const fields = [
    Number(y),
    Number(mo),
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
  ] as const;
  const millis = Number(frac.padEnd(3, "0").slice(0, 3));
  const wall = Date.UTC(
    fields[0],
    fields[1] - 1,
    fields[2],
    fields[3],
    fields[4],
    fields[5],
    millis,
  );
  // Date.UTC rolls over out-of-range fields (Feb 30 -> Mar 2): reject those.
  const check = new Date(wall);
  if (
    !Number.isFinite(wall) || check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] - 1 || check.getUTCDate() !== fields[2] ||
    check.getUTCHours() !== fields[3] || check.getUTCMinutes() !== fields[4] ||
    check.getUTCSeconds() !== fields[5]
  ) {
    throw new TimestampError(
      input,
      `Cannot read timestamp ${JSON.stringify(input)}: no such date or time`,
    );
  }
  if (zone) {
    if (zone.toUpperCase() === "Z") return isoTime(wall);
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    if (Number(digits.slice(2)) >= 60 || offsetMin > 18 * 60) {
      throw new TimestampError(
        input,
        `Cannot read timestamp ${
          JSON.stringify(input)
        }: offset ${zone} is out of range`,
      );
    }
    return isoTime(wall - sign * offsetMin * 60_000);
  }
  if (timeZone === undefined) {
    throw new TimestampError(
      input,
      `Cannot read timestamp ${
        JSON.stringify(input)
      }: it has no Z or offset, so a timeZone option (an IANA zone such as "America/New_York") is required`,
    );
  }
  return isoTime(wallTimeToInstant(input, wall, timeZone, disambiguation));
}

/** The instant whose local time in `timeZone` is `wall` (wall fields as if UTC). */
function wallTimeToInstant(
  input: string,
  wall: number,
  timeZone: string,
  disambiguation: Disambiguation,
): number {
  const offsetAt = zoneOffsetFn(input, timeZone);
  // Offsets a day either side bracket any DST change near this wall time.
  const before = offsetAt(wall - 86_400_000);
  const after = offsetAt(wall + 86_400_000);
  const candidates = [...new Set([wall - before, wall - after])]
    .filter((t) => offsetAt(t) === wall - t)
    .sort((a, b) => a - b);
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 2) {
    if (disambiguation === "reject") {
      throw new TimestampError(
        input,
        `Cannot read timestamp ${
          JSON.stringify(input)
        }: it happens twice in ${timeZone} (a DST change)`,
      );
    }
    return disambiguation === "later" ? candidates[1]! : candidates[0]!;
  }
  // A skipped wall time (spring forward): no instant shows it.
  if (disambiguation === "reject") {
    throw new TimestampError(
      input,
      `Cannot read timestamp ${
        JSON.stringify(input)
      }: it does not exist in ${timeZone} (skipped by a DST change)`,
    );
  }
  // Read with the offset before the change: lands after the gap (02:30 -> 03:30).
  const pushed = wall - before;
  const pulled = wall - after;
  return disambiguation === "earlier"
    ? Math.min(pushed, pulled)
    : Math.max(pushed, pulled);
}

/** A function giving `timeZone`'s UTC offset (ms) at an instant. */
function zoneOffsetFn(
  input: string,
  timeZone: string,
): (instant: number) => number {
  let zone: TimeZone;
  try {
    zone = new TimeZone(timeZone);
  } catch {
    throw new TimestampError(
      input,
      `Cannot read timestamp ${JSON.stringify(input)}: unknown time zone ${
        JSON.stringify(timeZone)
      }; use an IANA name such as "Europe/London"`,
    );
  }
  return (instant: number) => zone.offsetAt(instant);
}
