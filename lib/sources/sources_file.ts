/**
 * The sources file (`PULSE_CONFIG`): read, validated field by field at
 * start-up with messages that name the file, the source, the field, what
 * was found and what is accepted, and turned into guarded-ready sources.
 * Over 350 lines: the common fields, the validator and the schema read
 * one declaration; [operator]'s diagnostics (line:column, all errors at
 * once) are the seam to split it along.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { CommonSettings, SourceDeps, SourceKind } from "./kind.ts";
import { inReportingCurrency } from "./fixed_rate.ts";
import { SOURCE_KINDS } from "./registry.ts";
import type { Source, SourceRole } from "./source.ts";
import {
  collectErrors,
  currencyCode,
  type Fields,
  int,
  type JsonSchema,
  listOf,
  nested,
  objectSchema,
  oneOf,
  parseObject,
  positiveDecimal,
  SpecError,
  SpecErrors,
  str,
  throwCollected,
  timeZoneName,
} from "./spec.ts";
import { jsonSyntaxError } from "./json_positions.ts";
import { didYouMean } from "../did_you_mean.ts";

/** The sources file cannot be used; the message says where and why. */
export class SourcesFileError extends Error {
  /** The file. */
  readonly file: string;
  /** Always `PULSE_CONFIG`, like ConfigError's field. */
  readonly variable = "PULSE_CONFIG";
  /** Each problem found, with its place in the file (see diagnostics.ts). */
  readonly diagnostics: readonly Diagnostic[];
  /** The file's text, when it was read (for line:column and frames). */
  text?: string;
  /** Creates the error; several problems each become a diagnostic. */
  constructor(
    file: string,
    message: string,
    options?: ErrorOptions & { diagnostics?: readonly Diagnostic[] },
  ) {
    const diagnostics = options?.diagnostics ?? [{ path: "", message }];
    super(
      `Invalid sources file ${file} (PULSE_CONFIG): ${
        diagnostics.length > 1
          ? `${diagnostics.length} problems:\n${
            diagnostics.map((d) => `- ${d.message}`).join("\n")
          }`
          : message
      }`,
      options,
    );
    this.name = "SourcesFileError";
    this.file = file;
    this.diagnostics = diagnostics;
  }
}

/** One problem of a sources file: where (the validator's path) and what. */
export interface Diagnostic {
  /** Such as `sources[2].intervalMs`; `""` for the whole file. */
  path: string;
  /** For people: what was found and what is accepted. */
  message: string;
  /** Where in the text, when known apart from the path (a syntax error). */
  at?: { line: number; column: number; offset: number };
}

/**
 * The error for problems the validators found.
 *
 * @param file The file.
 * @param errors What they threw (one, or several).
 */
export function specErrorsToFileError(
  file: string,
  errors: readonly SpecError[],
): SourcesFileError {
  // Both halves of a source (common and kind fields) see an unknown key.
  const unique = errors.filter((e, i) =>
    errors.findIndex((o) => o.message === e.message) === i
  );
  return new SourcesFileError(file, unique[0]?.message ?? "invalid", {
    cause: unique.length === 1 ? unique[0] : new SpecErrors(unique),
    diagnostics: unique.map((e) => ({ path: e.path, message: e.message })),
  });
}

const RETRY_FIELDS = {
  maxAttempts: {
    type: int(1, 10),
    default: 3,
    description: "Most attempts per fetch, the first included",
  },
  minDelayMs: {
    type: int(1, 60_000),
    default: 250,
    description: "First backoff ceiling, ms (full jitter)",
  },
  maxDelayMs: {
    type: int(1, 300_000),
    default: 5_000,
    description: "Largest backoff ceiling, ms",
  },
} satisfies Fields;

const BREAKER_FIELDS = {
  failureThreshold: {
    type: int(1, 1000),
    default: 5,
    description: "Consecutive failures that open the circuit",
  },
  cooldownMs: {
    type: int(100, 3_600_000),
    default: 30_000,
    description: "How long the circuit stays open before one probe, ms",
  },
} satisfies Fields;

