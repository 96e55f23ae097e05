import assert from "node:assert/strict";
import type Stripe from "stripe";
import {
  STRIPE_CATEGORIES,
  STRIPE_REVENUE_CATEGORIES,
} from "@/lib/sources/stripe/stripe_categories.ts";
import { stripeEventMoves } from "@/lib/sources/stripe/stripe_events.ts";
import type { ReportingCategory } from "../../_helpers/upstreams/stripe.ts";

/** The literal members of a union that also admits any string. */
type Known<T> = T extends string ? (string extends T ? never : T) : never;

/**
 * Every reporting category Stripe's SDK enumerates, by name: a category
 * Stripe adds fails to compile here until it is listed (and classified).
 */
const SDK_CATEGORIES: Record<Known<ReportingCategory>, true> = {
  advance: true,
  advance_funding: true,
  anticipation_repayment: true,
  charge: true,
  charge_failure: true,
  climate_order_purchase: true,
  climate_order_refund: true,
  connect_collection_transfer: true,
  connect_reserved_funds: true,
  contribution: true,
  dispute: true,
  dispute_reversal: true,
  fee: true,
  financing_paydown: true,
  financing_paydown_reversal: true,
  financing_payout: true,
  financing_payout_reversal: true,
  issuing_authorization_hold: true,
  issuing_authorization_release: true,
  issuing_dispute: true,
  issuing_transaction: true,
  network_cost: true,
  other_adjustment: true,
  partial_capture_reversal: true,
  payout: true,
  payout_reversal: true,
  platform_earning: true,
  platform_earning_refund: true,
  refund: true,
  refund_failure: true,
  risk_reserved_funds: true,
  tax: true,
  topup: true,
  topup_reversal: true,
  transfer: true,
  transfer_reversal: true,
  unreconciled_customer_funds: true,
};

Deno.test("Stripe categories: every reporting category Stripe's SDK enumerates is classified, and nothing else is", () => {
  assert.deepEqual(
    Object.keys(STRIPE_CATEGORIES).sort(),
    Object.keys(SDK_CATEGORIES).sort(),
  );
});

Deno.test("Stripe categories: revenue is charges, refunds, disputes, fees and platform earnings; financing, reserves, Issuing, payouts, transfers and top-ups are not", () => {
  assert.deepEqual([...STRIPE_REVENUE_CATEGORIES].sort(), [
    "charge",
    "charge_failure",
    "dispute",
    "dispute_reversal",
    "fee",
    "network_cost",
    "partial_capture_reversal",
    "platform_earning",
    "platform_earning_refund",
    "refund",
    "refund_failure",
  ]);
});

/** Events after which a counted balance transaction exists (typed by the SDK). */
const MONEY_EVENTS: Stripe.Event.Type[] = [
  "balance.available",
  "charge.succeeded",
  "charge.captured",
  "charge.refunded",
  "charge.refund.updated",
  "charge.dispute.created",
  "charge.dispute.funds_withdrawn",
  "charge.dispute.funds_reinstated",
  "charge.dispute.closed",
  "refund.created",
  "refund.updated",
  "refund.failed",
  "payment_intent.succeeded",
  "invoice.paid",
  "invoice.payment_succeeded",
  "invoice_payment.paid",
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "application_fee.created",
  "application_fee.refunded",
  "application_fee.refund.updated",
];

/** Events that move money of a category not counted by default. */
const OTHER_MONEY_EVENTS: Stripe.Event.Type[] = [
  "payout.paid",
  "payout.failed",
  "transfer.created",
  "transfer.reversed",
  "topup.succeeded",
  "issuing_transaction.created",
  "issuing_authorization.created",
  "issuing_dispute.funds_reinstated",
  "reserve.hold.created",
  "reserve.release.created",
];

/** Events that move no money. */
const QUIET_EVENTS: Stripe.Event.Type[] = [
  "customer.created",
  "customer.subscription.updated",
  "payment_intent.created",
  "payment_method.attached",
  "invoice.created",
  "product.updated",
];

Deno.test("stripeEventMoves: every event after which a revenue transaction exists makes the source read; other money moves only when their category is counted; the rest never", () => {
  const revenue = (c: string) => STRIPE_REVENUE_CATEGORIES.includes(c);
  const everything = () => true;
  for (const type of MONEY_EVENTS) {
    assert.equal(stripeEventMoves(type, revenue), true, type);
  }
  for (const type of OTHER_MONEY_EVENTS) {
    assert.equal(stripeEventMoves(type, revenue), false, type);
    assert.equal(stripeEventMoves(type, everything), true, type);
  }
  for (const type of QUIET_EVENTS) {
    assert.equal(stripeEventMoves(type, everything), false, type);
  }
});
