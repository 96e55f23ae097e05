/**
 * Graceful degradation that says what it did: "complete, else partial, else
 * cached, else default", with every result tagged by how it was obtained,
 * so the dashboard can say "stale since 14:02 (from cache)" instead of
 * silently showing old numbers.
 *
 * @module
 */

/** How a value was obtained, best first. */
export type Provenance = "complete" | "partial" | "cached" | "default";

/** One way to obtain a value; `undefined` means "nothing here". */
export interface FallbackStep<T> {
  /** How a value from this step counts. */
  how: Exclude<Provenance, "default">;
  /** Produces the value, or `undefined` when it has none. */
  get: () => Promise<T | undefined> | T | undefined;
}

/** A value and how it was obtained. */
export interface Tagged<T> {
  /** The value. */
  value: T;
  /** Which step produced it. */
  how: Provenance;
  /** Why the better steps did not, in words, best first. */
  failures: string[];
}

/**
 * Tries each step in order and returns the first value, tagged; the
 * default when every step fails or has nothing. Step errors are collected,
 * never thrown.
 *
 * @param steps The ways to obtain the value, best first.
 * @param fallback The value when nothing else works.
 * @returns The value, how it was obtained, and what failed on the way.
 *
 * @example Fall back to the cache
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstAvailable } from "@/lib/resilience/fallback.ts";
 * const result = await firstAvailable([
 *   { how: "complete", get: () => Promise.reject(new Error("upstream 503")) },
 *   { how: "cached", get: () => 1234 },
 * ], 0);
 * assert.deepEqual(result, { value: 1234, how: "cached", failures: ["complete: upstream 503"] });
 * ```
 */
export async function firstAvailable<T>(
  steps: readonly FallbackStep<T>[],
  fallback: T,
): Promise<Tagged<T>> {
  const failures: string[] = [];
  for (const step of steps) {
    try {
      const value = await step.get();
      if (value !== undefined) return { value, how: step.how, failures };
      failures.push(`${step.how}: nothing available`);
    } catch (error) {
      failures.push(
        `${step.how}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
  return { value: fallback, how: "default", failures };
}
