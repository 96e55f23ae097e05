/**
 * The local bus's framing: one JSON text per line, both ways.
 *
 * @module
 */

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
  const reader = readable.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    let end: number;
    while ((end = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line) onLine(line);
    }
  }
}

/** `message` as one line of JSON, encoded. */
export function jsonLine(message: unknown): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${JSON.stringify(message)}\n`);
}
