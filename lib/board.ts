/**
 * The board a configuration describes, loaded one way for the server and
 * both scripts (`check-config`, `alerts:test`): the sources file (or the
 * built-in simulator), its alert rules and channels, its reporting
 * calendar, and the `PULSE_*` variables that nothing reads (a misspelt
 * setting is otherwise silently ignored).
 *
 * @module
 */
import { type Alerting, alertingOf } from "./alerts/mod.ts";
import {
  type Config,
  type Env,
  type UnknownVariable,
  unknownVariables,
} from "./config.ts";
import {
  embeddedSourcesFile,
  loadSourcesFile,
  mergeFileErrors,
  referencedVariables,
  type SourcesFile,
  SourcesFileError,
} from "./sources/mod.ts";
import { ReportingCalendar } from "./time/mod.ts";
import { createHash } from "node:crypto";

/** What a configuration describes. */
export interface Board {
  /** The sources file as parsed (the simulator's without `PULSE_CONFIG`). */
  file: SourcesFile;
  /** Its alert rules and channels, their secrets read. */
  alerting: Alerting;
  /** Its periods: the file's zone, else `PULSE_TIMEZONE`. */
  calendar: ReportingCalendar;
  /** `PULSE_*` variables neither a setting nor used by the file. */
  unknownVariables: UnknownVariable[];
  /**
   * What the board is, in 12 hex characters: its currency and each
   * source's id, kind and role. The history and the last state are kept
   * per tag, so another board's never show here.
   */
  tag: string;
  /** Whether a saved state (of any version) is this board's. */
  owns: (state: unknown) => boolean;
}

/** Options for {@linkcode loadBoard}. */
export interface LoadBoardOptions {
  /** The environment, where the file's secrets are read. */
  env: Env;
  /**
   * Variables the caller itself reads (a worker's slot, its sockets), not
   * to be reported as unknown.
   * @default {[]}
   */
  ownVariables?: readonly string[];
}

/**
 * Loads the board: a bad file or bad alerting refuses at once, before
 * anything is opened.
 *
 * @param config The resolved configuration.
 * @param options The environment and the caller's own variables.
 * @returns The board.
 * @throws {SourcesFileError} When the sources file, a rule or a channel
 *   cannot be used.
 * @throws {CalendarError} When the zone is unknown.
 *
 * @example The built-in simulator
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadBoard } from "@/lib/board.ts";
 * import { parseConfig } from "@/lib/config.ts";
 * const board = await loadBoard(parseConfig({}), { env: { PULSE_TYPO: "1" } });
 * assert.equal(board.file.currency, "USD");
 * assert.equal(board.unknownVariables[0]?.variable, "PULSE_TYPO");
 * ```
 */
export async function loadBoard(
  config: Config,
  options: LoadBoardOptions,
): Promise<Board> {
  const { env, ownVariables = [] } = options;
  // Each check runs on what the one before found sound, so a file's
  // problems (its fields, then its rules and channels) come in one error.
  const problems: SourcesFileError[] = [];
  let file: SourcesFile;
  try {
    file = config.sourcesPath
      ? await loadSourcesFile(config.sourcesPath, config.currency)
      : embeddedSourcesFile({
        intervalMs: config.simIntervalMs,
        currency: config.currency,
      });
  } catch (error) {
    if (!(error instanceof SourcesFileError) || !error.partial) throw error;
    problems.push(error);
    file = error.partial;
  }
  let alerting: Alerting | undefined;
  try {
    alerting = await alertingOf(file, env, config.weekStart);
  } catch (error) {
    if (!(error instanceof SourcesFileError)) throw error;
    problems.push(error);
  }
  if (problems.length > 0) {
    const error = mergeFileErrors(problems);
    error.partial = file;
    throw error;
  }
  const identity = boardIdentity(
    file.currency,
    file.entries.map(({ common: c }) => [c.id, c.kind, c.role]),
  );
  return {
    tag: createHash("sha256").update(identity).digest("hex").slice(0, 12),
    owns: (state) => ownIdentity(state) === identity,
    file,
    alerting: alerting!,
    // The sources file's zone wins over PULSE_TIMEZONE.
    calendar: new ReportingCalendar({
      timeZone: file.timeZone ?? config.timeZone,
      weekStart: config.weekStart,
    }),
    unknownVariables: unknownVariables(env, [
      ...referencedVariables(file),
      ...ownVariables,
    ]),
  };
}

/** The board's currency and its sources, sorted, as one string. */
function boardIdentity(
  currency: string,
  sources: readonly (readonly string[])[],
): string {
  return JSON.stringify([
    currency,
    sources.map((s) => s.join(":")).sort(),
  ]);
}

/** The identity a saved state shows, if it has the fields to tell. */
function ownIdentity(state: unknown): string | undefined {
  const s = state as {
    currency?: unknown;
    sources?: Record<string, { kind?: unknown; role?: unknown }>;
  } | null;
  if (typeof s?.currency !== "string" || typeof s.sources !== "object") {
    return undefined;
  }
  return boardIdentity(
    s.currency,
    Object.entries(s.sources ?? {}).map(([id, x]) => [
      id,
      String(x?.kind),
      String(x?.role),
    ]),
  );
}
