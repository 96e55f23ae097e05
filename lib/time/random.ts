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

const ID_ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A random id of letters and digits from the platform's CSPRNG (epochs,
 * instance names).
 *
 * @param length How many characters.
 * @returns The id.
 *
 * @example An epoch-shaped id
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomId } from "@/lib/time/random.ts";
 * assert.match(randomId(12), /^[A-Za-z0-9]{12}$/);
 * ```
 */
export function randomId(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => ID_ALPHABET[b % 62]).join("");
}

/**
 * Random bytes from the platform's CSPRNG, as hex (keys, secrets).
 *
 * @param bytes How many bytes.
 * @returns Twice as many hex digits.
 *
 * @example A 32-byte key
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomHex } from "@/lib/time/random.ts";
 * assert.match(randomHex(32), /^[0-9a-f]{64}$/);
 * ```
 */
export function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
