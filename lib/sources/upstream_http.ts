/**
 * Calling an upstream JSON API: one request, its body parsed, and every
 * way it can go wrong turned into an error that says what happened in
 * words, with no secret (no header, no query string) in it.
 *
 * @module
 */
import { readBounded, UpstreamHttpError } from "../resilience/mod.ts";

/** Largest upstream body read, bytes; more is treated as malformed. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * The upstream answered, but not with data of the documented shape: bad
 * JSON, a missing field, a wrong type. Retrying the same request will not
 * fix it, so it is not retried (the breaker still counts it).
 */
export class UpstreamDataError extends Error {
  /** Creates the error; `message` says what was wrong and where. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UpstreamDataError";
  }
}

/** Where a request went, for messages: host and path, no query. */
export function describeUrl(url: string | URL): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

/** Options for {@linkcode fetchJson}. */
export interface FetchJsonOptions {
  /** Names the upstream in messages, such as `Stripe`. */
  upstream: string;
  /** Request headers. */
  headers?: HeadersInit;
  /** Aborts the request. */
  signal?: AbortSignal;
  /**
   * Turns a non-2xx answer into a sentence (vendors' error bodies differ).
   * @default {genericErrorText}
   */
  errorText?: (status: number, body: unknown) => string;
  /** An adapter's retry verdict for this answer, when it has one. */
  retryable?: (status: number, headers: Headers, body: unknown) =>
    | boolean
    | undefined;
  /**
   * The fetch to use.
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
}

/**
 * GETs `url` and parses the JSON body.
 *
 * @param url The address.
 * @param options Headers, signal, and how to read errors.
 * @returns The parsed body.
 * @throws {UpstreamHttpError} For a non-2xx status, with the vendor's words.
 * @throws {UpstreamDataError} For a body that is not JSON.
 * @throws {TypeError} For network failures (refused, reset, DNS).
 */
export async function fetchJson(
  url: string | URL,
  options: FetchJsonOptions,
): Promise<unknown> {
  const { upstream, signal, fetch: doFetch = globalThis.fetch } = options;
  const where = describeUrl(url);
  const response = await doFetch(url, {
    headers: options.headers,
    signal,
    redirect: "error",
  });
  const text = await readText(response, where, upstream);
  let body: unknown;
  let parsed = true;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = false;
  }
  if (!response.ok) {
    const words = (options.errorText ?? genericErrorText)(
      response.status,
      body,
    );
    throw new UpstreamHttpError(
      response.status,
      `${upstream} answered ${response.status} for ${where}${
        words ? `: ${words}` : ""
      }`,
      {
        headers: response.headers,
        retryable: options.retryable?.(response.status, response.headers, body),
      },
    );
  }
  if (!parsed) {
    throw new UpstreamDataError(
      `${upstream} sent a body that is not JSON for ${where} (${
        JSON.stringify(text.slice(0, 40))
      }...)`,
    );
  }
  return body;
}

async function readText(
  response: Response,
  where: string,
  upstream: string,
): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw new UpstreamDataError(
      `${upstream} sent ${declared} bytes for ${where}, above the ${MAX_BODY_BYTES}-byte limit`,
    );
  }
  // Read as a stream and cut at the limit: a huge or endless chunked body
  // must cost at most the limit in memory, not its whole size first.
  if (!response.body) return "";
  const bytes = await readBounded(response.body, MAX_BODY_BYTES);
  if (!bytes) {
    throw new UpstreamDataError(
      `${upstream} sent more than ${MAX_BODY_BYTES} bytes for ${where}`,
    );
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The usual error envelopes' message: `{"error":{"message"}}`,
 * `{"error":"..."}`, `{"message"}`, `{"msg"}`.
 *
 * @param _status The status (unused by the generic reader).
 * @param body The parsed body, if it was JSON.
 * @returns The upstream's own words, or an empty string.
 */
export function genericErrorText(_status: number, body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const b = body as Record<string, unknown>;
  const e = b.error;
  if (typeof e === "string") return e.slice(0, 200);
  if (typeof e === "object" && e !== null) {
    const inner = e as Record<string, unknown>;
    const parts = [inner.message, inner.details, inner.code]
      .filter((p) => typeof p === "string" && p !== "");
    if (parts.length) return [...new Set(parts)].join(": ").slice(0, 200);
  }
  for (const k of ["message", "msg"]) {
    if (typeof b[k] === "string") return (b[k] as string).slice(0, 200);
  }
  return "";
}

/**
 * Reads a field of an upstream object, checking its type.
 *
 * @param value The object.
 * @param key The field.
 * @param type The expected `typeof`.
 * @param where Names the object in the message, such as `Stripe balance
 *   transaction txn_1`.
 * @returns The field's value.
 * @throws {UpstreamDataError} When absent or of another type.
 */
export function field<T extends "string" | "number" | "boolean" | "object">(
  value: unknown,
  key: string,
  type: T,
  where: string,
): T extends "string" ? string
  : T extends "number" ? number
  : T extends "boolean" ? boolean
  : Record<string, unknown> {
  const v = typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
  if (
    typeof v !== type || v === null ||
    (type === "number" && !Number.isFinite(v))
  ) {
    throw new UpstreamDataError(
      `${where}: field "${key}" should be a ${type}, found ${
        v === undefined ? "nothing" : JSON.stringify(v)?.slice(0, 40)
      }`,
    );
  }
  // deno-lint-ignore no-explicit-any
  return v as any;
}

/**
 * Reads an array field of an upstream object.
 *
 * @param value The object.
 * @param key The field.
 * @param where Names the object in the message.
 * @returns The array.
 * @throws {UpstreamDataError} When absent or not an array.
 */
export function arrayField(
  value: unknown,
  key: string,
  where: string,
): unknown[] {
  const v = typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
  if (!Array.isArray(v)) {
    throw new UpstreamDataError(
      `${where}: field "${key}" should be an array, found ${
        v === undefined ? "nothing" : JSON.stringify(v)?.slice(0, 40)
      }`,
    );
  }
  return v;
}
