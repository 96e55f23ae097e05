/**
 * Money as integers in minor units with a currency code; floats never hold
 * money. Formatting happens only at the edge (the UI). Browser-safe.
 *
 * @module
 */

/** Minor-unit exponents of currencies that differ from the usual 2. */
const EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
});

const CURRENCY_RE = /^[A-Z]{3}$/;

/**
 * The number of minor-unit digits of a currency (USD 2, JPY 0, KWD 3).
 *
 * @param currency An ISO 4217 code in upper case.
 * @returns The exponent.
 * @throws {RangeError} When the code is not three upper-case letters.
 *
 * @example Exponents
 * ```ts
 * import assert from "node:assert/strict";
 * import { currencyExponent } from "@/lib/money.ts";
 * assert.equal(currencyExponent("USD"), 2);
 * assert.equal(currencyExponent("JPY"), 0);
 * ```
 */
export function currencyExponent(currency: string): number {
  if (!CURRENCY_RE.test(currency)) {
    throw new RangeError(
      `Cannot use currency: expected an ISO 4217 code such as "USD", received ${
        JSON.stringify(currency)
      }`,
    );
  }
  return EXPONENTS[currency] ?? 2;
}

/** Options for {@linkcode formatMoney}. */
export interface FormatMoneyOptions {
  /**
   * BCP 47 locale for digits and separators.
   * @default {"en-US"}
   */
  locale?: string;
  /**
   * Show a `+` on positive amounts (for P&L figures).
   * @default {false}
   */
  signed?: boolean;
}

/**
 * Formats an integer amount of minor units for people, without passing the
 * amount through floating point division (the decimal point is placed in
 * the digit string).
 *
 * @param amountMinor Integer minor units (cents for USD).
 * @param currency ISO 4217 code.
 * @param options Locale and sign display.
 * @returns The formatted amount, such as `$1,234.56`.
 * @throws {RangeError} When the amount is not a safe integer.
 *
 * @example Format dollars and yen
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMoney } from "@/lib/money.ts";
 * assert.equal(formatMoney(123456, "USD"), "$1,234.56");
 * assert.equal(formatMoney(-5, "USD"), "-$0.05");
 * assert.equal(formatMoney(1200, "JPY"), "¥1,200");
 * assert.equal(formatMoney(250, "USD", { signed: true }), "+$2.50");
 * ```
 */
export function formatMoney(
  amountMinor: number,
  currency: string,
  options: FormatMoneyOptions = {},
): string {
  const { locale = "en-US", signed = false } = options;
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(
      `Cannot format money: 'amountMinor' must be a safe integer of minor units, received ${amountMinor}`,
    );
  }
  const exponent = currencyExponent(currency);
  const negative = amountMinor < 0;
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, "0");
  const decimal = exponent === 0
    ? digits
    : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  // Intl accepts decimal strings exactly (no float rounding).
  const format = new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
    signDisplay: signed ? "exceptZero" : "auto",
  });
  return format.format(
    (negative ? `-${decimal}` : decimal) as unknown as number,
  );
}
