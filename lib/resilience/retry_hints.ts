/**
 * Reading an upstream's retry hints: whether to retry at all, and how long
 * to wait, per RFC 9110 `Retry-After`, `retry-after-ms`, the IETF
 * `RateLimit` field and `Stripe-Should-Retry`.
 *
 * @module
 */
import { TimeoutError } from "./timeout.ts";
import { UpstreamHttpError } from "./upstream_error.ts";

/**
 * The wait a response asks for, in ms, or `undefined` when it asks for
 * none or the hint is malformed (malformed hints are ignored, per the RFCs).
 * `Retry-After` (or `retry-after-ms`) takes precedence over `RateLimit`.
 *
 * @param headers The response headers.
 * @param now The current time, for HTTP-dates.
 * @returns The wait, or `undefined`.
 *
 * @example Seconds, an HTTP-date, milliseconds
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryAfterMs } from "@/lib/resilience/retry_hints.ts";
 * const now = Date.parse("Sun, 06 Nov 1994 08:49:30 GMT");
 * assert.equal(retryAfterMs(new Headers({ "retry-after": "7" }), now), 7000);
 * assert.equal(retryAfterMs(new Headers({ "retry-after": "Sun, 06 Nov 1994 08:49:37 GMT" }), now), 7000);
 * assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "250" }), now), 250);
 * assert.equal(retryAfterMs(new Headers({ "retry-after": "soon" }), now), undefined);
 * ```
 */
export function retryAfterMs(
  headers: Headers,
  now: number,
): number | undefined {
  const ms = headers.get("retry-after-ms")?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = headers.get("retry-after")?.trim();
  if (value) {
    if (/^\d+$/.test(value)) return Number(value) * 1000;
    // HTTP-date: IMF-fixdate, or the obsolete RFC 850 and asctime forms.
    if (/[A-Za-z]{3}/.test(value)) {
      const at = Date.parse(value);
      if (Number.isFinite(at)) return Math.max(0, at - now);
    }
  }
  const rateLimit = headers.get("ratelimit");
  const t = rateLimit ? /(?:^|;)\s*t=(\d+)/.exec(rateLimit)?.[1] : undefined;
  return t === undefined ? undefined : Number(t) * 1000;
}

/**
 * The default retry policy: retry network errors, timeouts, 408, 429 and
 * 5xx; never other 4xx. A vendor "do not retry" signal wins: an adapter's
 * `retryable: false`, or `Stripe-Should-Retry: false`; and
 * `Stripe-Should-Retry: true` makes any status retryable.
 *
 * @param error What the attempt threw.
 * @returns Whether another attempt may succeed.
 *
 * @example Statuses
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRetryable } from "@/lib/resilience/retry_hints.ts";
 * import { UpstreamHttpError } from "@/lib/resilience/upstream_error.ts";
 * assert.equal(isRetryable(new UpstreamHttpError(503, "down")), true);
 * assert.equal(isRetryable(new UpstreamHttpError(404, "gone")), false);
 * assert.equal(isRetryable(new TypeError("connection refused")), true);
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof UpstreamHttpError) {
    if (error.retryable !== undefined) return error.retryable;
    const stripe = error.headers.get("stripe-should-retry")?.trim()
      .toLowerCase();
    if (stripe === "false") return false;
    if (stripe === "true") return true;
    const s = error.status;
    return s === 408 || s === 429 || s >= 500;
  }
  if (error instanceof TimeoutError) return true;
  // fetch reports refused, reset and DNS failures as TypeError.
  return error instanceof TypeError;
}
