/**
 * Where each value of a JSON document is, by the path the validator names
 * it with (`sources[2].retry.maxAttempts`), so a configuration error can
 * say `file:line:column` and show the line; and where a syntax error is.
 * A small scanner over text `JSON.parse` already accepted (or that it
 * refused, for the syntax error's place).
 *
 * @module
 */

/** A place in the text: 1-based line and column, 0-based offset. */
export interface TextPosition {
  line: number;
  column: number;
  offset: number;
}

/** Where a value is, and its key when it is an object member. */
export interface ValuePosition {
  value: TextPosition;
  key?: TextPosition;
}

/**
 * Every value's position by its path: `""` for the whole document, `a`,
 * `a.b`, `a[0]`, `a[0].b`.
 *
 * @param text JSON text.
 * @returns The positions found (a malformed document yields what was
 *   scanned before the fault).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonPositions } from "@/lib/sources/json_positions.ts";
 * const where = jsonPositions('{\n  "sources": [\n    {"id": 1}\n  ]\n}');
 * assert.deepEqual(where.get("sources[0].id")?.value, { line: 3, column: 12, offset: 28 });
 * assert.deepEqual(where.get("sources[0].id")?.key, { line: 3, column: 6, offset: 22 });
 * ```
 */
export function jsonPositions(text: string): Map<string, ValuePosition> {
  const out = new Map<string, ValuePosition>();
  const lines = lineStarts(text);
  const at = (offset: number) => positionAt(lines, offset);
  let i = 0;
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // the opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    try {
      return JSON.parse(text.slice(start, i));
    } catch {
      return text.slice(start + 1, i - 1);
    }
  };
  const value = (path: string, key?: TextPosition): void => {
    space();
    out.set(path, { value: at(i), ...(key ? { key } : {}) });
    const c = text[i];
    if (c === "{") {
      i++;
      for (;;) {
        space();
        if (text[i] === "}" || i >= text.length) break;
        if (text[i] !== '"') return;
        const keyAt = at(i);
        const name = string();
        space();
        if (text[i] !== ":") return;
        i++;
        value(path ? `${path}.${name}` : name, keyAt);
        space();
        if (text[i] === ",") i++;
        else break;
      }
      i++;
    } else if (c === "[") {
      i++;
      for (let n = 0;; n++) {
        space();
        if (text[i] === "]" || i >= text.length) break;
        value(`${path}[${n}]`);
        space();
        if (text[i] === ",") i++;
        else break;
      }
      i++;
    } else if (c === '"') {
      string();
    } else {
      while (i < text.length && /[^\s,\]}]/.test(text[i]!)) i++;
    }
  };
  value("");
  return out;
}

/**
 * Where a JSON text stops being JSON, and what was expected there (V8's
 * own message does not always say where).
 *
 * @param text The text `JSON.parse` refused.
 * @returns The place and the words, or undefined when the text is JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonSyntaxError } from "@/lib/sources/json_positions.ts";
 * const fault = jsonSyntaxError('{\n  "a": 1,\n  "b": }');
 * assert.deepEqual(fault?.at, { line: 3, column: 8, offset: 19 });
 * assert.equal(fault?.expected, "a value");
 * ```
 */
export function jsonSyntaxError(
  text: string,
): { at: TextPosition; expected: string } | undefined {
  const lines = lineStarts(text);
  let i = 0;
  class Fault {
    constructor(readonly offset: number, readonly expected: string) {}
  }
  const space = () => {
    while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
  };
  const expect = (what: string, ok: boolean) => {
    if (!ok) throw new Fault(i, what);
  };
  const string = () => {
    expect("a string in double quotes", text[i] === '"');
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i]! < " ") {
        throw new Fault(i, "no control character in a string");
      }
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          expect(
            "four hex digits",
            /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5)),
          );
          i += 5;
          continue;
        }
        expect(
          'an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)',
          '"\\/bfnrt'.includes(text[i] ?? "x"),
        );
      }
      i++;
    }
    expect('the closing "', text[i] === '"');
    i++;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      space();
      if (text[i] === "}") return void i++;
      for (;;) {
        space();
        string();
        space();
        expect("':' after the key", text[i] === ":");
        i++;
        value();
        space();
        if (text[i] === ",") {
          i++;
          space();
          expect("another key (no trailing comma in JSON)", text[i] === '"');
          continue;
        }
        expect("',' or '}'", text[i] === "}");
        i++;
        return;
      }
    }
    if (c === "[") {
      i++;
      space();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ",") {
          i++;
          space();
          expect("another value (no trailing comma in JSON)", text[i] !== "]");
          continue;
        }
        expect("',' or ']'", text[i] === "]");
        i++;
        return;
      }
    }
    if (c === '"') return string();
    const literal =
      /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/
        .exec(text.slice(i));
    expect("a value", literal !== null);
    i += literal![0].length;
  };
  try {
    value();
    space();
    expect("the end of the document", i >= text.length);
    return undefined;
  } catch (fault) {
    if (!(fault instanceof Fault)) throw fault;
    return { at: positionAt(lines, fault.offset), expected: fault.expected };
  }
}

/** The offsets at which each line starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\n") starts.push(i + 1);
  }
  return starts;
}

function positionAt(starts: number[], offset: number): TextPosition {
  let line = 0;
  while (line + 1 < starts.length && starts[line + 1]! <= offset) line++;
  return { line: line + 1, column: offset - starts[line]! + 1, offset };
}
