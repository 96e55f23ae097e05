/**
 * Stripe's amounts in ISO 4217 minor units: Stripe's documented currency
 * exceptions (ISK and UGX are two-decimal in its API although ISO 4217
 * gives them none; HUF and TWD are two-decimal in both).
 *
 * @module
 */
import { toMinorUnits } from "../money.ts";

/**
 * Currencies whose API amounts have more decimals than ISO 4217 gives them
 * (Stripe's documented special cases): an ISK amount of 500 is 5 krónur.
 * HUF and TWD are two-decimal in both, so they need nothing.
 */
export const STRIPE_API_EXPONENTS: Readonly<Record<string, number>> = Object
  .freeze({ ISK: 2, UGX: 2 });

/**
 * An amount as Stripe's API gives it, in ISO 4217 minor units.
 *
 * @param amount Stripe's integer amount.
 * @param currency The ISO code (upper case).
 * @returns Integer minor units, rounded half to even when Stripe had more.
 *
 * @example ISK: two decimals in the API, none in ISO 4217
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromStripeAmount } from "@/lib/sources/stripe_money.ts";
 * assert.equal(fromStripeAmount(50_000, "ISK"), 500);
 * assert.equal(fromStripeAmount(1_999, "USD"), 1_999);
 * assert.equal(fromStripeAmount(1_200, "JPY"), 1_200);
 * ```
 */
export function fromStripeAmount(amount: number, currency: string): number {
  const scale = STRIPE_API_EXPONENTS[currency];
  if (scale === undefined) return amount;
  return toMinorUnits(
    { coefficient: BigInt(amount), scale },
    "major",
    currency,
  );
}
