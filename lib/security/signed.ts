/**
 * Signed, expiring credentials (session cookies and connection tickets):
 * `base64url(JSON payload).base64url(HMAC-SHA256)`, verified in constant
 * time with WebCrypto.
 *
 * @module
 */

/** What a signed credential carries. */
export interface SignedPayload {
  /** `session` (cookie), `ticket` (one connection) or `view` (a viewer link). */
  kind: "session" | "ticket" | "view";
  /** Expiry, epoch ms. */
  exp: number;
  /** For a ticket: when the credential that minted it expires (epoch ms, or 0 for never). */
  until?: number;
  /**
   * Which API token it descends from (a digest prefix, not the token), so
   * removing that token from the configuration ends it.
   */
  tid?: string;
  /** A ticket's own id, so it is taken once. */
  jti?: string;
  /** `viewer` for read-only credentials; absent for operators. */
  role?: "viewer";
  /**
   * The share link it descends from (a viewer link's id), so revoking
   * that link alone ends it and what it signed in.
   */
  lid?: string;
  /** Where a viewer link opens (a path on the board, such as `/?kiosk`). */
  to?: string;
}

const encoder = new TextEncoder();

/** Imports an HMAC key from a secret string. */
export function importKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
      "verify",
    ],
  );
}

/**
 * Signs a payload.
 *
 * @param payload What to carry.
 * @param key The HMAC key.
 * @returns The token text.
 */
export async function sign(
  payload: SignedPayload,
  key: CryptoKey,
): Promise<string> {
  const body = b64url(encoder.encode(JSON.stringify(payload)));
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, encoder.encode(body)),
  );
  return `${body}.${b64url(mac)}`;
}

/**
 * Verifies a token: signature (constant time, by WebCrypto), kind and expiry.
 *
 * @param token The token text.
 * @param key The HMAC key.
 * @param kind The kind expected.
 * @param now The current time, epoch ms.
 * @returns The payload, or `undefined` when tampered, of another kind, or expired.
 */
export async function verify(
  token: string,
  key: CryptoKey,
  kind: SignedPayload["kind"],
  now: number,
): Promise<SignedPayload | undefined> {
  const dot = token.indexOf(".");
  if (dot <= 0 || token.length > 2048) return undefined;
  const body = token.slice(0, dot);
  const mac = fromB64url(token.slice(dot + 1));
  if (!mac) return undefined;
  const ok = await crypto.subtle.verify("HMAC", key, mac, encoder.encode(body));
  if (!ok) return undefined;
  let payload: SignedPayload;
  try {
    payload = JSON.parse(
      new TextDecoder().decode(fromB64url(body) ?? new Uint8Array()),
    );
  } catch {
    return undefined;
  }
  if (
    payload?.kind !== kind || typeof payload.exp !== "number" ||
    payload.exp <= now
  ) return undefined;
  return payload;
}

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const s = atob(
      text.replace(/-/g, "+").replace(/_/g, "/") +
        "===".slice((text.length + 3) % 4),
    );
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
