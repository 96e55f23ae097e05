/**
 * Reading an amount and a timestamp out of someone else's data (a JSON
 * endpoint, a database row, a webhook body), exactly and with errors
 * that say what was found.
 *
 * @module
 */
import { MoneyError, parseDecimal, toMinorUnits } from "../money.ts";
import { normalizeTimestamp, TimestampError } from "../time/mod.ts";
import { UpstreamDataError } from "./upstream_http.ts";

/** The unit an amount is written in. */
export type AmountUnit = "minor" | "major";

/** How a timestamp is written. */
export type TimestampFormat = "iso" | "unix-s" | "unix-ms";

/**
 * Reads an amount: in `minor` units an integer (number or digit string);
 * in `major` units a decimal number or string, rounded half to even.
 *
 * @param value What was found.
 * @param unit Its unit.
 * @param currency The currency (for the exponent of major units).
 * @param where Names the place in messages.
 * @returns Integer minor units.
 * @throws {UpstreamDataError} Naming what was found and what is accepted.
 */
export function readAmount(
  value: unknown,
  unit: AmountUnit,
  currency: string,
  where: string,
): number {
  const text = typeof value === "number" && Number.isFinite(value)
    ? String(value)
    : typeof value === "string"
    ? value
    : undefined;
  try {
    if (text === undefined) throw new MoneyError("not a number or a string");
    const decimal = parseDecimal(text);
    if (
      unit === "minor" && decimal.scale > 0 &&
      /[1-9]/.test(text.split(".")[1] ?? "")
    ) {
      throw new MoneyError("minor units must be a whole number");
    }
    return toMinorUnits(decimal, unit, currency);
  } catch (cause) {
    throw new UpstreamDataError(
      `${where}: found ${
        JSON.stringify(value)?.slice(0, 40) ?? "nothing"
      }, expected ${
        unit === "minor"
          ? "an integer amount in minor units (cents)"
          : 'a decimal amount in major units, as a number or a string such as "12.34"'
      } (${(cause as Error).message})`,
    );
  }
}

/**
 * Reads a timestamp in the given format.
 *
 * @param value What was found.
 * @param format Its format.
 * @param where Names the place in messages.
 * @param timeZone The zone of an ISO string without one.
 * @returns ISO-8601 UTC.
 * @throws {UpstreamDataError} Naming what was found.
 */
export function readTimestamp(
  value: unknown,
  format: TimestampFormat,
  where: string,
  timeZone?: string,
): string {
  try {
    if (format === "iso") {
      if (typeof value !== "string") {
        throw new TimestampError(value, "not a string");
      }
      return normalizeTimestamp(value, timeZone ? { timeZone } : {});
    }
    const n = typeof value === "string" && /^\d+(\.\d+)?$/.test(value)
      ? Number(value)
      : value;
    if (typeof n !== "number") throw new TimestampError(value, "not a number");
    return normalizeTimestamp(n, {
      epochUnit: format === "unix-s" ? "s" : "ms",
    });
  } catch (cause) {
    throw new UpstreamDataError(
      `${where}: found ${
        JSON.stringify(value)?.slice(0, 40) ?? "nothing"
      }, expected ${
        format === "iso"
          ? "an ISO-8601 timestamp"
          : `a Unix time in ${format === "unix-s" ? "seconds" : "milliseconds"}`
      } (${(cause as Error).message})`,
    );
  }
}

/**
 * Resolves a JSON Pointer (RFC 6901) in a document.
 *
 * @param document The parsed JSON.
 * @param pointer Such as `/data/0/total`.
 * @returns The value there, or `undefined`.
 */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  let at: unknown = document;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(at) && /^(0|[1-9]\d*)$/.test(key)) at = at[Number(key)];
    else if (typeof at === "object" && at !== null && !Array.isArray(at)) {
      at = Object.hasOwn(at, key)
        ? (at as Record<string, unknown>)[key]
        : undefined;
    } else return undefined;
  }
  return at;
}
