/**
 * How a Stripe balance transaction enters the P&L: by its
 * `reporting_category`, the field Stripe tells accountants to classify
 * by (docs.stripe.com/reports/reporting-categories), not by `type`. Money
 * earned or given back (charges, refunds, disputes, Stripe's fees, a
 * platform's application fees) is revenue; money that only moves
 * (payouts, transfers, top-ups), is borrowed or repaid (Stripe Capital),
 * is held back (reserves), or is spent through Issuing is not.
 *
 * @module
 */

/** What a reporting category is, for the P&L. */
export type StripeCategoryGroup =
  | "revenue"
  | "movement"
  | "financing"
  | "reserve"
  | "issuing"
  | "other";

/**
 * Every reporting category Stripe documents, and its group. Only the
 * `revenue` group is counted by default; a category Stripe adds later is
 * not counted until it is listed here or in a source's `categories`.
 */
export const STRIPE_CATEGORIES: Readonly<Record<string, StripeCategoryGroup>> =
  Object.freeze({
    charge: "revenue",
    charge_failure: "revenue",
    refund: "revenue",
    refund_failure: "revenue",
    partial_capture_reversal: "revenue",
    dispute: "revenue",
    dispute_reversal: "revenue",
    fee: "revenue",
    network_cost: "revenue",
    platform_earning: "revenue",
    platform_earning_refund: "revenue",
    payout: "movement",
    payout_reversal: "movement",
    transfer: "movement",
    transfer_reversal: "movement",
    topup: "movement",
    topup_reversal: "movement",
    connect_collection_transfer: "movement",
    advance: "financing",
    advance_funding: "financing",
    anticipation_repayment: "financing",
    financing_paydown: "financing",
    financing_paydown_reversal: "financing",
    financing_payout: "financing",
    financing_payout_reversal: "financing",
    risk_reserved_funds: "reserve",
    connect_reserved_funds: "reserve",
    issuing_authorization_hold: "issuing",
    issuing_authorization_release: "issuing",
    issuing_dispute: "issuing",
    issuing_transaction: "issuing",
    climate_order_purchase: "other",
    climate_order_refund: "other",
    contribution: "other",
    tax: "other",
    other_adjustment: "other",
    unreconciled_customer_funds: "other",
  });

/** The categories a `stripe` source counts unless told otherwise. */
export const STRIPE_REVENUE_CATEGORIES: readonly string[] = Object.freeze(
  Object.entries(STRIPE_CATEGORIES).flatMap(([c, group]) =>
    group === "revenue" ? [c] : []
  ),
);

/**
 * The category a balance transaction is counted under: its
 * `reporting_category`, or (a transaction from before Stripe had the
 * field) its `type`, which names the same thing for the common ones.
 *
 * @example Classified by category, not by type
 * ```ts
 * import assert from "node:assert/strict";
 * import { categoryOf, STRIPE_REVENUE_CATEGORIES } from "@/lib/sources/stripe/stripe_categories.ts";
 * const capital = { type: "adjustment", reporting_category: "financing_payout" };
 * assert.equal(categoryOf(capital), "financing_payout");
 * assert.equal(STRIPE_REVENUE_CATEGORIES.includes(categoryOf(capital)), false);
 * ```
 */
export function categoryOf(
  txn: { type: string; reporting_category?: unknown },
): string {
  return typeof txn.reporting_category === "string"
    ? txn.reporting_category
    : txn.type;
}

/** A balance transaction as far as classifying it goes. */
export interface ClassifiedTxn {
  type: string;
  reporting_category?: unknown;
  balance_type?: unknown;
}

/**
 * Balances whose movements are not the account's revenue by default:
 * Issuing spending and funds Stripe holds in reserve.
 */
const NOT_REVENUE_BALANCES = ["issuing", "risk_reserved"];

/**
 * Which transactions a `stripe` source counts: by `type` when it names
 * types, by category when it names categories, else the revenue
 * categories outside the Issuing and reserve balances.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stripeCounts } from "@/lib/sources/stripe/stripe_categories.ts";
 * const counts = stripeCounts({});
 * assert.equal(counts({ type: "charge", reporting_category: "charge" }), true);
 * assert.equal(counts({ type: "adjustment", reporting_category: "financing_payout" }), false);
 * assert.equal(counts({ type: "charge", reporting_category: "charge", balance_type: "issuing" }), false);
 * ```
 */
export function stripeCounts(
  options: { types?: readonly string[]; categories?: readonly string[] },
): (txn: ClassifiedTxn) => boolean {
  const { types, categories } = options;
  if (types) return (t) => types.includes(t.type);
  if (categories) return (t) => categories.includes(categoryOf(t));
  return (t) =>
    STRIPE_REVENUE_CATEGORIES.includes(categoryOf(t)) &&
    !NOT_REVENUE_BALANCES.includes(String(t.balance_type));
}

/**
 * Where money read but not counted as revenue is shown, by its group: the
 * source's detail, beside the figure, never in the P&L.
 */
const NOT_COUNTED_DETAIL = {
  movement: "payoutsAndTransfersMinor",
  financing: "financingMinor",
  reserve: "reservesMinor",
  issuing: "issuingMinor",
  other: "otherNotCountedMinor",
  revenue: "otherNotCountedMinor",
} as const satisfies Record<StripeCategoryGroup, string>;

/** What a source read and did not count, by group, since its start. */
export class NotCounted {
  #sums = new Map<StripeCategoryGroup, number>();

  /** The group a transaction not counted is shown under. */
  static groupOf(txn: ClassifiedTxn): StripeCategoryGroup {
    const category = categoryOf(txn);
    return Object.hasOwn(STRIPE_CATEGORIES, category)
      ? STRIPE_CATEGORIES[category]!
      : "other";
  }

  /** Adds an amount under a group (an unknown name counts as "other"). */
  add(group: string, amount: number): void {
    const g = Object.hasOwn(NOT_COUNTED_DETAIL, group)
      ? group as StripeCategoryGroup
      : "other";
    this.#sums.set(g, (this.#sums.get(g) ?? 0) + amount);
  }

  /** Forgets every sum (a saved sync is taken over). */
  clear(): void {
    this.#sums.clear();
  }

  /**
   * The detail fields, in minor units via `minor`, each only when not zero.
   */
  detail(minor: (amount: number) => number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [group, sum] of this.#sums) {
      if (sum === 0) continue;
      const key = NOT_COUNTED_DETAIL[group];
      out[key] = (out[key] ?? 0) + minor(sum);
    }
    return out;
  }
}
