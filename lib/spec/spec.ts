/**
 * Field descriptors for the sources file: one declaration per field gives
 * both the validator (with messages that name the field, what was found
 * and what is accepted) and the JSON Schema editors use, so the two
 * cannot drift apart. Over 350 lines: one small descriptor per kind of
 * value, each with its schema, read best side by side, and the object
 * parser that reports every problem at once with its error types; the
 * parser and its errors are the seam should it grow.
 *
 * @module
 */
import { didYouMean } from "../did_you_mean.ts";
import { parseTimeZone } from "../time/mod.ts";

/** JSON Schema, as much of it as the descriptors produce. */
export type JsonSchema = Record<string, unknown>;

/** A field's value is not acceptable; `path` locates it in the file. */
export class SpecError extends Error {
  /** Where in the document, such as `sources[0].intervalMs`. */
  readonly path: string;
  /** Creates the error. */
  constructor(path: string, message: string) {
    super(message);
    this.name = "SpecError";
    this.path = path;
  }
}

/**
 * Several problems in one document, each with its place: what a
 * validator throws when it found more than one (a compiler reports every
 * error, not the first).
 */
export class SpecErrors extends Error {
  /** Each problem, in document order. */
  readonly errors: readonly SpecError[];
  /** Creates the error. */
  constructor(errors: readonly SpecError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "SpecErrors";
    this.errors = errors;
  }
}

/**
 * Runs `fn`, adding what it throws to `errors` (a SpecError, or each of a
 * SpecErrors) instead of stopping.
 *
 * @returns What `fn` returned, or undefined when it threw.
 */
export function collectErrors<T>(
  errors: SpecError[],
  fn: () => T,
): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SpecErrors) errors.push(...error.errors);
    else if (error instanceof SpecError) errors.push(error);
    else throw error;
    return undefined;
  }
}

/**
 * Throws what was collected: nothing for none, the error for one,
 * {@linkcode SpecErrors} for several.
 */
export function throwCollected(errors: readonly SpecError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new SpecErrors(errors);
}

/** One field type: how to check a value, and its schema. */
export interface FieldType<T> {
  /** Checks `value` found at `path`; throws {@linkcode SpecError}. */
  parse(value: unknown, path: string): T;
  /** The JSON Schema of the accepted values. */
  schema(): JsonSchema;
}

/** A field of an object: its type, whether required, and its default. */
export interface Field<T> {
  /** The value's type. */
  type: FieldType<T>;
  /** What it means, for the schema and the docs. */
  description: string;
  /** Used when the field is absent; absent and no default = required. */
  default?: T;
  /** Absent is fine and stays `undefined`. */
  optional?: boolean;
}

/** Describes what was found, briefly, for error messages. */
export function describeFound(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    return value.length > 60
      ? `the string ${JSON.stringify(value.slice(0, 57) + "...")}`
      : `the string ${JSON.stringify(value)}`;
  }
  return `${typeof value} ${String(value)}`;
}

function fail(path: string, value: unknown, expected: string): never {
  throw new SpecError(
    path,
    `${path}: found ${describeFound(value)}, expected ${expected}`,
  );
}

/** A string, optionally matching a pattern (described in words). */
export function str(
  options: { pattern?: RegExp; words?: string; maxLength?: number } = {},
): FieldType<string> {
  const { pattern, words = "a string", maxLength = 2000 } = options;
  return {
    parse(value, path) {
      if (
        typeof value !== "string" || value.length === 0 ||
        value.length > maxLength || (pattern && !pattern.test(value))
      ) fail(path, value, words);
      return value;
    },
    schema: () => ({
      type: "string",
      minLength: 1,
      maxLength,
      ...(pattern ? { pattern: pattern.source } : {}),
    }),
  };
}

/** An integer within bounds. */
export function int(min: number, max: number): FieldType<number> {
  return {
    parse(value, path) {
      if (
        !Number.isSafeInteger(value) || (value as number) < min ||
        (value as number) > max
      ) {
        fail(path, value, `an integer from ${min} to ${max}`);
      }
      return value as number;
    },
    schema: () => ({ type: "integer", minimum: min, maximum: max }),
  };
}