function commonFields(kind: SourceKind): Fields {
  return {
    id: {
      type: str({
        pattern: /^[a-z0-9][a-z0-9_-]{0,63}$/,
        maxLength: 64,
        words:
          'an id of lower-case letters, digits, "-" and "_" (up to 64), such as "stripe-eu"',
      }),
      description:
        "Unique id: the key in the P&L and the :source of /api/ingest",
    },
    label: {
      type: str({ words: "a name of 1 to 80 characters", maxLength: 80 }),
      optional: true,
      description:
        'The name the board shows for this source, such as "Stripe (EU)"; the id when absent',
    },
    role: {
      type: oneOf(["revenue", "expense", "trading"] as const),
      description:
        "How the amount enters the P&L: net = revenue + trading - expense",
    },
    intervalMs: {
      type: int(kind.minIntervalMs ?? 100, 86_400_000),
      default: kind.defaultIntervalMs,
      description:
        "Time from the start of one fetch to the start of the next, ms (plus up to 10% jitter); a fetch that takes longer is followed at once",
    },
    timeoutMs: {
      type: int(100, 120_000),
      default: 10_000,
      description: "Time limit of one attempt, ms",
    },
    requestsPerSecond: {
      type: int(1, 1000),
      ...(kind.defaultRequestsPerSecond
        ? { default: kind.defaultRequestsPerSecond }
        : { optional: true }),
      description:
        "Most upstream requests a second (each page of a paged sync), leaving room for the owner's own use of the key; Stripe allows about 25 in test mode and 100 live, Kalshi's Basic tier about 20 reads",
    },
    cacheTtlMs: {
      type: int(0, 86_400_000),
      optional: true,
      description:
        "How long a reading counts as fresh in the cache tiers, ms: a read inside it is answered without asking the upstream (0: always ask). PULSE_CACHE_TTL_MS, else half of intervalMs, when absent; webhook sources are never cached",
    },
    retry: {
      type: nested(RETRY_FIELDS),
      default: parseObject({}, RETRY_FIELDS, "retry"),
      description: "Retries of a failed fetch",
    },
    breaker: {
      type: nested(BREAKER_FIELDS),
      default: parseObject({}, BREAKER_FIELDS, "breaker"),
      description: "The source's circuit breaker",
    },
    currency: {
      type: currencyCode,
      optional: true,
      description: kind.fixedCurrency
        ? `Always ${kind.fixedCurrency} for this kind`
        : "The currency the source reports in; the reporting currency by default",
    },
    fxRate: {
      type: positiveDecimal,
      optional: true,
      description:
        "For a source in another currency: one unit of it is worth this many units of the reporting currency (a fixed rate)",
    },
  };
}

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
} satisfies Fields;

/** One validated source entry. */
export interface SourceEntry {
  /** Common settings. */
  common: CommonSettings;
  /** The kind. */
  kind: SourceKind;
  /** The kind's own settings. */
  settings: Record<string, unknown>;
}

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

/** A validated sources file. */
export interface SourcesFile {
  /** Absolute path of the file. */
  file: string;
  /** Reporting currency. */
  currency: string;
  /** The board's title, when the file gives one. */
  title?: string;
  /** The time zone of the reporting periods, when the file gives one. */
  timeZone?: string;
  /** The sources, in file order. */
  entries: SourceEntry[];
  /** The file's text, when read from disk (for line:column in errors). */
  text?: string;
  /** The alert rules as written (validated by `lib/alerts`). */
  alerts?: readonly unknown[];
  /** The alert channels as written (validated by `lib/alerts`). */
  channels?: readonly unknown[];
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
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new SourcesFileError(
      file,
      `cannot read it: ${
        (cause as Error).message
      }; PULSE_CONFIG must name a readable JSON file`,
    );
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
    if (error instanceof SourcesFileError) error.text = text;
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
  if (errors.length > 0) throw specErrorsToFileError(file, errors);
  return {
    file,
    currency,
    ...(top!.title !== undefined ? { title: top!.title } : {}),
    ...(top!.timezone !== undefined ? { timeZone: top!.timezone } : {}),
    entries: entries as SourceEntry[],
    ...(top!.alerts ? { alerts: top!.alerts } : {}),
    ...(top!.channels ? { channels: top!.channels } : {}),
  };
}

