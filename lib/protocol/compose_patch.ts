/**
 * Composition of RFC 7396 merge patches: one patch with the effect of
 * applying two in turn, so a client that fell behind gets one small delta
 * instead of every missed one.
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "./json.ts";

/**
 * Composes `first` then `second` into one patch, or returns `undefined`
 * when no single merge patch has exactly that effect: when `second` merges
 * an object into a member that `first` replaced with a non-object or
 * removed, the composed patch would wrongly keep the target's old members.
 * Callers fall back to a snapshot then.
 *
 * @param first The earlier patch.
 * @param second The later patch.
 * @returns The composed patch, or `undefined`.
 *
 * @example Later values win, nested objects merge
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeMergePatches } from "@/lib/protocol/compose_patch.ts";
 * assert.deepEqual(
 *   composeMergePatches({ a: 1, o: { x: 1 } }, { b: 2, o: { y: 2 } }),
 *   { a: 1, b: 2, o: { x: 1, y: 2 } },
 * );
 * assert.equal(composeMergePatches({ o: 5 }, { o: { y: 2 } }), undefined);
 * ```
 */
export function composeMergePatches(
  first: JsonObject,
  second: JsonObject,
): JsonObject | undefined {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(first)) set(out, key, value);
  for (const [key, later] of Object.entries(second)) {
    const earlier = Object.hasOwn(first, key) ? first[key] : undefined;
    if (earlier === undefined || !isJsonObject(later)) {
      set(out, key, later as JsonValue);
    } else if (isJsonObject(earlier)) {
      const sub = composeMergePatches(earlier, later);
      if (sub === undefined) return undefined;
      set(out, key, sub);
    } else {
      return undefined;
    }
  }
  return out;
}

function set(object: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
