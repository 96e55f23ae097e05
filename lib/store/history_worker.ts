/**
 * The history reader's worker: opens the database read-only and answers
 * queries off the main thread, so even a slow read cannot delay the
 * stream. Messages: `{ id, topic, from, to, limit, options }` in,
 * `{ id, result }` or `{ id, error }` out.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { type HistoryQueryOptions, SqliteHistory } from "./sqlite_history.ts";

interface Query {
  id: number;
  path?: string;
  topic: string;
  from: number;
  to: number;
  limit: number;
  options?: HistoryQueryOptions;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Query>) => void) | null;
  postMessage(message: unknown): void;
};

let history: SqliteHistory | undefined;

scope.onmessage = (event) => {
  const q = event.data;
  try {
    if (q.path !== undefined) {
      // The writer (the main thread) migrated and backfilled it already.
      history = new SqliteHistory(
        new DatabaseSync(q.path, { readOnly: true }),
        { readOnly: true },
      );
      scope.postMessage({ id: q.id, result: undefined });
      return;
    }
    const result = history!.query(q.topic, q.from, q.to, q.limit, q.options);
    scope.postMessage({ id: q.id, result });
  } catch (error) {
    scope.postMessage({
      id: q.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
};
