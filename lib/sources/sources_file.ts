/**
 * The sources file (`PULSE_CONFIG`): read, validated field by field at
 * start-up with messages that name the file, the source, the field, what
 * was found and what is accepted, and turned into guarded-ready sources.
 * Each entry's fields are in `source_entry.ts`, the error it is refused
 * with in `file_error.ts`, its diagnostics' places in `diagnostics.ts`.
 * Over 300 lines: reading, checking and building a file are one pass
 * (each stage goes on with what the last found sound); the entry's
 * checks, the shape and the errors are already apart.
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { CommonSettings, SourceDeps, SourceKind } from "./kind.ts";
import { inReportingCurrency } from "./fixed_rate.ts";
import { SOURCE_KINDS } from "./registry.ts";
import type { Source } from "./source.ts";
import {
  collectErrors,
  currencyCode,
  type Fields,
  type JsonSchema,
  listOf,
  objectSchema,
  parseObject,
  SpecError,
  str,
  timeZoneName,
} from "../spec/mod.ts";
import { jsonSyntaxError } from "./json_positions.ts";
import { SourcesFileError, specErrorsToFileError } from "./file_error.ts";
import type { SourcesFile } from "./sources_file_type.ts";
import { commonFields, parseEntry, type SourceEntry } from "./source_entry.ts";

const TOP_FIELDS = {
  $schema: {
    type: str(),
    optional: true,
    description: "The JSON Schema for editors (ignored by the server)",
  },
  title: {
    type: str({ words: "a title of 1 to 80 characters", maxLength: 80 }),
    optional: true,
    description:
      'The board\'s title, shown as its heading and in the browser tab, such as "Acme P&L"; "Pulseboard" when absent',
  },
  currency: {
    type: currencyCode,
    optional: true,
    description:
      "Reporting currency of the board; PULSE_CURRENCY (or USD) when absent",
  },
  timezone: {
    type: timeZoneName,
    optional: true,
    description:
      'The time zone of the reporting periods (today, week, month, quarter, year to date), an IANA name such as "Europe/Berlin"; PULSE_TIMEZONE (or UTC) when absent',
  },
  sources: {
    type: listOf({ parse: (v: unknown) => v, schema: () => ({}) }, 100),
    description: "The sources, at least one",
  },
  // Checked by lib/alerts (which knows their fields), not here.
  alerts: {
    type: listOf({ parse: (v: unknown) => v, schema: () => ({}) }, 200),
    optional: true,
    description: "Alert rules (docs/alerts.md)",
  },
  channels: {
    type: listOf({ parse: (v: unknown) => v, schema: () => ({}) }, 50),
    optional: true,
    description: "Where alerts are delivered (docs/alerts.md)",
  },
  digests: {
    type: listOf({ parse: (v: unknown) => v, schema: () => ({}) }, 20),
    optional: true,
    description:
      "Daily or weekly summaries sent over channels (docs/alerts.md)",
  },
} satisfies Fields;

export {
  type Diagnostic,
  SourcesFileError,
  specErrorsToFileError,
} from "./file_error.ts";
export type { SourceEntry } from "./source_entry.ts";
export type { SourcesFile } from "./sources_file_type.ts";

/** A built source: the one to read, the adapter inside, its settings. */
export interface DeclaredSource {
  /** The source to read, converted into the reporting currency; disposing
   * it releases what the adapter holds (a SQL source's database). */
  source: Source & Partial<Disposable>;
  /** The adapter itself (a webhook source takes deliveries). */
  inner: Source;
  /** Its common settings. */
  common: CommonSettings;
  /** Its kind's declaration. */
  kind: SourceKind;
}

/**
 * The sources in one line for the start's log: "shop (stripe, revenue,
 * every 60000 ms); ...".
 *
 * @param declared The declared sources.
 * @returns The line.
 */
export function describeSources(declared: readonly DeclaredSource[]): string {
  return declared.map(({ common }) =>
    `${common.id} (${common.kind}, ${common.role}, every ${common.intervalMs} ms)`
  ).join("; ");
}

/** The largest sources file read, bytes. */
export const MAX_SOURCES_FILE_BYTES = 1_048_576;
/** The deepest nesting of objects and arrays in a sources file. */
export const MAX_SOURCES_FILE_DEPTH = 32;

