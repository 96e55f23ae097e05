/**
 * What a Stripe source lists behind its figure: each counted balance
 * transaction's type, description and the object it came from, kept
 * with the saved sync, and said in words with a link to the object in
 * Stripe's dashboard (a payment's or a payout's page, else Stripe's
 * search for the transaction's id).
 *
 * @module
 */
import type { MovementWords } from "../ledger_movements.ts";

/** A counted balance transaction, as its movement listing needs it. */
export interface StripeNote {
  /** The balance transaction's id (`txn_...`). */
  id: string;
  /** Its `type` (`charge`, `refund`, `payout`, ...). */
  type?: string;
  /** Its `description`, cut to {@linkcode DESCRIPTION_CHARS}. */
  description?: string;
  /** The id of the object behind it (`ch_...`, `re_...`, `po_...`). */
  source?: string;
}

/** The longest description kept per transaction. */
export const DESCRIPTION_CHARS = 200;

const WORDS: Readonly<Record<string, string>> = {
  charge: "Charge",
  payment: "Payment",
  refund: "Refund",
  payment_refund: "Refund",
  adjustment: "Adjustment",
  payout: "Payout",
  stripe_fee: "Stripe fee",
  application_fee: "Application fee",
  transfer: "Transfer",
};

/**
 * The note of a balance transaction from Stripe's object.
 *
 * @param id Its id.
 * @param txn The object (already checked for id, type and amounts).
 * @returns The note.
 */
export function stripeNote(
  id: string,
  txn: Record<string, unknown>,
): StripeNote {
  const { type, description, source } = txn;
  const from = typeof source === "string"
    ? source
    : typeof (source as { id?: unknown } | null)?.id === "string"
    ? (source as { id: string }).id
    : undefined;
  return {
    id,
    ...(typeof type === "string" ? { type } : {}),
    ...(typeof description === "string" && description !== ""
      ? { description: description.slice(0, DESCRIPTION_CHARS) }
      : {}),
    ...(from ? { source: from } : {}),
  };
}

/** The note as the sync store keeps it (a movement's `data`). */
export function stripeNoteData(note: StripeNote): string {
  return JSON.stringify({
    t: note.type,
    d: note.description,
    s: note.source,
  });
}

/**
 * A note back from the sync store; a movement saved before notes were
 * kept has its id alone.
 *
 * @param ref The movement's ref (the transaction's id).
 * @param data Its saved data.
 * @returns The note.
 */
export function stripeNoteOf(
  ref: string,
  data: string | undefined,
): StripeNote {
  if (!data?.startsWith("{")) return { id: ref };
  try {
    const d = JSON.parse(data) as Record<string, unknown>;
    return stripeNote(ref, { type: d.t, description: d.d, source: d.s });
  } catch {
    return { id: ref };
  }
}

/**
 * A transaction in words, with its page in Stripe's dashboard.
 *
 * @param note The note (none for a movement without one).
 * @param options `test`: the key is a test-mode key (`/test/` links).
 * @returns The words.
 *
 * @example A charge links to its payment
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeStripe } from "@/lib/sources/stripe/stripe_movements.ts";
 * const words = describeStripe({ id: "txn_1", type: "charge", source: "ch_1" }, { test: false });
 * assert.equal(words.what, "Charge");
 * assert.equal(words.url, "https://dashboard.stripe.com/payments/ch_1");
 * ```
 */
export function describeStripe(
  note: StripeNote | undefined,
  options: { test: boolean },
): MovementWords {
  if (!note) return { what: "Transactions" };
  const base = `https://dashboard.stripe.com${options.test ? "/test" : ""}`;
  const { type, source } = note;
  const path = source && /^(ch|py|pi)_/.test(source)
    ? `/payments/${source}`
    : source && /^po_/.test(source)
    ? `/payouts/${source}`
    : `/search?query=${encodeURIComponent(note.id)}`;
  return {
    what: type === undefined ? "Transaction" : WORDS[type] ?? wordsOf(type),
    ...(note.description ? { description: note.description } : {}),
    ref: note.id,
    url: base + path,
  };
}

/** `issuing_authorization_hold` as "Issuing authorization hold". */
function wordsOf(type: string): string {
  const words = type.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