/** One of a few strings. */
export function oneOf<const T extends string>(
  values: readonly T[],
): FieldType<T> {
  return {
    parse(value, path) {
      if (!values.includes(value as T)) {
        const near = typeof value === "string"
          ? didYouMean(value, values)
          : undefined;
        fail(
          path,
          value,
          `one of ${values.map((v) => `"${v}"`).join(", ")}${
            near ? ` (did you mean "${near}"?)` : ""
          }`,
        );
      }
      return value as T;
    },
    schema: () => ({ enum: [...values] }),
  };
}

/** The name of an environment variable that holds a secret. */
export const envName: FieldType<string> = str({
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  maxLength: 200,
  words:
    'the name of an environment variable (letters, digits and "_", such as "KALSHI_KEY_ID"); secrets never go in this file',
});

/** An ISO 4217 currency code. */
export const currencyCode: FieldType<string> = str({
  pattern: /^[A-Z]{3}$/,
  maxLength: 3,
  words: 'an ISO 4217 currency code in capitals, such as "USD"',
});

/** `true` or `false`. */
export function bool(): FieldType<boolean> {
  return {
    parse(value, path) {
      if (typeof value !== "boolean") fail(path, value, "true or false");
      return value;
    },
    schema: () => ({ type: "boolean" }),
  };
}

/** An IANA time zone name, checked against the runtime's zone data. */
export const timeZoneName: FieldType<string> = {
  parse(value, path) {
    const words = 'an IANA time zone such as "UTC" or "Europe/Berlin"';
    if (typeof value !== "string" || value.length === 0 || value.length > 64) {
      fail(path, value, words);
    }
    try {
      return parseTimeZone(value);
    } catch {
      return fail(path, value, words);
    }
  },
  schema: () => ({ type: "string", minLength: 1, maxLength: 64 }),
};

/** A positive decimal written as a string (exact, no float). */
export const positiveDecimal: FieldType<string> = str({
  pattern: /^(?:0|[1-9]\d*)(?:\.\d{1,12})?$/,
  maxLength: 40,
  words: 'a positive decimal as a string, such as "1.0825"',
});

/** An absolute http(s) URL. */
export const httpUrl: FieldType<string> = {
  parse(value, path) {
    let url: URL | undefined;
    try {
      url = typeof value === "string" ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      fail(
        path,
        value,
        'an absolute http(s) URL, such as "https://api.example.com/v1"',
      );
    }
    return (value as string).replace(/\/+$/, "");
  },
  schema: () => ({ type: "string", format: "uri", pattern: "^https?://" }),
};

/** A JSON Pointer (RFC 6901). */
export const jsonPointer: FieldType<string> = str({
  pattern: /^(?:\/(?:[^~/]|~[01])*)*$/,
  maxLength: 500,
  words: 'a JSON Pointer such as "/data/total" ("" for the whole document)',
});

/** An ISO-8601 date or date-time. */
export const isoDate: FieldType<string> = {
  parse(value, path) {
    if (
      typeof value !== "string" ||
      !/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/
        .test(value) ||
      !Number.isFinite(Date.parse(value))
    ) {
      fail(
        path,
        value,
        'an ISO-8601 date or date-time with a zone, such as "2026-01-01" or "2026-01-01T00:00:00Z"',
      );
    }
    return new Date(value).toISOString();
  },
  schema: () => ({ type: "string", format: "date-time" }),
};

/** A list of values of one type. */
export function listOf<T>(
  item: FieldType<T>,
  maxItems = 100,
): FieldType<T[]> {
  return {
    parse(value, path) {
      if (!Array.isArray(value) || value.length > maxItems) {
        fail(path, value, `an array of at most ${maxItems} items`);
      }
      const errors: SpecError[] = [];
      const items = value.map((v, i) =>
        collectErrors(errors, () => item.parse(v, `${path}[${i}]`))
      );
      throwCollected(errors);
      return items as T[];
    },
    schema: () => ({ type: "array", maxItems, items: item.schema() }),
  };
}

