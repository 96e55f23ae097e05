// deno-lint-ignore-file no-console -- a child process: stdout is how it answers
/**
 * A child process for the open race: waits for the given instant, opens
 * the store at the given path, and prints `ok` or the error's message.
 *
 * Usage: deno run -A tests/_helpers/open_store_at.ts PATH EPOCH_MS
 *
 * @module
 */
import { SqliteStore } from "@/lib/store/mod.ts";

const [path, at] = Deno.args;
// A spin, not a timer: every sibling starts its open in the same instant.
while (Date.now() < Number(at)) { /* wait */ }
try {
  SqliteStore.open(path!).close();
  console.log("ok");
} catch (error) {
  console.log((error as Error).message);
}
