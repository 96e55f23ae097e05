/**
 * Stripe's amounts in ISO 4217 minor units. Stripe's API has its own
 * decimals for some currencies (docs.stripe.com/currencies): its
 * zero-decimal currencies include MGA, which ISO 4217 gives two decimals
 * (Stripe's 500 is Ar 500, 50,000 ISO minor units); and among its special
 * cases ISK and UGX stay two-decimal in the API although ISO 4217 gives
 * them none (an ISK amount of 500 is 5 krónur). Every other currency has
 * the same decimals in both, so it passes unchanged.
 *
 * @module
 */
import { currencyExponent, toMinorUnits } from "../../money.ts";

/**
 * Stripe's decimals per currency where they are not 2, from Stripe's
 * "Supported currencies" page: the zero-decimal list, the three-decimal
 * list, and the special cases (ISK, HUF, TWD and UGX are two-decimal in
 * the API; HUF and TWD are listed for completeness, since 2 is the rule).
 */
export const STRIPE_API_DECIMALS: Readonly<Record<string, number>> = Object
  .freeze({
    BIF: 0,
    CLP: 0,
    DJF: 0,
    GNF: 0,
    JPY: 0,
    KMF: 0,
    KRW: 0,
    MGA: 0,
    PYG: 0,
    RWF: 0,
    VND: 0,
    VUV: 0,
    XAF: 0,
    XOF: 0,
    XPF: 0,
    BHD: 3,
    JOD: 3,
    KWD: 3,
    OMR: 3,
    TND: 3,
    ISK: 2,
    HUF: 2,
    TWD: 2,
    UGX: 2,
  });

/**
 * The decimals of a currency's amounts in Stripe's API.
 *
 * @param currency The ISO code (upper case).
 * @returns 0, 2 or 3.
 */
export function stripeDecimals(currency: string): number {
  return STRIPE_API_DECIMALS[currency] ?? 2;
}

/**
 * An amount as Stripe's API gives it, in ISO 4217 minor units.
 *
 * @param amount Stripe's integer amount.
 * @param currency The ISO code (upper case).
 * @returns Integer minor units: exact when ISO has as many decimals or
 *   more (MGA), rounded half to even when Stripe had more (ISK, UGX).
 *
 * @example ISK has two decimals in the API, MGA none
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromStripeAmount } from "@/lib/sources/stripe/stripe_money.ts";
 * assert.equal(fromStripeAmount(50_000, "ISK"), 500);
 * assert.equal(fromStripeAmount(500, "MGA"), 50_000);
 * assert.equal(fromStripeAmount(1_999, "USD"), 1_999);
 * assert.equal(fromStripeAmount(1_200, "JPY"), 1_200);
 * ```
 */
export function fromStripeAmount(amount: number, currency: string): number {
  const scale = stripeDecimals(currency);
  if (scale === currencyExponent(currency)) return amount;
  return toMinorUnits(
    { coefficient: BigInt(amount), scale },
    "major",
    currency,
  );
}
