/**
 * Island props as JSON that is safe inside a `<script>` element: no value,
 * however hostile, can close the element or open a comment.
 *
 * @module
 */

/** Characters that must not appear raw inside a script element. */
const UNSAFE: Readonly<Record<string, string>> = Object.freeze({
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
});

/**
 * Serializes island props for a `<script type="application/json">` element.
 * Only plain JSON data is accepted: islands take serializable props, so a
 * function, a class instance, `undefined` at the top, a non-finite number
 * or a cycle is a programming error reported at render time.
 *
 * @param props The props.
 * @returns JSON text with `<`, `>`, `&`, U+2028 and U+2029 escaped.
 * @throws {TypeError} Naming the path of a value that is not plain JSON.
 *
 * @example A hostile string stays inside the script
 * ```ts
 * import assert from "node:assert/strict";
 * import { serializeProps } from "@/lib/islands/serialize_props.ts";
 * const text = serializeProps({ note: "</script><script>alert(1)</script><!--" });
 * assert.ok(!text.includes("<"));
 * assert.deepEqual(JSON.parse(text), { note: "</script><script>alert(1)</script><!--" });
 * ```
 */
export function serializeProps(props: unknown): string {
  assertPlainJson(props, "props", new Set());
  return JSON.stringify(props).replace(
    /[<>&\u2028\u2029]/g,
    (c) => UNSAFE[c] ?? c,
  );
}

function assertPlainJson(
  value: unknown,
  path: string,
  seen: Set<object>,
): void {
  if (
    value === null || typeof value === "string" || typeof value === "boolean"
  ) {
    return;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new TypeError(
        `Cannot serialize island props: ${path} is ${value}, which JSON cannot carry`,
      );
    }
    return;
  }
  if (typeof value !== "object") {
    throw new TypeError(
      `Cannot serialize island props: ${path} is a ${typeof value}; islands take plain JSON data only`,
    );
  }
  if (seen.has(value)) {
    throw new TypeError(`Cannot serialize island props: ${path} is a cycle`);
  }
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    throw new TypeError(
      `Cannot serialize island props: ${path} is a ${
        value.constructor?.name ?? "class instance"
      }; islands take plain JSON data only`,
    );
  }
  seen.add(value);
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined && !Array.isArray(value)) continue; // JSON drops it, as expected
    assertPlainJson(member, `${path}.${key}`, seen);
  }
  seen.delete(value);
}
