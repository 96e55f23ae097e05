/**
 * A signed delivery to a webhook source (`POST /api/ingest/:source`),
 * signed the way docs/sources.md tells senders to.
 */
import assert from "node:assert/strict";
import { signWebhook } from "@/lib/security/mod.ts";

/** Posts `{id, amount}` to a webhook source and expects it stored (200). */
export async function postSigned(
  baseUrl: string,
  source: string,
  secret: string,
  event: { id: string; amount: string },
): Promise<void> {
  const body = JSON.stringify(event);
  const res = await fetch(new URL(`/api/ingest/${source}`, baseUrl), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "pulse-signature": await signWebhook(
        secret,
        Math.floor(Date.now() / 1000),
        new TextEncoder().encode(body),
      ),
    },
    body,
  });
  assert.equal(res.status, 200, await res.text());
}
