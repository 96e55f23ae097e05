/**
 * A sources file's problems the way a compiler reports them: each one as
 * `file:line:column: message` with the line and a caret under the place,
 * all of them at once. Positions come from the file's text
 * (`json_positions.ts`); an unknown field points at its key, a wrong value
 * at the value, a missing field at the object that lacks it.
 *
 * @module
 */
import {
  jsonPositions,
  type TextPosition,
  type ValuePosition,
} from "./json_positions.ts";
import type { Diagnostic, SourcesFileError } from "./sources_file.ts";

/** A diagnostic with its place in the file. */
export interface LocatedDiagnostic extends Diagnostic {
  file: string;
  /** 1-based; absent when the file's text is not known. */
  line?: number;
  column?: number;
}

/**
 * Each problem of a sources file error, located in its text.
 *
 * @param error What loading the file threw.
 * @returns One entry per problem, in the file's order.
 */
export function locateDiagnostics(
  error: SourcesFileError,
): LocatedDiagnostic[] {
  // The text is walked only when some problem is not placed yet (a file
  // refused for its nesting is placed already, and must not be walked).
  const positions = error.text === undefined ||
      error.diagnostics.every((d) => d.at)
    ? undefined
    : jsonPositions(error.text);
  const located = error.diagnostics.map((d) => {
    const at = d.at ?? (positions && placeOf(d, positions));
    return {
      ...d,
      file: error.file,
      ...(at ? { line: at.line, column: at.column } : {}),
    };
  });
  // In the file's order, as a compiler lists them.
  return located.sort((a, b) =>
    (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)
  );
}

/** How much of a line is shown before and after the column, characters. */
const SHOWN_BEFORE = 60;
const SHOWN_AFTER = 100;

/**
 * The problems as a compiler prints them: a header line each, then the
 * line of the file with a caret, and a summary line at the end.
 *
 * @example Two problems, each with its frame
 * ```ts
 * import assert from "node:assert/strict";
 * import { SourcesFileError } from "@/lib/sources/sources_file.ts";
 * import { formatDiagnostics } from "@/lib/sources/diagnostics.ts";
 * const error = new SourcesFileError("/etc/pulse.json", "x", {
 *   diagnostics: [{ path: "sources[0].intervalMs", message: "sources[0].intervalMs: found the string \"fast\"" }],
 * });
 * error.text = '{\n  "sources": [{ "intervalMs": "fast" }]\n}\n';
 * assert.equal(formatDiagnostics(error), [
 *   '/etc/pulse.json:2:31: error: sources[0].intervalMs: found the string "fast"',
 *   '   2 |   "sources": [{ "intervalMs": "fast" }]',
 *   "     |                               ^",
 *   "",
 *   "1 problem in /etc/pulse.json",
 * ].join("\n"));
 * ```
 */
export function formatDiagnostics(error: SourcesFileError): string {
  const lines = error.text?.split("\n") ?? [];
  const width = String(lines.length).length + 3;
  const blocks = locateDiagnostics(error).map((d) => {
    const where = d.line ? `${d.file}:${d.line}:${d.column}` : d.file;
    const head = `${where}: error: ${d.message}`;
    if (!d.line || !d.column) return head;
    const line = (lines[d.line - 1] ?? "").replace(/\r$/, "");
    // A long line (a minified file) is shown around the column only.
    const from = Math.max(0, d.column - 1 - SHOWN_BEFORE);
    const to = Math.min(line.length, d.column - 1 + SHOWN_AFTER);
    const text = `${from > 0 ? "..." : ""}${line.slice(from, to)}${
      to < line.length ? "..." : ""
    }`;
    const caret = d.column - 1 - from + (from > 0 ? 3 : 0);
    const gutter = String(d.line).padStart(width);
    return [
      head,
      `${gutter} | ${text}`,
      `${" ".repeat(width)} | ${" ".repeat(caret)}^`,
    ].join("\n");
  });
  const n = error.diagnostics.length;
  return `${blocks.join("\n\n")}\n\n${n} problem${
    n === 1 ? "" : "s"
  } in ${error.file}`;
}

/**
 * Where a diagnostic points: its path's value (or key, for an unknown
 * field), else the nearest enclosing value that exists.
 */
function placeOf(
  d: Diagnostic,
  positions: Map<string, ValuePosition>,
): TextPosition | undefined {
  let path = d.path.replace(/^\(top level\)\.?/, "");
  const unknownField = /: unknown field "/.test(d.message);
  for (;;) {
    const found = positions.get(path);
    if (found) return unknownField && found.key ? found.key : found.value;
    if (path === "") return undefined;
    path = path.replace(/(\.[^.[\]]*|\[\d+\])$/, "");
  }
}
