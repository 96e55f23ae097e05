/**
 * Stripe's own event deliveries move the board within a second: a real
 * server with a Stripe source polled only once a minute, a Stripe-like
 * account that gains a charge, and the event Stripe would send, in its
 * JSON shape and signed the way Stripe signs. Other event types are
 * acknowledged and change nothing; a redelivery counts once.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { stripeMock } from "../_helpers/upstreams/mod.ts";
import {
  deliverStripeEvent,
  stripeEvent,
} from "../_helpers/upstreams/stripe.ts";

const SECRET = "whsec_test_pulseboard_0123456789";

const event = stripeEvent;

Deno.test("in a browser, a Stripe charge.succeeded delivery shows on the board within a second; other events change nothing and redeliveries count once", async () => {
  await using stripe = stripeMock([]);
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "stripe",
          kind: "stripe",
          role: "revenue",
          keyEnv: "STRIPE_KEY",
          baseUrl: stripe.url,
          since: "2026-01-01T00:00:00Z",
          intervalMs: 60_000,
          webhookSecretEnv: "STRIPE_WHSEC",
        }],
      }),
    );
    await using server = await startServerProcess({
      env: {
        PULSE_CONFIG: file,
        STRIPE_KEY: "sk_test_pulseboard",
        STRIPE_WHSEC: SECRET,
      },
    });
    const deliver = async (body: string) => {
      const res = await deliverStripeEvent(server.url, "stripe", SECRET, body);
      return { status: res.status, body: await res.json() };
    };
    await using browser = await launchBrowser();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForSelector("[data-source=stripe].source-ok", {
        timeout: 10_000,
      });
      assert.equal(await page.textContent("[data-testid=revenue]"), "$0.00");

      // An event that moves no money: acknowledged, nothing read.
      const before = stripe.requests.get("/v1/balance_transactions") ?? 0;
      const quiet = await deliver(
        event("evt_cust", "customer.created", {
          id: "cus_1",
          object: "customer",
        }),
      );
      assert.equal(quiet.status, 200);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(
        stripe.requests.get("/v1/balance_transactions") ?? 0,
        before,
        "no read for an event that moves no money",
      );

      // The charge lands in the account, then Stripe sends the event.
      stripe.transactions.push({
        id: "txn_push",
        amount: 4_200,
        fee: 152,
        currency: "usd",
        created: Math.floor(Date.now() / 1000),
        type: "charge",
      });
      const charge = event("evt_charge", "charge.succeeded", {
        id: "ch_1",
        object: "charge",
        amount: 4_200,
        currency: "usd",
        balance_transaction: "txn_push",
        status: "succeeded",
      });
      const sent = performance.now();
      const accepted = await deliver(charge);
      assert.equal(accepted.status, 200);
      assert.equal(accepted.body.duplicate, false);
      await page.waitForFunction(
        () =>
          document.querySelector("[data-testid=revenue]")?.textContent ===
            "$40.48",
        undefined,
        { timeout: 5_000 },
      );
      const ms = performance.now() - sent;
      assert.ok(ms < 1_000, `shown ${Math.round(ms)} ms after the delivery`);

      // Stripe may deliver twice: counted once.
      const again = await deliver(charge);
      assert.equal(again.status, 200);
      assert.equal(again.body.duplicate, true);
      // A bad signature is refused.
      const forged = await fetch(new URL("/api/ingest/stripe", server.url), {
        method: "POST",
        headers: {
          "stripe-signature": `t=${Math.floor(Date.now() / 1000)},v1=${
            "0".repeat(64)
          }`,
        },
        body: charge,
      });
      assert.equal(forged.status, 401);
      await forged.body?.cancel();
      assert.equal(await page.textContent("[data-testid=revenue]"), "$40.48");
    } finally {
      await context.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