/**
 * Where a JSON text first nests deeper than `max` (objects and arrays,
 * outside strings), found without recursion, so a hostile file cannot
 * overflow the stack of anything that walks it later.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tooDeep } from "@/lib/sources/sources_file.ts";
 * assert.equal(tooDeep('{"a": [[1]]}', 3), undefined);
 * assert.deepEqual(tooDeep('{"a": [[1]]}', 2), { line: 1, column: 8, offset: 7 });
 * assert.equal(tooDeep('{"a": "[[[[["}', 2), undefined);
 * ```
 */
export function tooDeep(
  text: string,
  max: number,
): { line: number; column: number; offset: number } | undefined {
  let depth = 0;
  let line = 1;
  let column = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    column++;
    if (ch === "\n") {
      line++;
      column = 0;
    } else if (inString) {
      if (ch === "\\") {
        i++;
        column++;
      } else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") {
      if (++depth > max) return { line, column, offset: i };
    } else if (ch === "}" || ch === "]") depth--;
  }
  return undefined;
}

/**
 * Reads and validates a sources file.
 *
 * @param path The file (`PULSE_CONFIG`).
 * @param defaultCurrency The reporting currency when the file names none.
 * @returns The validated entries.
 * @throws {SourcesFileError} With every problem found, each located.
 */
export async function loadSourcesFile(
  path: string,
  defaultCurrency: string,
): Promise<SourcesFile> {
  const file = resolve(path);
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_SOURCES_FILE_BYTES) {
      throw new SourcesFileError(
        file,
        `it is ${size} bytes; a sources file may be at most ${MAX_SOURCES_FILE_BYTES} bytes (a board of a hundred sources is about 30 KB): is PULSE_CONFIG the right file?`,
      );
    }
    text = await readFile(file, "utf8");
  } catch (cause) {
    if (cause instanceof SourcesFileError) throw cause;
    throw new SourcesFileError(
      file,
      `cannot read it: ${
        (cause as Error).message
      }; PULSE_CONFIG must name a readable JSON file`,
    );
  }
  const deep = tooDeep(text, MAX_SOURCES_FILE_DEPTH);
  if (deep) {
    const message =
      `nested deeper than ${MAX_SOURCES_FILE_DEPTH} levels at line ${deep.line}, column ${deep.column}; a sources file needs a handful`;
    const error = new SourcesFileError(file, message, {
      diagnostics: [{ path: "", message, at: deep }],
    });
    error.text = text;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const fault = jsonSyntaxError(text);
    const message = fault
      ? `not valid JSON: expected ${fault.expected} at line ${fault.at.line}, column ${fault.at.column}`
      : `not valid JSON: ${(cause as Error).message}`;
    const error = new SourcesFileError(file, message, {
      cause,
      diagnostics: [{ path: "", message, ...(fault ? { at: fault.at } : {}) }],
    });
    error.text = text;
    throw error;
  }
  try {
    return { ...parseSourcesFile(json, file, defaultCurrency), text };
  } catch (error) {
    if (error instanceof SourcesFileError) {
      error.text = text;
      if (error.partial) error.partial = { ...error.partial, text };
    }
    throw error;
  }
}

/**
 * Validates a parsed sources file.
 *
 * @param json The parsed document.
 * @param file Its path, for messages.
 * @param defaultCurrency The reporting currency when the file names none.
 * @returns The validated entries.
 * @throws {SourcesFileError} With every problem found, each located.
 */
