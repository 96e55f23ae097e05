/**
 * Stripe's "Supported currencies" page (docs.stripe.com/currencies) as
 * test data, kept apart from the adapter's own table so the two can be
 * held against each other: every presentment currency, and the decimals
 * Stripe's API uses for it (its zero-decimal and three-decimal lists, and
 * the special cases ISK, HUF, TWD and UGX, which stay two-decimal in the
 * API).
 */

/** The presentment currencies Stripe lists, upper case. */
export const STRIPE_PRESENTMENT_CURRENCIES: readonly string[] = `
USD AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
BRL BSD BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB
EUR FJD FKP GBP GEL GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD
JPY KES KGS KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT
MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
PYG QAR RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD STD SZL THB TJS TND
TOP TRY TTD TWD TZS UAH UGX UYU UZS VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW
`.trim().split(/\s+/);

/** Stripe's zero-decimal currencies: an amount of 500 is 500 units. */
export const STRIPE_ZERO_DECIMAL: readonly string[] = [
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "JPY",
  "KMF",
  "KRW",
  "MGA",
  "PYG",
  "RWF",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
];

/** Stripe's three-decimal currencies (the last digit 0 for charges). */
export const STRIPE_THREE_DECIMAL: readonly string[] = [
  "BHD",
  "JOD",
  "KWD",
  "OMR",
  "TND",
];

/**
 * Stripe's special cases: two-decimal in the API whatever ISO 4217 says
 * (ISK 100 is 1 króna; HUF and TWD payouts must be divisible by 100; UGX
 * likewise).
 */
export const STRIPE_SPECIAL_TWO_DECIMAL: readonly string[] = [
  "ISK",
  "HUF",
  "TWD",
  "UGX",
];

/** The decimals Stripe's API uses for `currency`, per the page. */
export function pageDecimals(currency: string): number {
  if (STRIPE_ZERO_DECIMAL.includes(currency)) return 0;
  if (STRIPE_THREE_DECIMAL.includes(currency)) return 3;
  return 2;
}
