/**
 * JSON value types shared by the stream protocol and merge patches.
 *
 * @module
 */

/** Any JSON value. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Whether `value` is a JSON object (not an array, not null).
 *
 * @param value Any JSON value.
 * @returns `true` for plain objects.
 */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Structural equality of two JSON values (key order ignored).
 *
 * @param a First value.
 * @param b Second value.
 * @returns `true` when both encode the same JSON data.
 */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i] as JsonValue));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) =>
      Object.hasOwn(b, k) && jsonEqual(a[k] as JsonValue, b[k] as JsonValue)
    );
  }
  return false;
}
