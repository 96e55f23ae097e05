/**
 * Reconnect pacing: the delays the server hands to clients (SSE `retry:`,
 * `retryAfterMs` on closing errors) are jittered, so even naive clients
 * that obey them do not come back all at once.
 *
 * @module
 */

/** Options for {@linkcode pacedDelay}. */
export interface PacingOptions {
  /**
   * The shortest delay, ms.
   * @default {1000}
   */
  baseMs?: number;
  /**
   * The width of the random spread added to it, ms.
   * @default {4000}
   */
  spreadMs?: number;
}

/**
 * A reconnect delay uniform in [baseMs, baseMs + spreadMs).
 *
 * @param random Uniform random numbers in [0, 1).
 * @param options The range.
 * @returns Milliseconds.
 *
 * @example Spread over the window
 * ```ts
 * import assert from "node:assert/strict";
 * import { pacedDelay } from "@/lib/stream/pacing.ts";
 * assert.equal(pacedDelay(() => 0.5, { baseMs: 1000, spreadMs: 2000 }), 2000);
 * ```
 */
export function pacedDelay(
  random: () => number,
  options: PacingOptions = {},
): number {
  const { baseMs = 1000, spreadMs = 4000 } = options;
  return baseMs + Math.floor(random() * spreadMs);
}
