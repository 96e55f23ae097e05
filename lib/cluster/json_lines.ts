/**
 * The local bus's framing: one JSON text per line, both ways.
 *
 * @module
 */

import { textLines } from "../protocol/mod.ts";

const encoder = new TextEncoder();

/**
 * Calls `onLine` with each non-empty line of `readable` until it ends.
 *
 * @param readable The connection's bytes.
 * @param onLine Told each line, without its newline.
 * @throws {Error} What the stream throws when the connection breaks.
 */
export async function readLines(
  readable: ReadableStream<Uint8Array<ArrayBuffer>>,
  onLine: (line: string) => void,
): Promise<void> {
  for await (const line of textLines(readable)) if (line) onLine(line);
}

/** `message` as one line of JSON, encoded. */
export function jsonLine(message: unknown): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${JSON.stringify(message)}\n`);
}
