/**
 * A source read through the cache tiers: a fresh cached reading when there
 * is one, else the upstream; when the upstream fails, the freshest stored
 * reading stands in, tagged with its tier. Each read is timed and counted.
 *
 * @module
 */
import type { TieredCache } from "../cache/mod.ts";
import type { ReadContext, Reading, Source } from "../sources/mod.ts";
import type { Clock } from "../time/mod.ts";
import type { SourceRead } from "./poller.ts";

/** How one read went, for metrics. */
export type ReadOutcome = "ok" | "cached" | "error";

/** Options for {@linkcode cachedRead}. */
export interface CachedReadOptions {
  /** Time source, for the read's duration. */
  clock: Clock;
  /** How long a source's reading counts as fresh, ms (0: never cached). */
  ttlMs: (sourceId: string) => number;
  /** Told how long each read took, in seconds, and how it went. */
  onRead?: (sourceId: string, seconds: number, outcome: ReadOutcome) => void;
}

/**
 * Builds the poller's `read`: through `cache`, keyed `source:<id>`.
 *
 * @param cache The tiers.
 * @param options Clock, freshness per source, and the read hook.
 * @returns A read function for {@linkcode PnlPoller}.
 *
 * @example A second read inside the freshness window is served by L1
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryTier, TieredCache } from "@/lib/cache/mod.ts";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { cachedRead } from "@/lib/aggregate/mod.ts";
 * import type { Reading } from "@/lib/sources/mod.ts";
 * const clock = new FakeClock();
 * const cache = new TieredCache<Reading>({ clock, l1: new MemoryTier(), l4: new MemoryTier({ name: "L4" }) });
 * let upstream = 0;
 * const source = { id: "s", kind: "test", role: "revenue" as const, read: () => {
 *   upstream++;
 *   return Promise.resolve({ source: "s", role: "revenue" as const, amountMinor: 1, currency: "USD", asOf: "2026-01-01T00:00:00.000Z" });
 * } };
 * const read = cachedRead(cache, { clock, ttlMs: () => 1000 });
 * await read(source, new AbortController().signal);
 * const again = await read(source, new AbortController().signal);
 * assert.equal(again.origin, "L1");
 * assert.equal(upstream, 1);
 * ```
 */
export function cachedRead(
  cache: TieredCache<Reading>,
  options: CachedReadOptions,
): (
  source: Source,
  signal: AbortSignal,
  context?: ReadContext,
) => Promise<SourceRead> {
  const { clock, ttlMs, onRead = () => {} } = options;
  return async function readThroughCache(source, signal, context) {
    const started = clock.monotonic();
    const seconds = () => (clock.monotonic() - started) / 1000;
    const key = `source:${source.id}`;
    const live = () => source.read(signal, context);
    try {
      const ttl = ttlMs(source.id);
      // A push said the upstream changed: past the cache, then through it.
      let c = await cache.read(key, ttl, live, { live: context?.live });
      // A flow's cached reading from before today began reports periods
      // that have ended: read it afresh.
      const today = context?.periods.today.from;
      const at = c.value.periodsAt;
      if (
        c.error === undefined && c.origin !== "live" && today !== undefined &&
        at !== undefined && Date.parse(at) < today
      ) c = await cache.read(key, ttl, live, { live: true });
      const fresh = c.origin === "live" || c.error === undefined;
      onRead(source.id, seconds(), fresh ? "ok" : "cached");
      return {
        reading: c.value,
        origin: c.origin,
        fresh,
        ...(c.error !== undefined ? { error: c.error } : {}),
      };
    } catch (error) {
      onRead(source.id, seconds(), "error");
      throw error;
    }
  };
}
