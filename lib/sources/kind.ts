/**
 * What a source kind declares: its own fields in the sources file, and how
 * it builds a {@linkcode Source} from them. The registry lists the kinds.
 *
 * @module
 */
import type { Clock, ReportingCalendar } from "../time/mod.ts";
import type { SyncStore } from "./sync_store.ts";
import type { Source, SourceRole } from "./source.ts";
import { type Fields, type Parsed, SpecError } from "../spec/mod.ts";
import { secretVariableProblem } from "./secret_variables.ts";
import type { IngestStore } from "./ingest/ingest_store.ts";

/** The settings every source has, whatever its kind. */
export interface CommonSettings {
  /** Unique id: the key in the P&L state and in `/api/ingest/:source`. */
  id: string;
  /** The name the board shows, when the file gives one. */
  label?: string;
  /** The adapter kind. */
  kind: string;
  /** How the amount enters the P&L. */
  role: SourceRole;
  /** Time between the end of one fetch and the start of the next, ms. */
  intervalMs: number;
  /** Time limit of one attempt, ms. */
  timeoutMs: number;
  /** How long a reading counts as fresh in the cache, ms, when the file says. */
  cacheTtlMs?: number;
  /** Most upstream requests a second, when the file says. */
  requestsPerSecond?: number;
  /** Retry settings. */
  retry: { maxAttempts: number; minDelayMs: number; maxDelayMs: number };
  /** Circuit breaker settings. */
  breaker: { failureThreshold: number; cooldownMs: number };
  /** The currency the source reports in. */
  currency: string;
  /** Fixed rate: one unit of `currency` is worth this many reporting units. */
  fxRate?: string;
  /** Where in the file this source is, for messages (`sources[2]`). */
  path: string;
}

/** What a kind may use to build its source. */
export interface SourceDeps {
  /** Time source. */
  clock: Clock;
  /** Environment variables, where secrets are read from. */
  env: Readonly<Record<string, string | undefined>>;
  /** Folder of the sources file; relative paths are resolved from it. */
  baseDir: string;
  /** Durable storage of pushed events (webhook sources). */
  ingest: IngestStore;
  /**
   * The fetch to use.
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
  /**
   * The figure a source showed last (a restored state), in minor units,
   * for kinds that continue from it (the simulator).
   * @default {() => undefined}
   */
  lastKnown?: (sourceId: string) => number | undefined;
  /**
   * Where paged sources keep their sync, page by page (so a restart goes
   * on from the page it reached). Absent: in memory only.
   */
  sync?: SyncStore;
  /**
   * The board's reporting calendar, for kinds that keep movements by
   * period (webhook increments compact old ones into the zone's days).
   * @default {a UTC calendar}
   */
  calendar?: ReportingCalendar;
}

/** A source kind: its fields and its factory. */
export interface SourceKind<F extends Fields = Fields> {
  /** The `kind` value in the file. */
  readonly kind: string;
  /** One sentence for the schema and the docs. */
  readonly description: string;
  /** The kind's own fields. */
  readonly fields: F;
  /** Poll interval used when the file gives none, ms. */
  readonly defaultIntervalMs: number;
  /**
   * Shortest poll interval the file may set, ms.
   * @default {100}
   */
  readonly minIntervalMs?: number;
  /** The currency used when the file gives none; else the reporting one. */
  readonly fixedCurrency?: string;
  /**
   * Most upstream requests a second when the file gives none: below the
   * upstream's own limit, with room for the owner's use of the key.
   * @default {undefined (no cap)}
   */
  readonly defaultRequestsPerSecond?: number;
  /**
   * Sources of this kind that share an interval are parts of one upstream
   * (the simulator's figures): read together on an exact schedule and
   * published as one change.
   * @default {false}
   */
  readonly readsTogether?: boolean;
  /**
   * The figures are pushed to the server and already stored durably (a
   * webhook), so reading them skips the cache tiers.
   * @default {false}
   */
  readonly pushed?: boolean;
  /**
   * Builds the source; throws {@linkcode SpecError} for a setting that
   * only shows up as wrong now (a missing secret, an unreadable key).
   */
  create(
    common: CommonSettings,
    settings: Parsed<F>,
    deps: SourceDeps,
  ): Promise<Source>;
}

/**
 * Reads the secret an `...Env` field names.
 *
 * @param deps Where the environment is.
 * @param name The variable's name.
 * @param path The field that named it, for the message.
 * @returns The value, untouched.
 * @throws {SpecError} When the variable is unset or empty; the message
 *   names the variable, never a value.
 */
export function readSecret(
  deps: SourceDeps,
  name: string,
  path: string,
): string {
  const problem = secretVariableProblem(name);
  if (problem) throw new SpecError(path, `${path}: ${problem}`);
  const value = deps.env[name];
  if (value === undefined || value.trim() === "") {
    throw new SpecError(
      path,
      `${path}: the environment variable ${name} is not set (or empty); set it to the secret, or change ${path} to the variable that holds it`,
    );
  }
  return value;
}

/**
 * Declares a kind with its field types inferred.
 *
 * @param kind The declaration.
 * @returns The same declaration.
 */
export function defineKind<F extends Fields>(
  kind: SourceKind<F>,
): SourceKind<F> {
  return kind;
}
