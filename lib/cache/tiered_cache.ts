/**
 * The read path through the tiers: a fresh L1, else a fresh L2, else the
 * upstream (once, however many readers wait), written through to every
 * tier; when the upstream fails, the freshest of L2 (even expired), L3 and
 * L4, tagged with where it came from and how old it is.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import type { MemoryTier } from "./memory_tier.ts";
import type { CacheEntry, CacheTier, TierName } from "./tier.ts";

/** Where a value came from. */
export type Origin = "live" | TierName;

/** A value and its provenance. */
export interface CachedValue<T> {
  /** The value. */
  value: T;
  /** `live` when fetched now, else the tier that answered. */
  origin: Origin;
  /** Whether it is within its freshness window. */
  fresh: boolean;
  /** When it was fetched from upstream, epoch ms. */
  storedAt: number;
  /** Why the upstream was not used, when it failed. */
  error?: unknown;
}

/** Options for {@linkcode TieredCache}. */
export interface TieredCacheOptions<T> {
  /** Time source. */
  clock: Clock;
  /** L1: process memory (also runs the single flight). */
  l1: MemoryTier<T>;
  /** L2: Redis, when configured. */
  l2?: CacheTier<T>;
  /** L3: SQLite. */
  l3?: CacheTier<T>;
  /** L4: last known values in memory, always present. */
  l4: MemoryTier<T>;
}

/**
 * Reads through the tiers.
 *
 * @example Fresh from upstream, then from L1
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { MemoryTier } from "@/lib/cache/memory_tier.ts";
 * import { TieredCache } from "@/lib/cache/tiered_cache.ts";
 * const clock = new FakeClock();
 * const cache = new TieredCache<number>({ clock, l1: new MemoryTier(), l4: new MemoryTier({ name: "L4" }) });
 * assert.equal((await cache.read("k", 1000, () => Promise.resolve(7))).origin, "live");
 * assert.equal((await cache.read("k", 1000, () => Promise.resolve(8))).origin, "L1");
 * ```
 */
export class TieredCache<T> {
  #clock: Clock;
  #l1: MemoryTier<T>;
  #l2?: CacheTier<T>;
  #l3?: CacheTier<T>;
  #l4: MemoryTier<T>;

  /** Creates the read path over the tiers. */
  constructor(options: TieredCacheOptions<T>) {
    this.#clock = options.clock;
    this.#l1 = options.l1;
    this.#l2 = options.l2;
    this.#l3 = options.l3;
    this.#l4 = options.l4;
  }

  /** The tiers present, fastest first. */
  get tiers(): CacheTier<T>[] {
    return [this.#l1, this.#l2, this.#l3, this.#l4].filter((
      t,
    ): t is CacheTier<T> => t !== undefined);
  }

  /**
   * Reads `key`: fresh L1, fresh L2, else `fetch` (single-flight) written
   * through; on a failed fetch, the freshest stored value, tagged. With
   * `live`, fresh copies are passed over: the caller knows the upstream
   * changed (a push, a new period) and needs it asked now.
   *
   * @throws The fetch's error when no tier has anything.
   */
  async read(
    key: string,
    ttlMs: number,
    fetch: () => Promise<T>,
    options: { live?: boolean } = {},
  ): Promise<CachedValue<T>> {
    const now = this.#clock.now();
    const live = options.live === true;
    // Judged fresh at `now`: an expired entry counts as a miss, not a hit.
    const l1 = live ? undefined : await this.#l1.get(key, now);
    if (l1 && l1.expiresAt > now) return tagged(l1, "L1", true);
    const l2 = await this.#l2?.get(key, now);
    if (!live && l2 && l2.expiresAt > now) {
      await this.#l1.set(key, l2);
      return tagged(l2, "L2", true);
    }
    try {
      return await this.#l1.singleFlight(key, async () => {
        const value = await fetch();
        const storedAt = this.#clock.now();
        const entry: CacheEntry<T> = {
          value,
          storedAt,
          expiresAt: storedAt + ttlMs,
        };
        await Promise.all(
          [this.#l1, this.#l2, this.#l3, this.#l4].map((t) =>
            t?.set(key, entry)
          ),
        );
        return tagged(entry, "live", true);
      });
    } catch (error) {
      const candidates: [CacheEntry<T> | undefined, TierName][] = [
        [l2, "L2"],
        [await this.#l3?.get(key), "L3"],
        [await this.#l4.get(key), "L4"],
      ];
      let best: [CacheEntry<T>, TierName] | undefined;
      for (const [entry, tier] of candidates) {
        if (entry && (!best || entry.storedAt > best[0].storedAt)) {
          best = [entry, tier];
        }
      }
      if (!best) throw error;
      return {
        ...tagged(best[0], best[1], best[0].expiresAt > this.#clock.now()),
        error,
      };
    }
  }

  /** Seeds L4 (at boot, from L3). */
  async seedLastKnown(entries: [string, CacheEntry<T>][]): Promise<void> {
    for (const [key, entry] of entries) await this.#l4.set(key, entry);
  }
}

function tagged<T>(
  entry: CacheEntry<T>,
  origin: Origin,
  fresh: boolean,
): CachedValue<T> {
  return { value: entry.value, origin, fresh, storedAt: entry.storedAt };
}
