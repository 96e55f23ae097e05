/**
 * What a sources file that cannot be used is refused with: every problem
 * found, each with the validator's path (for its line and column, see
 * `diagnostics.ts`) and a message that says what was found and what is
 * accepted.
 *
 * @module
 */
import { type SpecError, SpecErrors } from "../spec/mod.ts";
import type { SourcesFile } from "./sources_file_type.ts";

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
  /**
   * What of the file is sound despite its mistakes (its valid sources,
   * rules and channels as written), so later checks still run on it.
   */
  partial?: SourcesFile;
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

/**
 * The problems of several checks of one file as one error (the file's
 * own fields, then its rules and channels, then what only shows when its
 * sources are built), so every problem is reported in one run.
 *
 * @param errors The checks' errors, in the order they ran.
 * @returns One error holding every diagnostic once.
 * @throws {RangeError} For an empty list.
 */
export function mergeFileErrors(
  errors: readonly SourcesFileError[],
): SourcesFileError {
  const first = errors[0];
  if (!first) throw new RangeError("mergeFileErrors needs at least one error");
  if (errors.length === 1) return first;
  const diagnostics = errors.flatMap((e) => e.diagnostics).filter((d, i, all) =>
    all.findIndex((o) => o.message === d.message) === i
  );
  const merged = new SourcesFileError(
    first.file,
    diagnostics[0]?.message ?? first.message,
    { cause: new AggregateError(errors), diagnostics },
  );
  const text = errors.find((e) => e.text !== undefined)?.text;
  if (text !== undefined) merged.text = text;
  const partial = errors.find((e) => e.partial)?.partial;
  if (partial) merged.partial = partial;
  return merged;
}
