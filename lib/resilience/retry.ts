/**
 * Retry with capped exponential backoff and full jitter that honours the
 * upstream's own hints, sleeps abortably in injected time, and stops at
 * once on what cannot succeed.
 *
 * @module
 */
import { type Clock, systemClock } from "../time/mod.ts";
import { systemRandom } from "../time/mod.ts";
import { backoffDelay } from "./backoff.ts";
import { isRetryable, retryAfterMs } from "./retry_hints.ts";
import { UpstreamHttpError } from "./upstream_error.ts";

/** What {@linkcode RetryOptions.onRetry} is told before each wait. */
export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  /** What it threw. */
  error: unknown;
  /** How long the wait is, ms. */
  delayMs: number;
  /** Whether the wait came from the server's hint or from backoff. */
  source: "hint" | "backoff";
}

/** Options for {@linkcode retry}. */
export interface RetryOptions {
  /**
   * Most attempts in all, the first included.
   * @default {3}
   */
  maxAttempts?: number;
  /**
   * The first backoff ceiling, ms.
   * @default {200}
   */
  minDelayMs?: number;
  /**
   * The largest backoff ceiling, ms.
   * @default {10000}
   */
  maxDelayMs?: number;
  /**
   * The longest server-requested wait honoured; longer hints are clamped,
   * so a bad upstream cannot park a worker.
   * @default {60000}
   */
  maxHintMs?: number;
  /**
   * Whether an error is worth another attempt.
   * @default {isRetryable}
   */
  shouldRetry?: (error: unknown) => boolean;
  /** Told before each wait (metrics, logs). */
  onRetry?: (event: RetryEvent) => void;
  /** Stops waiting and retrying at once when it aborts. */
  signal?: AbortSignal;
  /**
   * Time source.
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Uniform random numbers in [0, 1), for jitter.
   * @default {systemRandom}
   */
  random?: () => number;
}

/**
 * Calls `fn` until it succeeds, an error is not worth retrying, the
 * attempts are spent, or `signal` aborts. The last error is rethrown as it
 * was, so callers (and the circuit breaker) can still classify it.
 *
 * @param fn The operation, told its attempt number (1-based).
 * @param options Attempts, delays, policy and hooks.
 * @returns What `fn` returned.
 * @throws The last error, or the signal's reason when aborted.
 *
 * @example Retry a 503, honouring Retry-After
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { retry } from "@/lib/resilience/retry.ts";
 * import { UpstreamHttpError } from "@/lib/resilience/upstream_error.ts";
 * const clock = new FakeClock();
 * let calls = 0;
 * const result = retry(() => {
 *   calls++;
 *   if (calls === 1) {
 *     throw new UpstreamHttpError(503, "busy", { headers: new Headers({ "retry-after": "2" }) });
 *   }
 *   return Promise.resolve("ok");
 * }, { clock });
 * await clock.advance(2000);
 * assert.equal(await result, "ok");
 * assert.equal(calls, 2);
 * ```
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const {
    maxAttempts = 3,
    minDelayMs = 200,
    maxDelayMs = 10_000,
    maxHintMs = 60_000,
    shouldRetry = isRetryable,
    onRetry,
    signal,
    clock = systemClock,
    random = systemRandom,
  } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(
      `Cannot retry: 'maxAttempts' must be a positive integer, received ${maxAttempts}`,
    );
  }
  if (!(minDelayMs >= 0) || !(maxDelayMs >= minDelayMs)) {
    throw new RangeError(
      `Cannot retry: 'minDelayMs' must be non-negative and at most 'maxDelayMs', received ${minDelayMs} and ${maxDelayMs}`,
    );
  }
  for (let attempt = 1;; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt >= maxAttempts || !shouldRetry(error)) throw error;
      const hint = error instanceof UpstreamHttpError
        ? retryAfterMs(error.headers, clock.now())
        : undefined;
      const delayMs = hint !== undefined
        ? Math.min(hint, maxHintMs)
        : backoffDelay(attempt - 1, random, {
          minMs: minDelayMs,
          maxMs: maxDelayMs,
        });
      onRetry?.({
        attempt,
        error,
        delayMs,
        source: hint !== undefined ? "hint" : "backoff",
      });
      await clock.sleep(delayMs, signal);
    }
  }
}
