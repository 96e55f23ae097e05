/**
 * Money as integers in minor units with a currency code; floats never hold
 * money. Formatting happens only at the edge (the UI). Browser-safe.
 * Over 350 lines, half of them asserting examples: exponents, exact
 * decimal parsing, rounding and formatting share the exponent table and
 * read best together; decimals are the seam should it grow.
 *
 * @module
 */
import { numberFormat } from "./intl_formats.ts";

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

/** An amount of money: integer minor units and a currency. */
export interface Money {
  /** Integer minor units (cents for USD, yen for JPY). */
  readonly amountMinor: number;
  /** ISO 4217 code. */
  readonly currency: string;
}

/**
 * Money arithmetic or parsing that would lose or mix value.
 *
 * @example Mixed currencies
 * ```ts
 * import assert from "node:assert/strict";
 * import { addMoney, money, MoneyError } from "@/lib/money.ts";
 * assert.throws(() => addMoney(money(1, "USD"), money(1, "EUR")), MoneyError);
 * ```
 */
export class MoneyError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MoneyError";
  }
}

/**
 * Creates a {@linkcode Money}, checking the amount and the currency.
 *
 * @param amountMinor A safe integer of minor units.
 * @param currency An ISO 4217 code.
 * @returns The money value.
 * @throws {MoneyError} When the amount is not a safe integer.
 * @throws {RangeError} When the currency code is malformed.
 *
 * @example Twelve dollars fifty
 * ```ts
 * import assert from "node:assert/strict";
 * import { money } from "@/lib/money.ts";
 * assert.deepEqual(money(1250, "USD"), { amountMinor: 1250, currency: "USD" });
 * ```
 */
export function money(amountMinor: number, currency: string): Money {
  currencyExponent(currency);
  if (!Number.isSafeInteger(amountMinor)) {
    throw new MoneyError(
      `Cannot create money: the amount must be a safe integer of minor units, received ${amountMinor}`,
    );
  }
  return Object.freeze({ amountMinor, currency });
}

/**
 * Adds two amounts of the same currency.
 *
 * @param a The first amount.
 * @param b The second amount.
 * @returns The sum.
 * @throws {MoneyError} When the currencies differ or the sum leaves the
 *   safe integer range.
 *
 * @example Same currency only
 * ```ts
 * import assert from "node:assert/strict";
 * import { addMoney, money } from "@/lib/money.ts";
 * assert.equal(addMoney(money(150, "USD"), money(250, "USD")).amountMinor, 400);
 * assert.throws(() => addMoney(money(1, "USD"), money(1, "EUR")), /USD and EUR/);
 * ```
 */
export function addMoney(a: Money, b: Money): Money {
  return combine(a, b, 1);
}

/**
 * Subtracts `b` from `a`, both of the same currency.
 *
 * @param a The amount to subtract from.
 * @param b The amount to subtract.
 * @returns The difference.
 * @throws {MoneyError} When the currencies differ or the result leaves the
 *   safe integer range.
 *
 * @example Expenses out of revenue
 * ```ts
 * import assert from "node:assert/strict";
 * import { money, subtractMoney } from "@/lib/money.ts";
 * assert.equal(subtractMoney(money(1000, "USD"), money(1250, "USD")).amountMinor, -250);
 * ```
 */
export function subtractMoney(a: Money, b: Money): Money {
  return combine(a, b, -1);
}

function combine(a: Money, b: Money, sign: 1 | -1): Money {
  if (a.currency !== b.currency) {
    throw new MoneyError(
      `Cannot ${
        sign > 0 ? "add" : "subtract"
      } ${a.currency} and ${b.currency}: convert one first, or configure a fixed rate`,
    );
  }
  const result = a.amountMinor + sign * b.amountMinor;
  if (!Number.isSafeInteger(result)) {
    throw new MoneyError(
      `Cannot ${
        sign > 0 ? "add" : "subtract"
      } money: the result leaves the safe integer range`,
    );
  }
  return Object.freeze({ amountMinor: result, currency: a.currency });
}

/** An exact decimal: `coefficient * 10^-scale`. */
export interface Decimal {
  /** The digits as an integer. */
  readonly coefficient: bigint;
  /** How many of them are after the point. */
  readonly scale: number;
}

