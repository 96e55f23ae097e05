/**
 * A push route reads up to its source's own limit, not the server-wide
 * body limit: Stripe's events reach 256 KiB, so a signed 100 KiB event is
 * taken while `PULSE_MAX_BODY_BYTES` stays 64 KiB for everything else,
 * and a body over the source's limit is refused with 413 and counted in
 * `pulse_ingest_total` like every other refusal.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";
import { stripeMock } from "../_helpers/upstreams/mod.ts";
import {
  deliverStripeEvent,
  stripeEvent,
} from "../_helpers/upstreams/stripe.ts";

const SECRET = "whsec_limits_0123456789";

/** A Stripe event padded to about `bytes` (a large invoice's line items). */
const bigEvent = (id: string, bytes: number) =>
  stripeEvent(id, "invoice.updated", {
    id: "in_1",
    object: "invoice",
    description: "x".repeat(bytes),
  });

Deno.test("ingest: a 100 KiB signed Stripe event is taken (Stripe's limit is 256 KiB), a 300 KiB one is refused with 413 and counted, and other routes keep the 64 KiB limit", async () => {
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
    const deliver = (body: string) =>
      deliverStripeEvent(server.url, "stripe", SECRET, body);
    const big = await deliver(bigEvent("evt_big", 100 * 1024));
    assert.equal(big.status, 200, await big.text());
    const huge = await deliver(bigEvent("evt_huge", 300 * 1024));
    assert.equal(huge.status, 413);
    assert.match(
      (await huge.json()).error.message,
      /source "stripe" accepts at most 262144/,
    );
    const metrics = await (await fetch(new URL("/metrics", server.url)))
      .text();
    assert.match(
      metrics,
      /^pulse_ingest_total\{source="stripe",outcome="too_large"\} 1$/m,
    );
    // Elsewhere the server-wide limit stands.
    const login = await fetch(new URL("/api/ticket", server.url), {
      method: "POST",
      body: "x".repeat(100 * 1024),
    });
    assert.equal(login.status, 413);
    await login.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
