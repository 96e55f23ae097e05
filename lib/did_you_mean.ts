/**
 * "Did you mean ...?": the known name closest to a misspelt one, by edit
 * distance (a swap of two neighbours counts as one edit), when it is close
 * enough to be a typo rather than a different word. Browser-safe.
 *
 * @module
 */

/**
 * The closest of `known` to `word`, if any is within a typo's reach
 * (case is ignored; at most a third of the word's length, at least 1).
 *
 * @param word The name as written.
 * @param known The names that exist.
 * @returns The suggestion, or undefined.
 *
 * @example A dropped letter
 * ```ts
 * import assert from "node:assert/strict";
 * import { didYouMean } from "@/lib/did_you_mean.ts";
 * assert.equal(didYouMean("PULSE_CURENCY", ["PULSE_CURRENCY", "PULSE_DB"]), "PULSE_CURRENCY");
 * assert.equal(didYouMean("PULSE_COLOR", ["PULSE_CURRENCY", "PULSE_DB"]), undefined);
 * ```
 */
export function didYouMean(
  word: string,
  known: readonly string[],
): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = distance(word.toLowerCase(), name.toLowerCase());
    if (d <= limit && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** Optimal string alignment distance (Damerau-Levenshtein without reuse). */
function distance(a: string, b: string): number {
  const rows = Array.from(
    { length: a.length + 1 },
    (_, i) =>
      Array.from(
        { length: b.length + 1 },
        (_, j) => i === 0 ? j : j === 0 ? i : 0,
      ),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        rows[i - 1]![j]! + 1,
        rows[i]![j - 1]! + 1,
        rows[i - 1]![j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