/** How a decimal is rounded to whole minor units. */
export type Rounding = "half-even" | "half-up";

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string exactly (no floating point on the way): digits,
 * an optional sign, an optional fraction. Exponents, spaces, thousands
 * separators and `NaN` are refused.
 *
 * @param text Such as `"98.0186"` or `"-0.5"`.
 * @returns The exact value.
 * @throws {MoneyError} Naming the text and the accepted form.
 *
 * @example Exact digits
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDecimal } from "@/lib/money.ts";
 * assert.deepEqual(parseDecimal("98.0186"), { coefficient: 980186n, scale: 4 });
 * ```
 */
export function parseDecimal(text: string): Decimal {
  const m = typeof text === "string" ? DECIMAL_RE.exec(text.trim()) : null;
  if (!m || text.length > 100) {
    throw new MoneyError(
      `Cannot read amount ${
        JSON.stringify(String(text).slice(0, 40))
      }: expected a decimal such as "123.45" (digits, an optional sign and fraction; no exponent or separators)`,
    );
  }
  const [, sign, whole, fraction = ""] = m;
  const coefficient = BigInt(`${whole}${fraction}`) * (sign === "-" ? -1n : 1n);
  return Object.freeze({ coefficient, scale: fraction.length });
}

/**
 * Adds decimals exactly (for summing many fractional amounts, then
 * rounding once).
 *
 * @param values The decimals.
 * @returns Their exact sum.
 *
 * @example No float drift
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDecimal, sumDecimals } from "@/lib/money.ts";
 * assert.deepEqual(sumDecimals([parseDecimal("0.1"), parseDecimal("0.2")]), { coefficient: 3n, scale: 1 });
 * ```
 */
export function sumDecimals(values: readonly Decimal[]): Decimal {
  const scale = Math.max(0, ...values.map((v) => v.scale));
  let coefficient = 0n;
  for (const v of values) {
    coefficient += v.coefficient * 10n ** BigInt(scale - v.scale);
  }
  return Object.freeze({ coefficient, scale });
}

/**
 * Rounds a decimal amount to whole minor units.
 *
 * @param value The amount.
 * @param unit Whether `value` is in major units (dollars: shifted by the
 *   currency's exponent) or already in minor units (Anthropic's cents).
 * @param currency The currency, for its exponent.
 * @param rounding Ties to even (banker's, the default: no upward drift
 *   over many sums) or half away from zero.
 * @returns Integer minor units.
 * @throws {MoneyError} When the result leaves the safe integer range.
 *
 * @example Dollars and Anthropic's cents
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDecimal, toMinorUnits } from "@/lib/money.ts";
 * assert.equal(toMinorUnits(parseDecimal("98.0186"), "major", "USD"), 9802);
 * assert.equal(toMinorUnits(parseDecimal("123.78912"), "minor", "USD"), 124);
 * assert.equal(toMinorUnits(parseDecimal("0.125"), "major", "USD"), 12); // tie to even
 * assert.equal(toMinorUnits(parseDecimal("0.125"), "major", "USD", "half-up"), 13);
 * ```
 */
export function toMinorUnits(
  value: Decimal,
  unit: "major" | "minor",
  currency: string,
  rounding: Rounding = "half-even",
): number {
  const shift = unit === "major" ? currencyExponent(currency) : 0;
  // value * 10^shift = coefficient * 10^(shift - scale)
  let result: bigint;
  const e = shift - value.scale;
  if (e >= 0) {
    result = value.coefficient * 10n ** BigInt(e);
  } else {
    const divisor = 10n ** BigInt(-e);
    const negative = value.coefficient < 0n;
    const abs = negative ? -value.coefficient : value.coefficient;
    let q = abs / divisor;
    const r = abs % divisor;
    const twice = r * 2n;
    if (
      twice > divisor ||
      (twice === divisor && (rounding === "half-up" || q % 2n === 1n))
    ) q += 1n;
    result = negative ? -q : q;
  }
  if (
    result > BigInt(Number.MAX_SAFE_INTEGER) ||
    result < -BigInt(Number.MAX_SAFE_INTEGER)
  ) {
    throw new MoneyError(
      `Cannot convert amount to minor units: ${result} is beyond the safe integer range`,
    );
  }
  return Number(result);
}

/**
 * Parses a decimal amount straight to {@linkcode Money}.
 *
 * @param text Such as `"98.0186"`.
 * @param currency The currency.
 * @param options The unit of `text` and the rounding rule.
 * @returns The money, in integer minor units.
 * @throws {MoneyError} For malformed text or an out-of-range amount.
 *
 * @example Yen have no minor unit
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMoney } from "@/lib/money.ts";
 * assert.equal(parseMoney("1200", "JPY").amountMinor, 1200);
 * assert.equal(parseMoney("12.34", "USD").amountMinor, 1234);
 * ```
 */
export function parseMoney(
  text: string,
  currency: string,
  options: { unit?: "major" | "minor"; rounding?: Rounding } = {},
): Money {
  const { unit = "major", rounding = "half-even" } = options;
  return money(
    toMinorUnits(parseDecimal(text), unit, currency, rounding),
    currency,
  );
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
  const format = numberFormat(locale, {
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
