/**
 * RFC 7396 JSON Merge Patch: apply a patch, and compute the patch that takes
 * one state to another. Browser-safe: used by the hub and by every client.
 *
 * @module
 */
import {
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
} from "./json.ts";

/**
 * Applies a merge patch to a target, returning a new value (the target is
 * not modified), exactly as RFC 7396 section 2 specifies.
 *
 * @param target The document to patch.
 * @param patch The merge patch.
 * @returns The patched document.
 *
 * @example Replace, add and remove members
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyMergePatch } from "@/lib/protocol/merge_patch.ts";
 * assert.deepEqual(
 *   applyMergePatch({ a: "b", c: { d: "e", f: "g" } }, { a: "z", c: { f: null } }),
 *   { a: "z", c: { d: "e" } },
 * );
 * ```
 */
export function applyMergePatch(
  target: JsonValue,
  patch: JsonValue,
): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      const current = Object.hasOwn(result, key)
        ? result[key] as JsonValue
        : null;
      setMember(result, key, applyMergePatch(current, value));
    }
  }
  return result;
}

/**
 * Computes the smallest merge patch that takes `from` to `to`, or
 * `undefined` when they are equal (a change that alters nothing publishes
 * nothing).
 *
 * Merge patches cannot set a member to `null` (null means "remove"), so a
 * `null` anywhere inside an object of `to` is refused rather than silently
 * turned into a deletion: states leave such members out instead.
 *
 * @param from The current document.
 * @param to The next document.
 * @returns The patch, or `undefined` when nothing changed.
 * @throws {TypeError} When `to` holds `null` as an object member.
 *
 * @example Only what changed is sent
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMergePatch } from "@/lib/protocol/merge_patch.ts";
 * assert.deepEqual(
 *   createMergePatch({ net: 1, cur: "USD", old: true }, { net: 2, cur: "USD" }),
 *   { net: 2, old: null },
 * );
 * assert.equal(createMergePatch({ a: [1] }, { a: [1] }), undefined);
 * ```
 */
export function createMergePatch(
  from: JsonValue,
  to: JsonValue,
): JsonValue | undefined {
  if (!isJsonObject(to) || !isJsonObject(from)) {
    assertNoNullMembers(to, "$");
    return jsonEqual(from, to) ? undefined : to;
  }
  return diffObjects(from, to, "$");
}

function diffObjects(
  from: JsonObject,
  to: JsonObject,
  path: string,
): JsonObject | undefined {
  const patch: JsonObject = {};
  let changed = false;
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) {
      setMember(patch, key, null);
      changed = true;
    }
  }
  for (const [key, next] of Object.entries(to)) {
    const memberPath = `${path}.${key}`;
    if (next === null) {
      throw new TypeError(
        `Cannot create merge patch: ${memberPath} is null, which a merge patch cannot express; omit the member instead`,
      );
    }
    const prev = Object.hasOwn(from, key) ? from[key] as JsonValue : undefined;
    if (prev !== undefined && isJsonObject(prev) && isJsonObject(next)) {
      const sub = diffObjects(prev, next, memberPath);
      if (sub !== undefined) {
        setMember(patch, key, sub);
        changed = true;
      }
    } else if (prev === undefined || !jsonEqual(prev, next)) {
      assertNoNullMembers(next, memberPath);
      setMember(patch, key, next);
      changed = true;
    }
  }
  return changed ? patch : undefined;
}

function assertNoNullMembers(value: JsonValue, path: string): void {
  if (Array.isArray(value)) return; // arrays are replaced whole; nulls in them are fine
  if (!isJsonObject(value)) return;
  for (const [key, member] of Object.entries(value)) {
    if (member === null) {
      throw new TypeError(
        `Cannot create merge patch: ${path}.${key} is null, which a merge patch cannot express; omit the member instead`,
      );
    }
    assertNoNullMembers(member, `${path}.${key}`);
  }
}

/**
 * Sets an own data member even for keys such as `__proto__`, which plain
 * assignment would turn into a prototype change in browsers.
 */
function setMember(object: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
