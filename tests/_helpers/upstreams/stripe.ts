/**
 * A local Stripe balance-transactions list: Bearer or Basic auth with an
 * sk_/rk_ key, Stripe's error envelope and 401 wording, lists newest
 * first paged with starting_after and has_more, created[gte] and currency
 * filters, limit 1-100 (default 10), integer minor units, lowercase
 * currencies, and a rate limit answered with 429 and
 * Stripe-Rate-Limited-Reason.
 */
import type Stripe from "stripe";
import { bucket, type MockServer, serveMock } from "./mock_server.ts";

/** Stripe's reporting categories, as its SDK enumerates them. */
export type ReportingCategory =
  Stripe.Reporting.ReportRunCreateParams.Parameters.ReportingCategory;

/**
 * One balance transaction, as much as a test sets: the type and category
 * are Stripe's own enumerations (the SDK's types), and a type whose
 * category is not plain from its name must say its category, as Stripe's
 * `adjustment` rows do (a dispute, a Capital financing, ...).
 */
export interface Txn {
  id: string;
  amount: number;
  fee: number;
  currency: string;
  created: number;
  type: Stripe.BalanceTransaction.Type;
  reporting_category?: ReportingCategory;
  balance_type?: Stripe.BalanceTransaction.BalanceType;
  /** The object behind it; by default one named after the type, as Stripe's are. */
  source?: string | null;
  description?: string | null;
}

/** The id prefix of the object behind each common type (Stripe's own). */
const SOURCE_PREFIX: Readonly<Record<string, string>> = {
  charge: "ch_",
  payment: "py_",
  refund: "re_",
  payment_refund: "pyr_",
  payout: "po_",
  transfer: "tr_",
  application_fee: "fee_",
};

/** The category Stripe gives the types that name one plainly. */
const PLAIN_CATEGORY: Readonly<Record<string, ReportingCategory>> = {
  charge: "charge",
  payment: "charge",
  refund: "refund",
  payment_refund: "refund",
  payout: "payout",
  transfer: "transfer",
  topup: "topup",
  stripe_fee: "fee",
  application_fee: "platform_earning",
  application_fee_refund: "platform_earning_refund",
  issuing_transaction: "issuing_transaction",
  issuing_authorization_hold: "issuing_authorization_hold",
  issuing_authorization_release: "issuing_authorization_release",
  reserve_hold: "risk_reserved_funds",
  reserve_release: "risk_reserved_funds",
};

/** A transaction as Stripe's API sends it (typed by Stripe's SDK). */
export function wireTransaction(t: Txn): Stripe.BalanceTransaction {
  const category = t.reporting_category ?? PLAIN_CATEGORY[t.type];
  if (category === undefined) {
    throw new Error(
      `fixture ${t.id}: a "${t.type}" transaction needs its reporting_category (Stripe gives one to every transaction)`,
    );
  }
  return {
    id: t.id,
    object: "balance_transaction",
    amount: t.amount,
    fee: t.fee,
    net: t.amount - t.fee,
    currency: t.currency,
    created: t.created,
    available_on: t.created + 172_800,
    balance_type: t.balance_type ?? "payments",
    status: "available",
    type: t.type,
    reporting_category: category,
    source: t.source !== undefined
      ? t.source
      : SOURCE_PREFIX[t.type]
      ? `${SOURCE_PREFIX[t.type]}${t.id.replace(/^txn_/, "")}`
      : null,
    exchange_rate: null,
    description: t.description ?? null,
    fee_details: [],
  };
}

/**
 * A busy account: `count` charges from `start` (Unix s), `everyS` apart,
 * with varying amounts and fees, and the net they add up to.
 */
export function stripeAccount(
  count: number,
  options: { start: number; everyS: number; fee?: boolean },
): { transactions: Txn[]; net: number } {
  const { start, everyS, fee = false } = options;
  const transactions = Array.from({ length: count }, (_, i): Txn => ({
    id: `txn_${String(i).padStart(5, "0")}`,
    amount: 100 + (i % 50),
    fee: fee ? i % 7 : 0,
    currency: "usd",
    created: start + i * everyS,
    type: "charge",
  }));
  return {
    transactions,
    net: transactions.reduce((sum, t) => sum + t.amount - t.fee, 0),
  };
}

