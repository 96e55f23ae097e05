import assert from "node:assert/strict";
import { DeliveryError } from "@/lib/alerts/mod.ts";
import { sendNotification } from "@/lib/alerts/channels.ts";
import type { AlertNotification } from "@/lib/alerts/mod.ts";

const note: AlertNotification = {
  key: "net-low:1:firing",
  rule: "net-low",
  status: "firing",
  severity: "critical",
  summary: "Net today is -$612.40, below -$500.00",
  figure: { name: "Net today", valueMinor: -61_240, currency: "USD" },
  condition: "below -$500.00",
  startsAt: "2026-12-02T14:05:00.000Z",
  at: "2026-12-02T14:05:00.000Z",
  board: "Acme P&L",
};

Deno.test("channels: a Slack webhook URL (a secret) never appears in a delivery error, nor in its cause", async () => {
  const url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
  const error = await sendNotification(
    { id: "chat", kind: "slack", url },
    note,
    {
      now: 0,
      fetch: () =>
        Promise.reject(new TypeError(`error sending request for url (${url})`)),
    },
  ).then(() => undefined, (e) => e);
  assert.ok(error instanceof DeliveryError);
  assert.equal(error.retryable, true);
  assert.doesNotMatch(error.message, /XXXXSECRET/);
  assert.match(
    error.message,
    /chat: no answer from the receiver .*\[redacted\]/,
  );
  assert.equal(error.cause, undefined);
});

Deno.test("channels: a receiver's 4xx is not retried and says so; 429 carries its Retry-After", async () => {
  const send = (status: number, headers: Record<string, string> = {}) =>
    sendNotification(
      { id: "ops", kind: "webhook", url: "https://ops.test/h", secret: "s" },
      note,
      {
        now: 0,
        fetch: () => Promise.resolve(new Response("nope", { status, headers })),
      },
    ).then(() => undefined, (e: DeliveryError) => e);
  const refused = await send(404);
  assert.equal(refused?.retryable, false);
  assert.match(
    refused!.message,
    /ops: the receiver answered 404 nope \(not retried/,
  );
  const busy = await send(429, { "retry-after": "7" });
  assert.equal(busy?.retryable, true);
  assert.equal(busy?.retryAfterMs, 7_000);
});