/**
 * Validates one source entry; every problem of it, each prefixed with the
 * source's name.
 */
function parseEntry(
  raw: unknown,
  i: number,
  currency: string,
  seen: Map<string, string>,
): SourceEntry {
  const path = `sources[${i}]`;
  const label = (typeof (raw as { id?: unknown })?.id === "string")
    ? `source "${(raw as { id: string }).id}" (${path})`
    : path;
  const named = (e: SpecError) =>
    label === path ? e : new SpecError(e.path, `${label}: ${e.message}`);
  const errors: SpecError[] = [];
  const entry = collectErrors(
    errors,
    () => checkEntry(raw, path, currency, seen),
  );
  throwCollected(errors.map(named));
  return entry!;
}

function checkEntry(
  raw: unknown,
  path: string,
  currency: string,
  seen: Map<string, string>,
): SourceEntry {
  const kindName = (raw as { kind?: unknown })?.kind;
  const kind = typeof kindName === "string"
    ? SOURCE_KINDS[kindName]
    : undefined;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new SpecError(path, `${path}: expected an object`);
  }
  if (!kind) {
    const near = typeof kindName === "string"
      ? didYouMean(kindName, Object.keys(SOURCE_KINDS))
      : undefined;
    throw new SpecError(
      `${path}.kind`,
      `${path}.kind: found ${
        kindName === undefined ? "nothing" : JSON.stringify(kindName)
      }, expected one of ${
        Object.keys(SOURCE_KINDS).map((k) => `"${k}"`).join(", ")
      }${near ? ` (did you mean "${near}"?)` : ""}`,
    );
  }
  // Both halves are checked, so each reports its own problems.
  const errors: SpecError[] = [];
  const common = collectErrors(
    errors,
    () =>
      parseObject(raw, commonFields(kind), path, [
        "kind",
        ...Object.keys(kind.fields),
      ]),
  ) as
    | Omit<CommonSettings, "kind" | "path" | "currency"> & {
      currency?: string;
    }
    | undefined;
  const settings = collectErrors(
    errors,
    () =>
      parseObject(raw, kind.fields, path, [
        "kind",
        ...Object.keys(commonFields(kind)),
      ]),
  );
  throwCollected(errors);
  const c = common!;
  const sourceCurrency = c.currency ?? kind.fixedCurrency ?? currency;
  if (kind.fixedCurrency && sourceCurrency !== kind.fixedCurrency) {
    throw new SpecError(
      `${path}.currency`,
      `${path}.currency: found "${sourceCurrency}", but ${kind.kind} always reports ${kind.fixedCurrency}`,
    );
  }
  if (sourceCurrency !== currency && c.fxRate === undefined) {
    throw new SpecError(
      `${path}.fxRate`,
      `${path}: the source reports ${sourceCurrency} and the board reports ${currency}; add "fxRate" (one ${sourceCurrency} in ${currency}, such as "1.08") or change the board's currency`,
    );
  }
  if (sourceCurrency === currency && c.fxRate !== undefined) {
    throw new SpecError(
      `${path}.fxRate`,
      `${path}.fxRate: the source already reports ${currency}, the board's currency; remove "fxRate"`,
    );
  }
  if (c.retry.minDelayMs > c.retry.maxDelayMs) {
    throw new SpecError(
      `${path}.retry`,
      `${path}.retry: minDelayMs (${c.retry.minDelayMs}) is above maxDelayMs (${c.retry.maxDelayMs})`,
    );
  }
  const earlier = seen.get(c.id);
  if (earlier) {
    throw new SpecError(
      `${path}.id`,
      `${path}.id: "${c.id}" is already the id of ${earlier}; ids must be unique`,
    );
  }
  seen.set(c.id, path);
  return {
    common: {
      ...c,
      kind: kind.kind,
      role: c.role as SourceRole,
      currency: sourceCurrency,
      path,
    },
    kind,
    settings: settings as Record<string, unknown>,
  };
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
      throw specErrorsToFileError(sourcesFile.file, errors);
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
