/**
 * Kalshi request signing: RSA-PSS (SHA-256, salt 32) over
 * `timestamp(ms) + METHOD + path`, the path from the root including
 * `/trade-api/v2` and without the query. Keys come as PEM in PKCS#8 or
 * PKCS#1; WebCrypto imports only PKCS#8, so PKCS#1 is wrapped first.
 *
 * @module
 */

/** A key that cannot be read, with what is accepted. */
export class KeyFormatError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "KeyFormatError";
  }
}

const PEM_RE =
  /-----BEGIN ((?:RSA )?PRIVATE KEY)-----([\s\S]+?)-----END \1-----/;

function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const len = derLength(length);
  const out = new Uint8Array(1 + len.length + length);
  out[0] = tag;
  out.set(len, 1);
  let at = 1 + len.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
const RSA_ALGORITHM = der(
  0x30,
  Uint8Array.of(
    0x06,
    0x09,
    0x2a,
    0x86,
    0x48,
    0x86,
    0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
  ),
  Uint8Array.of(0x05, 0x00),
);

/**
 * Wraps a PKCS#1 `RSAPrivateKey` as a PKCS#8 `PrivateKeyInfo`.
 *
 * @param pkcs1 The DER bytes of the PKCS#1 key.
 * @returns The DER bytes of the same key in PKCS#8.
 */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  return der(
    0x30,
    Uint8Array.of(0x02, 0x01, 0x00),
    RSA_ALGORITHM,
    der(0x04, pkcs1),
  );
}

/**
 * Imports a PEM private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE
 * KEY`) for RSA-PSS signing with SHA-256.
 *
 * @param pem The PEM text.
 * @returns The signing key.
 * @throws {KeyFormatError} For anything else (the message never holds key
 *   material).
 */
export async function importKalshiKey(pem: string): Promise<CryptoKey> {
  const m = PEM_RE.exec(pem.replaceAll("\\n", "\n"));
  if (!m) {
    throw new KeyFormatError(
      'the private key is not PEM: expected "-----BEGIN RSA PRIVATE KEY-----" (PKCS#1) or "-----BEGIN PRIVATE KEY-----" (PKCS#8), as downloaded from Kalshi',
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(
      atob((m[2] as string).replace(/\s+/g, "")),
      (c) => c.charCodeAt(0),
    );
  } catch {
    throw new KeyFormatError("the private key's PEM body is not valid base64");
  }
  const pkcs8 = m[1] === "RSA PRIVATE KEY" ? pkcs1ToPkcs8(bytes) : bytes;
  try {
    return await crypto.subtle.importKey(
      "pkcs8",
      pkcs8 as Uint8Array<ArrayBuffer>,
      { name: "RSA-PSS", hash: "SHA-256" },
      false,
      ["sign"],
    );
  } catch {
    throw new KeyFormatError(
      `the private key's PEM (${
        m[1]
      }) does not hold an RSA key WebCrypto can import`,
    );
  }
}

/**
 * Signs one Kalshi request.
 *
 * @param key The key from {@linkcode importKalshiKey}.
 * @param timestampMs The request time, Unix ms (sent as a header too).
 * @param method Such as `GET`.
 * @param path The URL path from the root; any query is stripped here.
 * @returns The signature, standard base64 with padding.
 */
export async function signKalshiRequest(
  key: CryptoKey,
  timestampMs: number,
  method: string,
  path: string,
): Promise<string> {
  const message = `${timestampMs}${method.toUpperCase()}${path.split("?")[0]}`;
  const signature = await crypto.subtle.sign(
    { name: "RSA-PSS", saltLength: 32 },
    key,
    new TextEncoder().encode(message),
  );
  let binary = "";
  for (const b of new Uint8Array(signature)) binary += String.fromCharCode(b);
  return btoa(binary);
}
