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

/** Options for {@linkcode KeyedRateLimiter}. */
export interface KeyedRateLimiterOptions {
  /** Monotonic time source (`Clock.monotonic`), ms. */
  now: () => number;
  /** Requests allowed per second per key. */
  perSecond: number;
  /**
   * Requests allowed at once after a quiet spell.
   * @default {perSecond * 2}
   */
  burst?: number;
  /**
   * Keys remembered; past it the oldest is forgotten (memory stays bounded).
   * @default {10000}
   */
  maxKeys?: number;
}

/**
 * A token bucket per key (a client address): `take` answers how long the
 * caller must wait, 0 when it may go.
 *
 * @example Two a second, then wait
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyedRateLimiter } from "@/lib/resilience/limits.ts";
 * let now = 0;
 * const limiter = new KeyedRateLimiter({ now: () => now, perSecond: 2, burst: 2 });
 * assert.equal(limiter.take("a"), 0);
 * assert.equal(limiter.take("a"), 0);
 * assert.equal(limiter.take("a"), 500);
 * assert.equal(limiter.take("b"), 0, "each key has its own bucket");
 * now = 500;
 * assert.equal(limiter.take("a"), 0);
 * ```
 */
export class KeyedRateLimiter {
  #now: () => number;
  #perSecond: number;
  #burst: number;
  #maxKeys: number;
  #buckets = new Map<string, { tokens: number; at: number }>();

  /** Creates the limiter. */
  constructor(options: KeyedRateLimiterOptions) {
    const { now, perSecond, burst = perSecond * 2, maxKeys = 10_000 } = options;
    if (!(perSecond > 0) || !(burst >= 1)) {
      throw new RangeError(
        `Cannot create rate limiter: 'perSecond' must be positive and 'burst' at least 1, received ${perSecond} and ${burst}`,
      );
    }
    this.#now = now;
    this.#perSecond = perSecond;
    this.#burst = burst;
    this.#maxKeys = maxKeys;
  }

  /** Takes a request for `key`: 0 when it may go, else the wait in ms. */
  take(key: string): number {
    const now = this.#now();
    const b = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    this.#buckets.delete(key); // re-inserted last: the map is oldest-first
    b.tokens = Math.min(
      this.#burst,
      b.tokens + ((now - b.at) / 1000) * this.#perSecond,
    );
    b.at = now;
    this.#buckets.set(key, b);
    if (this.#buckets.size > this.#maxKeys) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.#perSecond) * 1000);
  }
}

/**
 * Reads a byte stream whole, but never more than `maxBytes`: past it the
 * stream is cancelled and `undefined` returned, so a huge or endless body
 * costs at most the limit in memory (request bodies, upstream answers).
 *
 * @param stream The bytes.
 * @param maxBytes The limit.
 * @returns The bytes, or `undefined` when they passed the limit.
 *
 * @example Cut at the limit
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBounded } from "@/lib/resilience/limits.ts";
 * const body = () => new Blob(["hello"]).stream();
 * assert.equal((await readBounded(body(), 10))?.length, 5);
 * assert.equal(await readBounded(body(), 4), undefined);
 * ```
 */
export async function readBounded(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Options for {@linkcode MemoryBudget}. */
export interface MemoryBudgetOptions {
  /** The budget, bytes of resident memory; 0 turns it off. */
  limitBytes: number;
  /** Reads the process's resident memory, bytes (`Deno.memoryUsage().rss`). */
  read: () => number;
  /** A monotonic clock, ms. */
  now: () => number;
  /**
   * How long a reading is reused, ms: reading the figure costs a system
   * call, and a burst of upgrades needs only one.
   * @default {1000}
   */
  everyMs?: number;
  /** Told when the process goes over the budget, and when back under. */
  onChange?: (over: boolean, rssBytes: number) => void;
}

/**
 * A process memory budget: past it, new connections are refused (the
 * open ones go on), so a flood of sockets or frames the runtime buffers
 * cannot take the whole machine; under it again, they are taken.
 *
 * @example Over, then under
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryBudget } from "@/lib/resilience/limits.ts";
 * let rss = 900, t = 0;
 * const budget = new MemoryBudget({ limitBytes: 1000, read: () => rss, now: () => t });
 * assert.equal(budget.over(), false);
 * rss = 1200; t += 1000;
 * assert.equal(budget.over(), true);
 * ```
 */
export class MemoryBudget {
  #o: MemoryBudgetOptions;
  #readAt = -Infinity;
  #rss = 0;
  #over = false;

  /** Creates the budget. */
  constructor(options: MemoryBudgetOptions) {
    if (!Number.isSafeInteger(options.limitBytes) || options.limitBytes < 0) {
      throw new RangeError(
        `Cannot create memory budget: 'limitBytes' must be a non-negative integer, received ${options.limitBytes}`,
      );
    }
    this.#o = options;
  }

  /** The budget, bytes (0: off). */
  get limitBytes(): number {
    return this.#o.limitBytes;
  }

  /** The latest reading, bytes. */
  get rssBytes(): number {
    return this.#rss;
  }

  /** Whether the process is over its budget now (always false when off). */
  over(): boolean {
    const { limitBytes, everyMs = 1_000 } = this.#o;
    if (limitBytes === 0) return false;
    const now = this.#o.now();
    if (now - this.#readAt >= everyMs) {
      this.#readAt = now;
      this.#rss = this.#o.read();
      const over = this.#rss >= limitBytes;
      if (over !== this.#over) {
        this.#over = over;
        this.#o.onChange?.(over, this.#rss);
      }
    }
    return this.#over;
  }
}