/** A mock and its transactions (mutable while running). */
export interface StripeMock extends MockServer {
  transactions: Txn[];
  key: string;
  /** Each page served, as `created[gte]:starting_after`, in order. */
  served: readonly string[];
}

function error(
  status: number,
  type: string,
  message: string,
  headers?: HeadersInit,
): Response {
  return Response.json({ error: { type, message } }, {
    status,
    headers: {
      "request-id": `req_${crypto.randomUUID().slice(0, 14)}`,
      ...headers,
    },
  });
}

/** Starts the mock. */
export function stripeMock(
  transactions: Txn[] = [],
  options: { key?: string; requestsPerSecond?: number; latencyMs?: number } =
    {},
): StripeMock {
  const {
    key = "sk_test_pulseboard",
    requestsPerSecond = 25,
    latencyMs = 0,
  } = options;
  const allow = bucket(requestsPerSecond, requestsPerSecond);
  /** Each page served, as `created[gte]:starting_after`. */
  const served: string[] = [];
  const mock = serveMock(async (request, url) => {
    // A page takes as long as Stripe's do.
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const auth = request.headers.get("authorization") ?? "";
    let given: string | undefined;
    if (auth.startsWith("Bearer ")) given = auth.slice(7);
    else if (auth.startsWith("Basic ")) {
      given = atob(auth.slice(6)).split(":")[0];
    }
    if (!given) {
      return error(
        401,
        "invalid_request_error",
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        { "www-authenticate": 'Bearer realm="Stripe"' },
      );
    }
    if (given !== key) {
      return error(
        401,
        "invalid_request_error",
        `Invalid API Key provided: ${given.slice(0, 8)}****${given.slice(-4)}`,
        { "www-authenticate": 'Bearer realm="Stripe"' },
      );
    }
    if (!allow()) {
      return error(
        429,
        "rate_limit_error",
        "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        { "stripe-rate-limited-reason": "global-rate" },
      );
    }
    if (url.pathname !== "/v1/balance_transactions") {
      return error(
        404,
        "invalid_request_error",
        `Unrecognized request URL (GET: ${url.pathname}).`,
      );
    }
    const limit = Number(url.searchParams.get("limit") ?? 10);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return error(
        400,
        "invalid_request_error",
        "Invalid integer: limit must be between 1 and 100",
      );
    }
    const gte = Number(url.searchParams.get("created[gte]") ?? 0);
    const currency = url.searchParams.get("currency");
    const rows = transactions
      .filter((t) => t.created >= gte && (!currency || t.currency === currency))
      .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    const after = url.searchParams.get("starting_after");
    let from = 0;
    if (after) {
      const i = rows.findIndex((t) => t.id === after);
      if (i < 0) {
        return error(
          400,
          "invalid_request_error",
          `No such balance transaction: '${after}'`,
        );
      }
      from = i + 1;
    }
    served.push(`${gte}:${after ?? ""}`);
    const data = rows.slice(from, from + limit).map(wireTransaction);
    return Response.json({
      object: "list",
      url: "/v1/balance_transactions",
      has_more: from + limit < rows.length,
      data,
    }, {
      headers: { "request-id": `req_${crypto.randomUUID().slice(0, 14)}` },
    });
  });
  return Object.defineProperties(mock, {
    transactions: { value: transactions },
    key: { value: key },
    served: { value: served },
  }) as StripeMock;
}

/** An event as Stripe delivers it (trimmed to what a delivery carries). */
export function stripeEvent(
  id: string,
  type: Stripe.Event.Type,
  object: Record<string, unknown>,
): string {
  return JSON.stringify({
    id,
    object: "event",
    api_version: "2024-06-20",
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: "req_test", idempotency_key: null },
    type,
  });
}

/** POSTs `body` to a source's ingest URL, signed the way Stripe signs. */
export async function deliverStripeEvent(
  baseUrl: string,
  source: string,
  secret: string,
  body: string,
): Promise<Response> {
  const { signWebhook } = await import("@/lib/security/mod.ts");
  return await fetch(new URL(`/api/ingest/${source}`, baseUrl), {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      "stripe-signature": await signWebhook(
        secret,
        Math.floor(Date.now() / 1000),
        new TextEncoder().encode(body),
      ),
    },
    body,
  });
}
