/**
 * Reading the chart history without blocking the event loop: queries run
 * in a worker thread over its own read-only connection to the database
 * file (SQLite's WAL lets it read while the main thread writes). An
 * in-memory database cannot be shared with a worker, so it is read on
 * the main thread, where its small size keeps reads short.
 *
 * @module
 */
import type {
  HistoryQueryOptions,
  HistoryResult,
  SqliteHistory,
} from "./sqlite_history.ts";

/** Answers history queries. */
export interface HistoryReader {
  /** Points in [from, to], oldest first, at most `limit` (see SqliteHistory.query). */
  query(
    topic: string,
    from: number,
    to: number,
    limit: number,
    options?: HistoryQueryOptions,
  ): Promise<HistoryResult>;
  /** Stops the worker, if any; pending queries reject. */
  close(): void;
}

/**
 * A reader for the store's history: in a worker for a database file, on
 * the main thread for `:memory:`.
 *
 * @param path The database path (`:memory:` reads inline).
 * @param history The store's history, for inline reads.
 * @returns The reader; close it at shutdown.
 */
export async function openHistoryReader(
  path: string,
  history: SqliteHistory,
): Promise<HistoryReader> {
  if (path === ":memory:") return inlineReader(history);
  const reader = new WorkerReader();
  await reader.open(path);
  return reader;
}

function inlineReader(history: SqliteHistory): HistoryReader {
  return {
    query: (topic, from, to, limit, options) => {
      try {
        return Promise.resolve(history.query(topic, from, to, limit, options));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    close() {},
  };
}

class WorkerReader implements HistoryReader {
  #worker = new Worker(new URL("./history_worker.ts", import.meta.url), {
    type: "module",
  });
  #next = 0;
  #closed = false;
  #pending = new Map<
    number,
    { resolve: (r: HistoryResult) => void; reject: (e: Error) => void }
  >();

  constructor() {
    this.#worker.onmessage = (
      event: MessageEvent<
        { id: number; result?: HistoryResult; error?: string }
      >,
    ) => {
      const { id, result, error } = event.data;
      const waiting = this.#pending.get(id);
      this.#pending.delete(id);
      if (error !== undefined) {
        waiting?.reject(new Error(`history read failed: ${error}`));
      } else waiting?.resolve(result as HistoryResult);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#failAll(new Error(`history reader failed: ${event.message}`));
    };
  }

  #send(message: Record<string, unknown>): Promise<HistoryResult> {
    if (this.#closed) {
      return Promise.reject(new Error("history reader closed"));
    }
    const id = this.#next++;
    const { promise, resolve, reject } = Promise.withResolvers<
      HistoryResult
    >();
    this.#pending.set(id, { resolve, reject });
    this.#worker.postMessage({ ...message, id });
    return promise;
  }

  async open(path: string): Promise<void> {
    await this.#send({ path });
  }

  query(
    topic: string,
    from: number,
    to: number,
    limit: number,
    options: HistoryQueryOptions = {},
  ): Promise<HistoryResult> {
    return this.#send({ topic, from, to, limit, options });
  }

  #failAll(error: Error): void {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }

  close(): void {
    this.#closed = true;
    this.#worker.terminate();
    this.#failAll(new Error("history reader closed"));
  }
}
