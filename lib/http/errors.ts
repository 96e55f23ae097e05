/**
 * The single HTTP error boundary: every failure becomes PROTOCOL.md's JSON
 * `{"error":{"code","message"}}` with the matching status, in one place.
 *
 * @module
 */
import { type ErrorCode, ProtocolError } from "../protocol/mod.ts";
import { readBounded } from "../resilience/mod.ts";

const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  unknown_topic: 404,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
});

/** An error that maps to an HTTP status and a protocol error code. */
export class HttpError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The protocol error code. */
  readonly code: ErrorCode;
  /** Extra response headers, such as `Retry-After`. */
  readonly headers: Readonly<Record<string, string>>;

  /** Creates the error. */
  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options: ErrorOptions & { headers?: Record<string, string> } = {},
  ) {
    super(message, options);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.headers = Object.freeze({ ...options.headers });
  }
}

/**
 * Turns any thrown value into the protocol's JSON error response. Unknown
 * errors become a 500 whose message reveals nothing internal.
 *
 * @param error What was thrown.
 * @returns The response.
 *
 * @example A protocol error becomes its status
 * ```ts
 * import assert from "node:assert/strict";
 * import { toResponse } from "@/lib/http/errors.ts";
 * import { ProtocolError } from "@/lib/protocol/envelopes.ts";
 * const res = toResponse(new ProtocolError("unknown_topic", "unknown topic \"nope\""));
 * assert.equal(res.status, 404);
 * assert.equal((await res.json()).error.code, "unknown_topic");
 * ```
 */
export function toResponse(error: unknown): Response {
  let status = 500;
  let code: ErrorCode = "unavailable";
  let message = "the server failed to handle this request; it has been logged";
  let headers: Record<string, string> = {};
  if (error instanceof HttpError) {
    ({ status, code, message } = error);
    headers = { ...error.headers };
  } else if (error instanceof ProtocolError) {
    code = error.code;
    status = STATUS_BY_CODE[code];
    message = error.message;
  }
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/** Whether an error is one the client caused (not worth an error log). */
export function isClientError(error: unknown): boolean {
  return error instanceof ProtocolError ||
    (error instanceof HttpError && error.status < 500);
}

/**
 * Reads a request body, refusing it (413) once it passes `maxBytes`, even
 * when it came without a Content-Length (chunked): nothing above the
 * limit is buffered.
 *
 * @param request The request.
 * @param maxBytes The limit.
 * @returns The bytes.
 * @throws {HttpError} 413 naming the limit.
 */
export async function readBodyBounded(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpError(413, "too_large", `request body over ${maxBytes} bytes`);
  if (Number(request.headers.get("content-length")) > maxBytes) {
    await request.body?.cancel();
    throw tooLarge();
  }
  if (!request.body) return new Uint8Array();
  const bytes = await readBounded(request.body, maxBytes);
  if (!bytes) throw tooLarge();
  return bytes;
}
