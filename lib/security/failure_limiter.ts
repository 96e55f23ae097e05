/**
 * Locks out a client after too many failed credentials: guessing an API
 * token through `/login` or a Bearer header costs a window per few tries.
 * Memory stays bounded: past `maxKeys` clients, the oldest entry goes.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";

/** Options for {@linkcode FailureLimiter}. */
export interface FailureLimiterOptions {
  /** Time source. */
  clock: Clock;
  /**
   * Failures a client may have within one window; the next attempt waits
   * for the window's end.
   * @default {10}
   */
  maxFailures?: number;
  /**
   * The window, from a client's first failure, ms.
   * @default {60000}
   */
  windowMs?: number;
  /**
   * Most clients tracked at once; the oldest is forgotten first.
   * @default {10000}
   */
  maxKeys?: number;
}

interface Entry {
  failures: number;
  since: number;
}

/**
 * Counts failed credentials per client within a window.
 *
 * @example Locked out after two failures, free again a window later
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { FailureLimiter } from "@/lib/security/failure_limiter.ts";
 * const clock = new FakeClock({ start: 0 });
 * const limiter = new FailureLimiter({ clock, maxFailures: 2, windowMs: 1000 });
 * limiter.fail("1.2.3.4");
 * assert.equal(limiter.retryAfterMs("1.2.3.4"), 0);
 * limiter.fail("1.2.3.4");
 * assert.equal(limiter.retryAfterMs("1.2.3.4"), 1000);
 * await clock.advance(1000);
 * assert.equal(limiter.retryAfterMs("1.2.3.4"), 0);
 * ```
 */
export class FailureLimiter {
  #clock: Clock;
  #max: number;
  #windowMs: number;
  #maxKeys: number;
  #entries = new Map<string, Entry>();

  /** A limiter with nothing counted yet. */
  constructor(options: FailureLimiterOptions) {
    const {
      clock,
      maxFailures = 10,
      windowMs = 60_000,
      maxKeys = 10_000,
    } = options;
    for (
      const [name, v] of [["maxFailures", maxFailures], [
        "windowMs",
        windowMs,
      ], ["maxKeys", maxKeys]] as const
    ) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(
          `Cannot create failure limiter: '${name}' must be a positive integer, received ${v}`,
        );
      }
    }
    this.#clock = clock;
    this.#max = maxFailures;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** How long `key` must wait before its next attempt, ms; 0 when it may try now. */
  retryAfterMs(key: string): number {
    const entry = this.#current(key);
    if (!entry || entry.failures < this.#max) return 0;
    return entry.since + this.#windowMs - this.#clock.monotonic();
  }

  /** Counts a failed credential from `key`. */
  fail(key: string): void {
    const entry = this.#current(key);
    if (entry) {
      entry.failures++;
      return;
    }
    this.#entries.set(key, { failures: 1, since: this.#clock.monotonic() });
    if (this.#entries.size > this.#maxKeys) {
      // Maps iterate in insertion order: the first key is the oldest window.
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  #current(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && this.#clock.monotonic() - entry.since >= this.#windowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
