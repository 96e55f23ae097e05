/**
 * The `sql` source's worker: opens the application's database read-only
 * and runs the source's one SELECT off the main thread, so a slow or
 * endless query never stalls the server; the main thread ends it by
 * terminating this worker (`sql_runner.ts`). Messages: `{ id, file,
 * query }` once, then `{ id, params }`; answers `{ id, row }` or
 * `{ id, error }`.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";

interface Ask {
  id: number;
  file?: string;
  query?: string;
  params?: Record<string, string | number>;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Ask>) => void) | null;
  postMessage(message: unknown): void;
};

let statement: StatementSync | undefined;

scope.onmessage = (event) => {
  const ask = event.data;
  try {
    if (ask.file !== undefined && ask.query !== undefined) {
      statement = new DatabaseSync(ask.file, { readOnly: true }).prepare(
        ask.query,
      );
      scope.postMessage({ id: ask.id, row: undefined });
      return;
    }
    const row = ask.params ? statement!.get(ask.params) : statement!.get();
    scope.postMessage({ id: ask.id, row });
  } catch (error) {
    scope.postMessage({
      id: ask.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
};
