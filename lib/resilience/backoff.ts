/**
 * Capped exponential backoff with full jitter: after a failure shared by
 * many callers (an upstream outage, a server restart under thousands of
 * clients), retries spread out instead of arriving together.
 *
 * @module
 */

/** Options for {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /**
   * The first ceiling, in milliseconds.
   * @default {500}
   */
  minMs?: number;
  /**
   * The largest ceiling, in milliseconds.
   * @default {20000}
   */
  maxMs?: number;
}

/**
 * The delay before retry `attempt` (0-based): uniform in
 * [0, min(maxMs, minMs * 2^attempt)).
 *
 * @param attempt How many attempts failed in a row before this one.
 * @param random Uniform random numbers in [0, 1).
 * @param options The bounds.
 * @returns Milliseconds to wait.
 * @throws {RangeError} When the bounds are negative or inverted.
 *
 * @example The ceiling doubles up to the cap
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffDelay } from "@/lib/resilience/backoff.ts";
 * assert.equal(backoffDelay(0, () => 0.999999, { minMs: 100 }), 99);
 * assert.equal(backoffDelay(10, () => 0.5, { minMs: 100, maxMs: 1000 }), 500);
 * ```
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  options: BackoffOptions = {},
): number {
  const { minMs = 500, maxMs = 20_000 } = options;
  if (!(minMs >= 0) || !(maxMs >= minMs)) {
    throw new RangeError(
      `Cannot compute backoff: 'minMs' must be non-negative and at most 'maxMs', received ${minMs} and ${maxMs}`,
    );
  }
  const ceiling = Math.min(
    maxMs,
    minMs * 2 ** Math.min(Math.max(0, attempt), 30),
  );
  return Math.floor(random() * ceiling);
}