/** An object whose keys are free and whose values are strings. */
export function stringMap(maxEntries = 50): FieldType<Record<string, string>> {
  return {
    parse(value, path) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        fail(path, value, "an object of string values");
      }
      const entries = Object.entries(value);
      if (entries.length > maxEntries) {
        fail(path, value, `an object of at most ${maxEntries} entries`);
      }
      for (const [k, v] of entries) {
        if (typeof v !== "string") {
          fail(`${path}.${k}`, v, "a string");
        }
      }
      return Object.fromEntries(entries) as Record<string, string>;
    },
    schema: () => ({
      type: "object",
      additionalProperties: { type: "string" },
      maxProperties: maxEntries,
    }),
  };
}

/** The declared fields of one object. */
export type Fields = Record<string, Field<unknown>>;

/** The parsed value of an object with `F`'s fields. */
export type Parsed<F extends Fields> = {
  [K in keyof F]: F[K] extends Field<infer T> ? T : never;
};

/**
 * Reads the declared fields of `value`; unknown fields are an error (a
 * typo is the common case), and so is a missing required one.
 *
 * @param value The object from the file.
 * @param fields Its declared fields.
 * @param path Where it is, for messages.
 * @param ignore Keys checked elsewhere (present but not in `fields`).
 * @returns The fields, defaults applied.
 * @throws {SpecError} For the problem found, or {@linkcode SpecErrors}
 *   for each of several.
 */
export function parseObject<F extends Fields>(
  value: unknown,
  fields: F,
  path: string,
  ignore: readonly string[] = [],
): Parsed<F> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(path, value, "an object");
  }
  const record = value as Record<string, unknown>;
  // Every problem of the object, not only the first.
  const errors: SpecError[] = [];
  for (const key of Object.keys(record)) {
    // Own fields only: "__proto__", "constructor" or "toString" are not
    // fields because every object inherits them.
    if (!Object.hasOwn(fields, key) && !ignore.includes(key)) {
      const known = Object.keys(fields).concat(ignore).sort();
      const near = didYouMean(key, known);
      errors.push(
        new SpecError(
          `${path}.${key}`,
          `${path}: unknown field "${key}"${
            near ? ` (did you mean "${near}"?)` : ""
          }; the accepted fields are ${known.map((k) => `"${k}"`).join(", ")}`,
        ),
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    const at = `${path}.${key}`;
    if (record[key] === undefined) {
      if (field.default !== undefined) out[key] = field.default;
      else if (!field.optional) {
        errors.push(
          new SpecError(
            at,
            `${path}: missing field "${key}": ${field.description}`,
          ),
        );
      }
      continue;
    }
    collectErrors(errors, () => {
      out[key] = field.type.parse(record[key], at);
    });
  }
  throwCollected(errors);
  return out as Parsed<F>;
}

/**
 * The JSON Schema of an object with `fields`.
 *
 * @param fields The declared fields.
 * @param extra Properties declared elsewhere (such as a discriminator).
 * @returns A closed object schema.
 */
export function objectSchema(
  fields: Fields,
  extra: Record<string, JsonSchema> = {},
): JsonSchema {
  const properties: Record<string, JsonSchema> = { ...extra };
  const required: string[] = Object.keys(extra);
  for (const [key, field] of Object.entries(fields)) {
    properties[key] = {
      description: field.description,
      ...field.type.schema(),
      ...(field.default !== undefined ? { default: field.default } : {}),
    };
    if (field.default === undefined && !field.optional) required.push(key);
  }
  return {
    type: "object",
    additionalProperties: false,
    required,
    properties,
  };
}

/** A nested object field. */
export function nested<F extends Fields>(fields: F): FieldType<Parsed<F>> {
  return {
    parse: (value, path) => parseObject(value, fields, path),
    schema: () => objectSchema(fields),
  };
}
