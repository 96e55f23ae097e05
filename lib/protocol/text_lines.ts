/**
 * Bytes to lines, the one reader for every line-framed stream: the SSE
 * client's event stream, the workers' local bus and heartbeats, a
 * script's standard input. Browser-safe (`TextDecoderStream` only).
 *
 * @module
 */

/**
 * Yields each line of a byte stream, without its `\n` (or `\r\n`), until
 * the stream ends; a last line without a newline is not yielded (a
 * framed message is whole only once its newline came).
 *
 * @param readable The bytes.
 * @param onText Told each decoded chunk as it arrives (activity, counts).
 * @returns The lines, empty ones included (SSE ends an event with one).
 * @throws {Error} What the stream throws when the connection breaks.
 *
 * @example Lines across chunks
 * ```ts
 * import assert from "node:assert/strict";
 * import { textLines } from "@/lib/protocol/text_lines.ts";
 * const bytes = ReadableStream.from(["a\r\nb", "c\n\nd"].map((t) => new TextEncoder().encode(t)));
 * const lines: string[] = [];
 * for await (const line of textLines(bytes)) lines.push(line);
 * assert.deepEqual(lines, ["a", "bc", ""]);
 * ```
 */
export async function* textLines(
  readable: ReadableStream<Uint8Array<ArrayBuffer>>,
  onText?: (text: string) => void,
): AsyncGenerator<string, void, undefined> {
  const reader = readable.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onText?.(value);
    buffered += value;
    let end: number;
    while ((end = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      yield line.endsWith("\r") ? line.slice(0, -1) : line;
    }
  }
}
