/**
 * The three upstream mocks together, with fixtures whose figures are
 * worked out by hand below, and a sources file naming them plus a webhook
 * source. Used by the acceptance tests and by `deno task mocks`.
 */
import { signWebhook } from "@/lib/security/mod.ts";
import { type AnthropicMock, anthropicMock } from "./anthropic.ts";
import { kalshiKeys, type KalshiMock, kalshiMock } from "./kalshi.ts";
import { type StripeMock, stripeMock, type Txn } from "./stripe.ts";

export { anthropicMock } from "./anthropic.ts";
export { kalshiFixture, kalshiKeys, kalshiMock } from "./kalshi.ts";
export { kalshiAccount } from "./kalshi_account.ts";
export { stripeAccount, stripeMock } from "./stripe.ts";
export { serveMock } from "./mock_server.ts";

/**
 * The figures the fixtures add up to, in cents:
 * - Kalshi realized P&L: settlement 200 - 50 - 6 = 144; open positions
 *   (25 - 1.89) + (-10 - 1) = 12.11; total 156.11 -> 156.
 * - Anthropic today: 123.78912 + 0.5 + 1000.00001 = 1124.28913 -> 1124.
 * - Stripe net since 2026-01-01: 1912 + 4825 - 1000 = 5737 (the payout
 *   and the December charge are not counted).
 * - Webhook shop (increment): 1250 + 725 = 1975.
 */
export const EXPECTED = Object.freeze({
  kalshi: 156,
  anthropic: 1124,
  stripe: 5737,
  shop: 1975,
  revenue: 5737 + 1975,
  expenses: 1124,
  trading: 156,
  net: 5737 + 1975 + 156 - 1124,
});

/** The Stripe fixture's transactions. */
export function stripeTransactions(): Txn[] {
  return [
    {
      id: "txn_dec",
      amount: 9900,
      fee: 300,
      currency: "usd",
      created: Date.parse("2025-12-31T23:00:00Z") / 1000,
      type: "charge",
    },
    {
      id: "txn_1",
      amount: 2000,
      fee: 88,
      currency: "usd",
      created: Date.parse("2026-01-05T10:00:00Z") / 1000,
      type: "charge",
      description: "Subscription creation",
    },
    {
      id: "txn_2",
      amount: 5000,
      fee: 175,
      currency: "usd",
      created: Date.parse("2026-02-01T10:00:00Z") / 1000,
      type: "charge",
    },
    {
      id: "txn_3",
      amount: -1000,
      fee: 0,
      currency: "usd",
      created: Date.parse("2026-02-03T10:00:00Z") / 1000,
      type: "refund",
      description: "REFUND FOR CHARGE (Subscription update)",
    },
    {
      id: "txn_4",
      amount: -3000,
      fee: 0,
      currency: "usd",
      created: Date.parse("2026-02-04T10:00:00Z") / 1000,
      type: "payout",
    },
  ];
}

/** Today's cost items (UTC), in cents. */
export const ANTHROPIC_TODAY = ["123.78912", "0.5", "1000.00001"];

/** The running mocks and what a server needs to use them. */
export interface Upstreams extends AsyncDisposable {
  kalshi: KalshiMock;
  anthropic: AnthropicMock;
  stripe: StripeMock;
  /** Secrets, as environment variables for the server. */
  env: Record<string, string>;
  /** The webhook source's secret. */
  webhookSecret: string;
  /** A sources file naming the mocks and a webhook source. */
  sourcesFile(overrides?: { intervalMs?: number }): Record<string, unknown>;
  /** Signs a webhook body as a sender would, at `t` (Unix s, default now). */
  sign(body: string, t?: number): Promise<string>;
}

/** Starts the three mocks. */
export async function startUpstreams(): Promise<Upstreams> {
  const keys = await kalshiKeys();
  const kalshi = kalshiMock({ keys });
  const today = new Date().toISOString().slice(0, 10);
  const anthropic = anthropicMock(new Map([[today, [...ANTHROPIC_TODAY]]]));
  const stripe = stripeMock(stripeTransactions());
  const webhookSecret = "whsec_pulseboard_test";
  const fast = (intervalMs: number) => ({
    intervalMs,
    timeoutMs: 1000,
    retry: { maxAttempts: 2, minDelayMs: 20, maxDelayMs: 50 },
    breaker: { failureThreshold: 2, cooldownMs: 1500 },
  });
  return {
    kalshi,
    anthropic,
    stripe,
    webhookSecret,
    env: {
      KALSHI_KEY_ID: keys.keyId,
      KALSHI_PRIVATE_KEY: keys.pkcs1Pem,
      ANTHROPIC_ADMIN_KEY: anthropic.key,
      STRIPE_SECRET_KEY: stripe.key,
      SHOP_WEBHOOK_SECRET: webhookSecret,
    },
    sourcesFile: ({ intervalMs = 300 } = {}) => ({
      currency: "USD",
      sources: [
        {
          id: "kalshi",
          kind: "kalshi",
          role: "trading",
          environment: "demo",
          baseUrl: kalshi.apiUrl,
          keyIdEnv: "KALSHI_KEY_ID",
          privateKeyEnv: "KALSHI_PRIVATE_KEY",
          ...fast(intervalMs),
        },
        {
          id: "anthropic",
          kind: "anthropic-costs",
          role: "expense",
          baseUrl: anthropic.url,
          keyEnv: "ANTHROPIC_ADMIN_KEY",
          ...fast(intervalMs),
        },
        {
          id: "stripe",
          kind: "stripe",
          role: "revenue",
          baseUrl: stripe.url,
          keyEnv: "STRIPE_SECRET_KEY",
          since: "2026-01-01",
          ...fast(intervalMs),
        },
        {
          id: "shop",
          kind: "webhook",
          role: "revenue",
          mode: "increment",
          secretEnv: "SHOP_WEBHOOK_SECRET",
          ...fast(intervalMs),
        },
      ],
    }),
    sign: (body, t = Math.floor(Date.now() / 1000)) =>
      signWebhook(webhookSecret, t, new TextEncoder().encode(body)),
    async [Symbol.asyncDispose]() {
      await Promise.all([kalshi.stop(), anthropic.stop(), stripe.stop()]);
    },
  };
}
