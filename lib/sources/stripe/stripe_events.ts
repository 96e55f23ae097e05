/**
 * Stripe's own event deliveries at `POST /api/ingest/<id>` of a `stripe`
 * source: `Stripe-Signature` verified over the raw bytes (several secrets
 * while they rotate), every event type answered 2xx once stored (Stripe
 * retries anything else for days), each event id counted once, and an
 * event that moves money (a charge, refund, dispute, payment intent,
 * paid invoice, completed checkout, `balance.available`, or an application
 * fee, payout, transfer, top-up, Issuing or reserve movement when its
 * category is counted) makes the source
 * read its balance transactions at once. The transaction list stays the
 * book of record: the event only says "look now".
 *
 * @module
 */
import type { Reading } from "../source.ts";
import { acceptDelivery } from "../ingest/accept_delivery.ts";
import {
  IngestError,
  type IngestResult,
  type IngestStore,
} from "../ingest/ingest_store.ts";

/** Options for {@linkcode StripeEvents}. */
export interface StripeEventsOptions {
  /** The source's id (the store's key). */
  id: string;
  /** Signing secrets (`whsec_...`), the current one first. */
  secrets: readonly string[];
  /** Where event ids are kept, so a redelivery counts once. */
  store: IngestStore;
  /** Time source for the signature's tolerance. */
  clock: { now(): number };
  /** Whether a reporting category is counted (payouts are not, by default). */
  counts: (category: string) => boolean;
  /** The source's latest reading, for the answer. */
  latest: () => Reading;
  /**
   * How far the signed timestamp may be from now, seconds (Stripe's own
   * libraries use 300).
   * @default {300}
   */
  toleranceS?: number;
  /**
   * Largest event accepted, bytes.
   * @default {262144}
   */
  maxBodyBytes?: number;
}

/** What is stored per source: the last event seen. */
interface Seen {
  id: string;
  type: string;
  created: number;
}

/**
 * Event types that move revenue in the balance (a balance transaction of
 * a counted category follows them): prefixes of Stripe's event types.
 */
const MONEY_PREFIXES = [
  "charge.", // succeeded, captured, refunded, dispute.*
  "refund.",
  "balance.available",
  "payment_intent.succeeded",
  "invoice.paid",
  "invoice.payment_succeeded",
  "invoice_payment.paid",
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
];
/**
 * Event types that move money of one reporting category: they make the
 * source read only when that category is counted.
 */
const COUNTED_PREFIXES: Readonly<Record<string, string>> = {
  "application_fee.": "platform_earning",
  "payout.": "payout",
  "transfer.": "transfer",
  "topup.": "topup",
  "issuing_authorization.": "issuing_authorization_hold",
  "issuing_transaction.": "issuing_transaction",
  "issuing_dispute.": "issuing_dispute",
  "reserve.": "risk_reserved_funds",
};

/**
 * Whether a Stripe event type can move what a source counts, so the
 * source reads its balance transactions at once.
 *
 * @param type The event's `type`, such as `"payment_intent.succeeded"`.
 * @param counts Whether a reporting category is counted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stripeEventMoves } from "@/lib/sources/stripe/stripe_events.ts";
 * const revenue = (c: string) => c === "charge" || c === "platform_earning";
 * assert.equal(stripeEventMoves("payment_intent.succeeded", revenue), true);
 * assert.equal(stripeEventMoves("application_fee.created", revenue), true);
 * assert.equal(stripeEventMoves("payout.paid", revenue), false);
 * assert.equal(stripeEventMoves("customer.created", revenue), false);
 * ```
 */
export function stripeEventMoves(
  type: string,
  counts: (category: string) => boolean,
): boolean {
  if (MONEY_PREFIXES.some((p) => type.startsWith(p))) return true;
  const counted = Object.entries(COUNTED_PREFIXES).find(([p]) =>
    type.startsWith(p)
  );
  return counted !== undefined && counts(counted[1]);
}

/** Takes Stripe's deliveries for one source. */
export class StripeEvents {
  #o: StripeEventsOptions;

  /** Creates the receiver. */
  constructor(options: StripeEventsOptions) {
    this.#o = options;
  }

  /** Largest event accepted, bytes. */
  get maxBodyBytes(): number {
    return this.#o.maxBodyBytes ?? 262_144;
  }

  /**
   * Verifies, parses and records one delivery.
   *
   * @param body The raw request bytes.
   * @param signature The `Stripe-Signature` header.
   * @returns The event id, whether it was a redelivery, and whether it
   *   moves money (then the source reads at once).
   * @throws {IngestError} 401 for a bad signature, 400 for a body that is
   *   not a Stripe event, 413 when too large, 503 when it cannot be stored.
   */
  async ingest(
    body: Uint8Array,
    signature: string | null,
  ): Promise<IngestResult> {
    const o = this.#o;
    const { event, duplicate } = await acceptDelivery<Seen, Seen>(
      {
        source: o.id,
        secrets: o.secrets,
        clock: o.clock,
        toleranceS: o.toleranceS ?? 300,
        maxBodyBytes: this.maxBodyBytes,
        store: o.store,
        noun: "the event",
        redelivery: "Stripe will deliver it again",
        parse: parseEvent,
        apply: (_previous, event) => event,
        // Two instances' last events: the later one.
        merge: (a, b) => (b.created > a.created ? b : a),
      },
      body,
      signature,
    );
    return {
      id: event.id,
      duplicate,
      moved: this.#moves(event.type),
      reading: o.latest(),
    };
  }

  #moves(type: string): boolean {
    return stripeEventMoves(type, this.#o.counts);
  }
}

/** The parts of a Stripe event this needs, checked. */
function parseEvent(body: Uint8Array): Seen {
  const bad = (why: string) =>
    new IngestError(
      400,
      "invalid",
      `not a Stripe event: ${why}; Stripe sends {"id":"evt_...","object":"event","type":"charge.succeeded","created":...}`,
    );
  let event: unknown;
  try {
    event = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw bad("the body is not JSON");
  }
  const e = event as Record<string, unknown>;
  if (typeof event !== "object" || event === null || e.object !== "event") {
    throw bad('"object" is not "event"');
  }
  if (typeof e.id !== "string" || !/^[\x21-\x7e]{1,255}$/.test(e.id)) {
    throw bad('"id" is missing');
  }
  if (typeof e.type !== "string" || e.type.length === 0) {
    throw bad('"type" is missing');
  }
  return {
    id: e.id,
    type: e.type,
    created: Number.isSafeInteger(e.created) ? e.created as number : 0,
  };
}
