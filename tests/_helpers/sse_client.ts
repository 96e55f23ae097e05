/**
 * A test SSE client over fetch: parses `retry:`, `id:`, `data:` and comment
 * lines per the HTML spec's event stream format, and waits with deadlines.
 */
import { Waiters } from "./waiters.ts";

/** One dispatched event. */
export interface SseEvent {
  id?: string;
  data: string;
}

/** A recording SSE connection. */
export interface SseRecorder extends AsyncDisposable {
  /** The response (status and headers). */
  response: Response;
  /** Events in arrival order. */
  events: SseEvent[];
  /** Comment lines (without the leading colon). */
  comments: string[];
  /** The last `retry:` value. */
  retry?: number;
  /** Resolves when the stream ends. */
  ended: Promise<void>;
  /** Resolves when `predicate` holds, or rejects at the deadline. */
  waitFor(
    predicate: (events: SseEvent[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  /** Aborts the request. */
  close(): Promise<void>;
}

/** Opens an SSE stream and records it. */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseRecorder> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const recorder: Partial<SseRecorder> & {
    events: SseEvent[];
    comments: string[];
  } = {
    response,
    events: [],
    comments: [],
  };
  const waiters = new Waiters();
  const notify = () => waiters.notify();
  const pump = async () => {
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let data: string[] = [];
    let id: string | undefined;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line === "") {
            if (data.length > 0) {
              recorder.events.push({ id, data: data.join("\n") });
            }
            data = [];
            id = undefined;
            notify();
          } else if (line.startsWith(":")) {
            recorder.comments.push(line.slice(1).trim());
            notify();
          } else {
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0
              ? ""
              : line.slice(colon + 1).replace(/^ /, "");
            if (field === "data") data.push(value);
            else if (field === "id") id = value;
            else if (field === "retry") recorder.retry = Number(value);
          }
        }
      }
    } catch {
      // Aborted by close().
    }
    notify();
  };
  const ended = pump();
  const close = async () => {
    abort.abort();
    await ended;
  };
  return Object.assign(recorder, {
    response,
    ended,
    waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs = 10_000) {
      return waiters.until(
        () => predicate(recorder.events),
        timeoutMs,
        () => `${recorder.events.length} SSE events`,
      );
    },
    close,
    [Symbol.asyncDispose]: close,
  }) as SseRecorder;
}
