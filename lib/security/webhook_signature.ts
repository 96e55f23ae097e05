/**
 * Webhook signatures in Stripe's scheme: header
 * `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where each `v1` is the
 * lowercase hex HMAC-SHA256, keyed with the whole secret's UTF-8 bytes,
 * of `"<t>." + rawBody`. Several `v1` are allowed (secret rotation); the
 * timestamp must be within a symmetric window of now.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Why a signature was refused; the message is safe to send back. */
export class WebhookSignatureError extends Error {
  /** `missing`, `malformed`, `mismatch` or `stale`. */
  readonly reason: "missing" | "malformed" | "mismatch" | "stale";
  /** Creates the error. */
  constructor(reason: WebhookSignatureError["reason"], message: string) {
    super(message);
    this.name = "WebhookSignatureError";
    this.reason = reason;
  }
}

async function hmacHex(
  secret: string,
  t: string,
  body: Uint8Array,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const prefix = encoder.encode(`${t}.`);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix);
  message.set(body, prefix.length);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

function equalConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Signs a body the way a sender does (for tests, scripts and the docs).
 *
 * @param secret The endpoint secret, whole (with any `whsec_` prefix).
 * @param t The timestamp, Unix seconds.
 * @param body The exact bytes sent.
 * @returns The header value `t=...,v1=...`.
 *
 * @example The reference test vector
 * ```ts
 * import assert from "node:assert/strict";
 * import { signWebhook } from "@/lib/security/webhook_signature.ts";
 * const body = new TextEncoder().encode('{"id":"evt_1","object":"event"}');
 * assert.equal(
 *   await signWebhook("whsec_test_secret", 1700000000, body),
 *   "t=1700000000,v1=0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd",
 * );
 * ```
 */
export async function signWebhook(
  secret: string,
  t: number,
  body: Uint8Array,
): Promise<string> {
  return `t=${t},v1=${await hmacHex(secret, String(t), body)}`;
}

/**
 * Verifies a signature header over the raw body, before anything parses it.
 *
 * @param header The signature header's value (or null when absent).
 * @param body The exact request bytes.
 * @param secrets Accepted secrets (more than one during rotation).
 * @param nowMs The current time, epoch ms.
 * @param toleranceS How far `t` may be from now, either way, in seconds.
 * @returns The signed timestamp, Unix seconds.
 * @throws {WebhookSignatureError} Saying what was wrong.
 */
export async function verifyWebhook(
  header: string | null,
  body: Uint8Array,
  secrets: readonly string[],
  nowMs: number,
  toleranceS: number,
): Promise<number> {
  if (!header) {
    throw new WebhookSignatureError(
      "missing",
      'no signature header: send "Pulse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \\"t.body\\">" (Stripe-Signature is accepted too)',
    );
  }
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === "t") t = v;
    else if (k === "v1") v1.push(v.toLowerCase());
  }
  if (t === undefined || !/^\d{1,12}$/.test(t)) {
    throw new WebhookSignatureError(
      "malformed",
      'cannot read the timestamp from the signature header: expected "t=<unix seconds>,v1=<hex>"',
    );
  }
  if (v1.length === 0) {
    throw new WebhookSignatureError(
      "malformed",
      'no "v1=" signature in the signature header: expected "t=<unix seconds>,v1=<hex>"',
    );
  }
  if (Math.abs(nowMs / 1000 - Number(t)) > toleranceS) {
    throw new WebhookSignatureError(
      "stale",
      `the signature's timestamp t=${t} is more than ${toleranceS} s from the server's time; sign each delivery when it is sent, and check the sender's clock`,
    );
  }
  for (const secret of secrets) {
    const expected = await hmacHex(secret, t, body);
    // Check every candidate so the time taken does not say which matched.
    let match = false;
    for (const candidate of v1) {
      match = equalConstantTime(expected, candidate) || match;
    }
    if (match) return Number(t);
  }
  throw new WebhookSignatureError(
    "mismatch",
    'no signature matches the body: sign the exact bytes sent, as HMAC-SHA256 of "<t>.<body>" keyed with the whole secret, in lowercase hex',
  );
}