export function parseSourcesFile(
  json: unknown,
  file: string,
  defaultCurrency: string,
): SourcesFile {
  const errors: SpecError[] = [];
  const top = collectErrors(
    errors,
    () => parseObject(json, TOP_FIELDS, "(top level)"),
  );
  const raw = (typeof json === "object" && json !== null ? json : {}) as {
    sources?: unknown;
    currency?: unknown;
  };
  // A mistake elsewhere at the top does not hide the sources' own.
  const currency = top?.currency ??
    collectErrors([], () => currencyCode.parse(raw.currency, "currency")) ??
    defaultCurrency;
  const sources = top?.sources ??
    (Array.isArray(raw.sources) ? raw.sources as unknown[] : undefined);
  if (sources && sources.length === 0) {
    errors.push(
      new SpecError(
        "sources",
        "sources: the list is empty; declare at least one source (or unset PULSE_CONFIG to run the simulator)",
      ),
    );
  }
  const seen = new Map<string, string>();
  const entries = (sources ?? []).map((item, i) =>
    collectErrors(errors, () => parseEntry(item, i, currency, seen))
  );
  // With mistakes, what is sound is still checked on (rules, channels,
  // secrets), so a file's every problem shows in one run.
  const field = <K extends keyof typeof TOP_FIELDS>(key: K) =>
    top ? top[key] : collectErrors(
      [],
      () =>
        TOP_FIELDS[key].type.parse(
          (raw as Record<string, unknown>)[key],
          `(top level).${key}`,
        ) as ReturnType<(typeof TOP_FIELDS)[K]["type"]["parse"]>,
    );
  const title = field("title");
  const timeZone = field("timezone");
  const alerts = field("alerts");
  const channels = field("channels");
  const digests = field("digests");
  const parsed: SourcesFile = {
    file,
    currency,
    ...(title !== undefined ? { title } : {}),
    ...(timeZone !== undefined ? { timeZone } : {}),
    entries: entries.filter((e): e is SourceEntry => e !== undefined),
    ...(alerts ? { alerts } : {}),
    ...(channels ? { channels } : {}),
    ...(digests ? { digests } : {}),
  };
  if (errors.length > 0) {
    const error = specErrorsToFileError(file, errors);
    error.partial = {
      ...parsed,
      declaredIds: [
        ...new Set((sources ?? []).flatMap((s) => {
          const id = (s as { id?: unknown } | null)?.id;
          return typeof id === "string" ? [id] : [];
        })),
      ],
    };
    throw error;
  }
  return parsed;
}

/**
 * Builds the sources a validated file declares, each converted into the
 * reporting currency. Checks what only shows now: secrets present in the
 * environment, keys readable, databases and queries usable.
 *
 * @param sourcesFile The validated file.
 * @param deps Clock, environment, storage.
 * @returns Each source to read (converted), the adapter inside it, and its
 *   settings, in file order.
 * @throws {SourcesFileError} Naming the source and the setting.
 */
export async function createSources(
  sourcesFile: SourcesFile,
  deps: Omit<SourceDeps, "baseDir">,
): Promise<DeclaredSource[]> {
  const built: DeclaredSource[] = [];
  // Every source's problem (a missing secret, an unreadable key), not
  // only the first.
  const errors: SpecError[] = [];
  try {
    for (const { common, kind, settings } of sourcesFile.entries) {
      try {
        const source = await kind.create(common, settings as never, {
          ...deps,
          baseDir: dirname(sourcesFile.file),
        });
        built.push({
          source: inReportingCurrency(
            source,
            sourcesFile.currency,
            common.fxRate,
          ),
          inner: source,
          common,
          kind,
        });
      } catch (error) {
        if (!(error instanceof SpecError)) throw error;
        errors.push(
          new SpecError(
            error.path,
            `source "${common.id}" (${common.path}): ${error.message}`,
          ),
        );
      }
    }
    if (errors.length > 0) {
      const error = specErrorsToFileError(sourcesFile.file, errors);
      // A missing secret is located at its field, like every problem.
      if (sourcesFile.text !== undefined) error.text = sourcesFile.text;
      throw error;
    }
    return built;
  } catch (error) {
    for (const b of built) {
      (b.source as Partial<Disposable>)[Symbol.dispose]?.();
    }
    throw error;
  }
}

/**
 * The JSON Schema of the sources file, from the same declarations the
 * validator uses (`deno task docs` writes it to docs/).
 *
 * @param sections Schemas of top-level lists other areas validate
 *   (`alerts` and `channels`, from `lib/alerts`).
 * @returns The schema.
 */
export function sourcesFileSchema(
  sections: Record<string, JsonSchema> = {},
): JsonSchema {
  const variants = Object.values(SOURCE_KINDS).map((kind) => ({
    description: kind.description,
    ...objectSchema(
      { ...commonFields(kind), ...kind.fields },
      { kind: { const: kind.kind } },
    ),
  }));
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id:
      "https://github.com/pulseboard/pulseboard/docs/pulse-config.schema.json",
    title: "Pulseboard sources file (PULSE_CONFIG)",
    ...objectSchema(TOP_FIELDS),
    properties: {
      ...(objectSchema(TOP_FIELDS).properties as Record<string, JsonSchema>),
      sources: {
        description: TOP_FIELDS.sources.description,
        type: "array",
        minItems: 1,
        maxItems: 100,
        items: { oneOf: variants },
      },
      ...sections,
    },
  };
}
