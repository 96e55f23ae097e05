/**
 * Writes docs/pulse-config.schema.json from the sources file's field
 * declarations (`deno task schema`); a test fails when it is stale.
 */
import { sourcesFileSchema } from "@/lib/sources/mod.ts";

const path = new URL("../docs/pulse-config.schema.json", import.meta.url);
await Deno.writeTextFile(
  path,
  JSON.stringify(sourcesFileSchema(), null, 2) + "\n",
);
// deno-lint-ignore no-console -- a command-line script
console.log(`wrote ${path.pathname}`);
