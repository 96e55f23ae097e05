/**
 * The error an upstream HTTP call raises for a non-2xx answer: it keeps the
 * status and headers so retry and the circuit breaker can read the
 * server's hints (`Retry-After`, `Stripe-Should-Retry`, ...).
 *
 * @module
 */

/** Options for {@linkcode UpstreamHttpError}. */
export interface UpstreamHttpErrorOptions extends ErrorOptions {
  /** The response headers. */
  headers?: Headers;
  /**
   * An adapter's verdict that overrides the generic policy: `false` for a
   * known dead end (Anthropic's spend-cap 429), `true` for a known
   * transient one.
   */
  retryable?: boolean;
}

/**
 * An upstream answered with a status that is not a success.
 *
 * @example Carry the status and the hints
 * ```ts
 * import assert from "node:assert/strict";
 * import { UpstreamHttpError } from "@/lib/resilience/upstream_error.ts";
 * const error = new UpstreamHttpError(429, "Stripe answered 429", {
 *   headers: new Headers({ "stripe-should-retry": "false" }),
 * });
 * assert.equal(error.headers.get("stripe-should-retry"), "false");
 * ```
 */
export class UpstreamHttpError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The response headers. */
  readonly headers: Headers;
  /** The adapter's retry verdict, when it has one. */
  readonly retryable?: boolean;

  /** Creates the error; `message` is for people and holds no secrets. */
  constructor(
    status: number,
    message: string,
    options: UpstreamHttpErrorOptions = {},
  ) {
    super(message, options);
    this.name = "UpstreamHttpError";
    this.status = status;
    this.headers = options.headers ?? new Headers();
    this.retryable = options.retryable;
  }
}
