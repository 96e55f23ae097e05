/**
 * What a sources file that cannot be used is refused with: every problem
 * found, each with the validator's path (for its line and column, see
 * `diagnostics.ts`) and a message that says what was found and what is
 * accepted.
 *
 * @module
 */
import { type SpecError, SpecErrors } from "./spec.ts";

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
