/**
 * How each declared source is polled and cached: its interval, the
 * deadline of one whole read, its jitter, its group, and how long its
 * reading counts as fresh.
 *
 * @module
 */
import type { DeclaredSource } from "../sources/mod.ts";
import type { PollPlan } from "./poller.ts";

/** Options for {@linkcode pollPlans}. */
export interface PollPlansOptions {
  /**
   * How long a polled reading counts as fresh in the cache, ms, for every
   * source without its own `cacheTtlMs` (`PULSE_CACHE_TTL_MS`). Unset:
   * half the source's interval, so each poll reads the upstream.
   */
  cacheTtlMs?: number;
  /**
   * Fraction of the interval added at random to each wait, so sources on
   * the same interval drift apart (none for sources read together).
   * @default {0.1}
   */
  jitter?: number;
}

/** A source's poll plan with its cache freshness. */
export interface SourcePlan extends PollPlan {
  /** How long its reading counts as fresh, ms (0: read through). */
  cacheTtlMs: number;
}

/**
 * Plans every declared source.
 *
 * @param declared The sources, as built from the sources file.
 * @param options Freshness and jitter.
 * @returns The plan of each source, by id.
 *
 * @example Room for every attempt and the waits between them
 * ```ts
 * import assert from "node:assert/strict";
 * import { pollPlans } from "@/lib/aggregate/mod.ts";
 * const plans = pollPlans([{
 *   kind: { readsTogether: false, pushed: false },
 *   common: { id: "s", intervalMs: 60_000, timeoutMs: 10_000,
 *     retry: { maxAttempts: 3, minDelayMs: 250, maxDelayMs: 5_000 } },
 * }] as never);
 * assert.equal(plans.s?.deadlineMs, 40_000);
 * assert.equal(plans.s?.cacheTtlMs, 30_000);
 * ```
 */
export function pollPlans(
  declared: readonly Pick<DeclaredSource, "common" | "kind">[],
  options: PollPlansOptions = {},
): Record<string, SourcePlan> {
  const { cacheTtlMs, jitter = 0.1 } = options;
  return Object.fromEntries(declared.map(({ common, kind }) => {
    const { intervalMs, timeoutMs, retry } = common;
    const together = kind.readsTogether === true;
    const plan: SourcePlan = {
      intervalMs,
      // Room for every attempt and the waits between them.
      deadlineMs: timeoutMs * retry.maxAttempts +
        retry.maxDelayMs * (retry.maxAttempts - 1),
      jitter: together ? 0 : jitter,
      ...(together ? { group: `${kind.kind}:${intervalMs}` } : {}),
      // Pushed figures are already durable: reads skip the cache.
      cacheTtlMs: kind.pushed
        ? 0
        : common.cacheTtlMs ?? cacheTtlMs ?? Math.floor(intervalMs / 2),
    };
    return [common.id, plan];
  }));
}
