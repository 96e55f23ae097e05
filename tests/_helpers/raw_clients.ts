/**
 * Clients over raw TCP that can stop reading at will, to play a slow
 * consumer: the kernel's buffers fill, then the server's backlog grows.
 */

/** A raw connection that reads only when asked. */
export interface StalledConnection extends AsyncDisposable {
  /** Reads whatever arrives until `done` says stop or the deadline. */
  readUntil(
    done: (text: string) => boolean,
    timeoutMs?: number,
  ): Promise<string>;
  /** Everything read so far, decoded. */
  readonly text: string;
  /** Everything read so far, as bytes. */
  bytes(): Uint8Array;
  /** Whether the server closed the connection. */
  readonly eof: boolean;
  close(): void;
}

async function connect(
  url: string,
  request: string,
): Promise<StalledConnection> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  await conn.write(new TextEncoder().encode(request));
  const decoder = new TextDecoder();
  let text = "";
  const chunks: Uint8Array[] = [];
  let eof = false;
  let closed = false;
  const buffer = new Uint8Array(256 * 1024);
  const close = () => {
    if (closed) return;
    closed = true;
    conn.close();
  };
  return {
    get text() {
      return text;
    },
    get eof() {
      return eof;
    },
    bytes() {
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let offset = 0;
      for (const c of chunks) {
        all.set(c, offset);
        offset += c.length;
      }
      return all;
    },
    async readUntil(done, timeoutMs = 10_000) {
      // A read blocks while the peer is silent: the deadline closes the socket.
      const timer = setTimeout(close, timeoutMs);
      try {
        while (!eof && !closed && !done(text)) {
          const n = await conn.read(buffer).catch(() => null);
          if (n === null) eof = true;
          else {
            chunks.push(buffer.slice(0, n));
            text += decoder.decode(buffer.subarray(0, n), { stream: true });
          }
        }
      } finally {
        clearTimeout(timer);
      }
      return text;
    },
    close,
    [Symbol.asyncDispose]: () => Promise.resolve(close()),
  };
}

/** Opens an SSE request and reads nothing until asked. */
export function stalledSse(url: string): Promise<StalledConnection> {
  const { host, pathname, search } = new URL(url);
  return connect(
    url,
    `GET ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`,
  );
}

/** Opens a WebSocket by hand and reads nothing until asked. */
export function stalledWebSocket(url: string): Promise<StalledConnection> {
  const { host, pathname, search } = new URL(url);
  const key = btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))),
  );
  return connect(
    url,
    `GET ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
}

/** The `data:` payloads of an SSE response read raw (chunked or not). */
export function sseDataLines(raw: Uint8Array): string[] {
  const headerEnd = indexOf(raw, [13, 10, 13, 10]);
  const head = new TextDecoder().decode(raw.subarray(0, headerEnd))
    .toLowerCase();
  let body = raw.subarray(headerEnd + 4);
  if (head.includes("transfer-encoding: chunked")) body = dechunk(body);
  return new TextDecoder().decode(body).split("\n")
    .filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
}

/** Removes HTTP/1.1 chunked framing; a trailing partial chunk is dropped. */
function dechunk(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let i = 0;
  for (;;) {
    const lineEnd = indexOf(bytes.subarray(i), [13, 10]);
    if (lineEnd < 0) break;
    const size = parseInt(
      new TextDecoder().decode(bytes.subarray(i, i + lineEnd)),
      16,
    );
    if (!Number.isFinite(size) || size === 0) break;
    const start = i + lineEnd + 2;
    if (start + size > bytes.length) break;
    parts.push(bytes.subarray(start, start + size));
    i = start + size + 2;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The text frames of a raw WebSocket stream (server frames are unmasked).
 * Returns the payloads and the close code, if a close frame arrived.
 */
export function webSocketFrames(
  raw: Uint8Array,
): { texts: string[]; closeCode?: number } {
  const start = indexOf(raw, [13, 10, 13, 10]) + 4;
  const texts: string[] = [];
  const decoder = new TextDecoder();
  let closeCode: number | undefined;
  let i = start;
  while (i + 2 <= raw.length) {
    const opcode = raw[i]! & 0x0f;
    let len = raw[i + 1]! & 0x7f;
    let header = 2;
    if (len === 126) {
      len = (raw[i + 2]! << 8) | raw[i + 3]!;
      header = 4;
    } else if (len === 127) {
      len = Number(
        new DataView(raw.buffer, raw.byteOffset + i + 2, 8).getBigUint64(0),
      );
      header = 10;
    }
    if (i + header + len > raw.length) break;
    const payload = raw.subarray(i + header, i + header + len);
    if (opcode === 1) texts.push(decoder.decode(payload));
    if (opcode === 8 && payload.length >= 2) {
      closeCode = (payload[0]! << 8) | payload[1]!;
    }
    i += header + len;
  }
  return { texts, closeCode };
}

function indexOf(haystack: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}
