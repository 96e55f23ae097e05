/**
 * Per-client limits: counted slots per key (connections per IP, parked
 * long-polls per IP) and a token bucket (WebSocket messages per second).
 *
 * @module
 */

/**
 * Counts open slots per key and refuses past a maximum.
 *
 * @example Three slots
 * ```ts
 * import assert from "node:assert/strict";
 * import { SlotLimiter } from "@/lib/resilience/limits.ts";
 * const limiter = new SlotLimiter(2);
 * const a = limiter.acquire("1.2.3.4");
 * const b = limiter.acquire("1.2.3.4");
 * assert.equal(limiter.acquire("1.2.3.4"), undefined);
 * a?.();
 * assert.ok(limiter.acquire("1.2.3.4"));
 * void b;
 * ```
 */
export class SlotLimiter {
  #max: number;
  #counts = new Map<string, number>();

  /** Allows `max` slots per key. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot create limiter: 'max' must be a positive integer, received ${max}`,
      );
    }
    this.#max = max;
  }

  /** The maximum per key. */
  get max(): number {
    return this.#max;
  }

  /** Takes a slot, returning its release function, or `undefined` when full. */
  acquire(key: string): (() => void) | undefined {
    const n = this.#counts.get(key) ?? 0;
    if (n >= this.#max) return undefined;
    this.#counts.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left <= 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }
}

/**
 * A token bucket: `rate` tokens a second, bursts up to `burst`.
 *
 * @example Two a second
 * ```ts
 * import assert from "node:assert/strict";
 * import { TokenBucket } from "@/lib/resilience/limits.ts";
 * const bucket = new TokenBucket(2, 2, 0);
 * assert.equal(bucket.take(0), true);
 * assert.equal(bucket.take(0), true);
 * assert.equal(bucket.take(0), false);
 * assert.equal(bucket.take(500), true);
 * ```
 */
export class TokenBucket {
  #rate: number;
  #burst: number;
  #tokens: number;
  #at: number;

  /** Starts full at time `now` (ms). */
  constructor(rate: number, burst: number, now: number) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  /** Takes a token at time `now` (ms); `false` when there is none. */
  take(now: number): boolean {
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#at) / 1000) * this.#rate,
    );
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
