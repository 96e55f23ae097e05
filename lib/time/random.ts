/**
 * The platform's uniform random source, kept here so the rest of `lib/`
 * takes randomness as an injected `() => number` (seeded in tests).
 *
 * @module
 */

/**
 * Uniform random numbers in [0, 1) from `Math.random`.
 *
 * @returns A number in [0, 1).
 *
 * @example In range
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemRandom } from "@/lib/time/random.ts";
 * const x = systemRandom();
 * assert.ok(x >= 0 && x < 1);
 * ```
 */
export function systemRandom(): number {
  return Math.random();
}

/**
 * A small seeded generator (mulberry32) for deterministic tests and
 * simulations.
 *
 * @param seed Any 32-bit integer.
 * @returns A function returning uniform numbers in [0, 1).
 *
 * @example Same seed, same numbers
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "@/lib/time/random.ts";
 * assert.equal(seededRandom(7)(), seededRandom(7)());
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
