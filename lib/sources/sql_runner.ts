/**
 * Runs a `sql` source's SELECT in a worker of its own (`sql_worker.ts`),
 * one query at a time, so the server's event loop never waits on SQLite.
 * A query still running when the read's deadline passes (its
 * `AbortSignal`) is abandoned: the read fails at once with words that say
 * so. SQLite cannot be stopped from outside the thread that runs it here
 * (`node:sqlite` has no progress handler or interrupt, and terminating a
 * worker does not reach into native code), so the worker finishes it in
 * the background, and until it has, the source's reads fail at once
 * instead of starting another: at most one thread per source is ever
 * busy, however long the query runs.
 *
 * @module
 */
import { UpstreamDataError } from "./upstream_http.ts";

/**
 * A query is still running past a read's deadline: abandoned now, or
 * abandoned before and not ended yet (see the module text).
 */
export class SqlDeadlineError extends UpstreamDataError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "SqlDeadlineError";
  }
}

/** A row as SQLite gave it. */
export type SqlRow = Record<string, unknown>;

/** Runs one prepared query off the main thread (see the module text). */
export class SqlRunner implements Disposable {
  #file: string;
  #query: string;
  #worker?: Worker;
  #opened?: Promise<unknown>;
  /** When a query was abandoned at a deadline and is still running. */
  #abandonedAt?: number;
  #abandonedId?: number;
  #next = 0;
  #pending = new Map<
    number,
    { resolve: (row: SqlRow | undefined) => void; reject: (e: Error) => void }
  >();
  #closed = false;

  #now: () => number;

  /**
   * Prepares nothing yet: the worker starts with the first query.
   *
   * @param file The database, opened read-only in the worker.
   * @param query The SELECT (checked by the caller).
   * @param options `now`: wall-clock ms, for how long a query has run.
   */
  constructor(file: string, query: string, options: { now: () => number }) {
    this.#file = file;
    this.#query = query;
    this.#now = options.now;
  }

  /**
   * Runs the query with `params` (`:from` and `:to`, when it takes them).
   *
   * @throws {UpstreamDataError} When SQLite refuses it, or `signal` ends
   *   it first (the worker is terminated: the query stops at once).
   */
  async run(
    params?: Record<string, string | number>,
    signal?: AbortSignal,
  ): Promise<SqlRow | undefined> {
    if (this.#closed) throw new UpstreamDataError("the sql source is closed");
    signal?.throwIfAborted();
    if (this.#abandonedAt !== undefined) {
      throw new SqlDeadlineError(
        `the query on ${this.#file} that passed a read's deadline ${
          Math.round((this.#now() - this.#abandonedAt) / 1000)
        } s ago is still running; no other starts until it ends: bound it (a LIMIT, a WHERE on an indexed column) or give the source a longer timeoutMs`,
      );
    }
    const worker = this.#worker ?? this.#spawn();
    const id = this.#next;
    const abandon = () => {
      const waiting = this.#pending.get(id);
      if (!waiting) return;
      // The answer, if it ever comes, clears the mark (see #spawn).
      this.#pending.delete(id);
      this.#abandonedAt = this.#now();
      this.#abandonedId = id;
      waiting.reject(
        new SqlDeadlineError(
          `the query on ${this.#file} was still running at the read's deadline and was abandoned; bound it (a LIMIT, a WHERE on an indexed column) or give the source a longer timeoutMs`,
        ),
      );
    };
    try {
      await (this.#opened ??= this.#send(worker, {
        file: this.#file,
        query: this.#query,
      }));
      signal?.throwIfAborted();
      const answer = this.#send(worker, params ? { params } : {});
      signal?.addEventListener("abort", abandon, { once: true });
      return await answer;
    } finally {
      signal?.removeEventListener("abort", abandon);
    }
  }

  #spawn(): Worker {
    const worker = new Worker(new URL("./sql_worker.ts", import.meta.url), {
      type: "module",
    });
    worker.onmessage = (
      event: MessageEvent<{ id: number; row?: SqlRow; error?: string }>,
    ) => {
      const { id, row, error } = event.data;
      // The abandoned query ended at last: the source may run again.
      if (id === this.#abandonedId) {
        this.#abandonedAt = undefined;
        this.#abandonedId = undefined;
      }
      const waiting = this.#pending.get(id);
      this.#pending.delete(id);
      if (error !== undefined) {
        waiting?.reject(
          new UpstreamDataError(`query on ${this.#file} failed: ${error}`),
        );
      } else waiting?.resolve(row);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (this.#worker === worker) {
        this.#worker = undefined;
        this.#opened = undefined;
        this.#abandonedAt = undefined;
        this.#abandonedId = undefined;
      }
      this.#failAll(
        new UpstreamDataError(
          `the query worker for ${this.#file} failed: ${event.message}`,
        ),
      );
    };
    this.#worker = worker;
    return worker;
  }

  #send(
    worker: Worker,
    message: Record<string, unknown>,
  ): Promise<SqlRow | undefined> {
    const id = this.#next++;
    const { promise, resolve, reject } = Promise.withResolvers<
      SqlRow | undefined
    >();
    this.#pending.set(id, { resolve, reject });
    worker.postMessage({ ...message, id });
    return promise;
  }

  #failAll(error: Error): void {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }

  /** Terminates the worker. */
  [Symbol.dispose](): void {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#failAll(new UpstreamDataError("the sql source is closed"));
  }
}
