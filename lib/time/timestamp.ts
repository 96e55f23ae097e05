/**
 * Timestamp formatting at the boundaries: ISO-8601 UTC with milliseconds.
 *
 * @module
 */

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
