/**
 * Shared `Intl` formatters. Building an `Intl.NumberFormat` or
 * `Intl.DateTimeFormat` costs far more than formatting with one (the
 * board's profile at 10 updates a second spent most of its script time
 * constructing them), and a formatter never changes once built, so one
 * per distinct locale and options is kept. Browser-safe.
 *
 * @module
 */

/** How many distinct formatters of each kind are kept before the oldest go. */
const MAX_FORMATTERS = 64;

/**
 * A bounded map from a key to an immutable value, oldest dropped first.
 * Holds only values that are pure functions of their key, so sharing one
 * between callers can never leak state from one to another.
 */
class FormatterCache<T> {
  readonly #entries = new Map<string, T>();

  get(key: string, build: () => T): T {
    const found = this.#entries.get(key);
    if (found !== undefined) return found;
    const made = build();
    if (this.#entries.size >= MAX_FORMATTERS) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, made);
    return made;
  }
}

const numberFormats = new FormatterCache<Intl.NumberFormat>();
const dateTimeFormats = new FormatterCache<Intl.DateTimeFormat>();

/**
 * An `Intl.NumberFormat` for `locale` and `options`, built once and shared.
 *
 * @param locale A BCP 47 locale, such as `en-US`.
 * @param options The formatter's options (plain values only).
 * @returns The formatter.
 * @throws {RangeError} When `Intl` refuses the locale or options.
 *
 * @example The same formatter for the same options
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberFormat } from "@/lib/intl_formats.ts";
 * const a = numberFormat("en-US", { style: "currency", currency: "USD" });
 * assert.equal(a, numberFormat("en-US", { style: "currency", currency: "USD" }));
 * assert.equal(a.format(1.5), "$1.50");
 * ```
 */
export function numberFormat(
  locale: string,
  options: Intl.NumberFormatOptions,
): Intl.NumberFormat {
  return numberFormats.get(
    `${locale}|${JSON.stringify(options)}`,
    () => new Intl.NumberFormat(locale, options),
  );
}

/**
 * An `Intl.DateTimeFormat` for `locale` and `options`, built once and
 * shared.
 *
 * @param locale A BCP 47 locale, such as `en-GB`.
 * @param options The formatter's options (plain values only).
 * @returns The formatter.
 * @throws {RangeError} When `Intl` refuses the locale, zone or options.
 *
 * @example A time in a zone
 * ```ts
 * import assert from "node:assert/strict";
 * import { dateTimeFormat } from "@/lib/intl_formats.ts";
 * const f = dateTimeFormat("en-GB", { timeZone: "UTC", hour: "2-digit", minute: "2-digit" });
 * assert.equal(f.format(Date.UTC(2026, 0, 1, 9, 5)), "09:05");
 * ```
 */
export function dateTimeFormat(
  locale: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  return dateTimeFormats.get(
    `${locale}|${JSON.stringify(options)}`,
    () => new Intl.DateTimeFormat(locale, options),
  );
}
