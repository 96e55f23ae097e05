import assert from "node:assert/strict";
import { currencyExponent } from "@/lib/money.ts";
import { fromStripeAmount } from "@/lib/sources/stripe/stripe_money.ts";
import {
  pageDecimals,
  STRIPE_PRESENTMENT_CURRENCIES,
  STRIPE_SPECIAL_TWO_DECIMAL,
  STRIPE_THREE_DECIMAL,
  STRIPE_ZERO_DECIMAL,
} from "../../_helpers/upstreams/stripe_currencies.ts";

Deno.test("fromStripeAmount: for every currency on Stripe's page, one unit in Stripe's API decimals is one unit in ISO 4217 minor units", () => {
  const all = new Set([
    ...STRIPE_PRESENTMENT_CURRENCIES,
    ...STRIPE_ZERO_DECIMAL,
    ...STRIPE_THREE_DECIMAL,
    ...STRIPE_SPECIAL_TWO_DECIMAL,
  ]);
  assert.ok(all.size >= 135, `${all.size} currencies`);
  const wrong: string[] = [];
  for (const currency of all) {
    const stripeOne = 10 ** pageDecimals(currency);
    const isoOne = 10 ** currencyExponent(currency);
    // 12,345 units, the way a real balance transaction carries them.
    const got = fromStripeAmount(12_345 * stripeOne, currency);
    if (got !== 12_345 * isoOne) {
      wrong.push(`${currency}: ${12_345 * stripeOne} -> ${got}`);
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("fromStripeAmount: MGA is zero-decimal at Stripe and two-decimal in ISO 4217, so Stripe's 500 is Ar 500.00; ISK and UGX go the other way", () => {
  assert.equal(currencyExponent("MGA"), 2);
  assert.equal(fromStripeAmount(500, "MGA"), 50_000);
  assert.equal(fromStripeAmount(-1_250, "MGA"), -125_000);
  assert.equal(fromStripeAmount(50_000, "ISK"), 500);
  assert.equal(fromStripeAmount(50_000, "UGX"), 500);
  assert.equal(fromStripeAmount(5_120, "KWD"), 5_120);
  assert.equal(fromStripeAmount(1_999, "HUF"), 1_999);
});
