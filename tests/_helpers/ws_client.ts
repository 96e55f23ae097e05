/**
 * A raw WebSocket test client that records every envelope and waits for
 * conditions with a deadline (no fixed sleeps).
 */
import type { ServerEnvelope } from "@/lib/protocol/mod.ts";
import { Waiters } from "./waiters.ts";

/** A recording WebSocket client. */
export interface RecordingSocket extends AsyncDisposable {
  /** Every parsed message, in arrival order. */
  messages: ServerEnvelope[];
  /** Sends raw text. */
  send(text: string): void;
  /** Resolves when `predicate` holds for the messages, or rejects at the deadline. */
  waitFor(
    predicate: (messages: ServerEnvelope[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  /** Resolves with the close event. */
  closed: Promise<CloseEvent>;
  /** Closes and waits for the close to finish. */
  close(): Promise<void>;
}

/** Opens a WebSocket to `url` and waits until it is open. */
export async function openRecordingSocket(
  url: string,
): Promise<RecordingSocket> {
  const ws = new WebSocket(url);
  const messages: ServerEnvelope[] = [];
  const waiters = new Waiters();
  const { promise: closed, resolve: onClosed } = Promise.withResolvers<
    CloseEvent
  >();
  ws.onmessage = (event) => {
    messages.push(JSON.parse(String(event.data)));
    waiters.notify();
  };
  ws.onclose = (event) => {
    onClosed(event);
    waiters.notify();
  };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  });
  ws.onerror = null;
  return {
    messages,
    send: (text) => ws.send(text),
    closed,
    waitFor(predicate, timeoutMs = 10_000) {
      return waiters.until(
        () => predicate(messages),
        timeoutMs,
        () =>
          `got ${messages.length} messages: ${
            JSON.stringify(messages.slice(-3))
          }`,
      );
    },
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
      await closed;
    },
    async [Symbol.asyncDispose]() {
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
      await closed;
    },
  };
}
