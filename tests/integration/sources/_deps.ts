/** What these tests take from lib, in one place. */
export { SqliteStore } from "@/lib/store/mod.ts";
export { createSources, parseSourcesFile } from "@/lib/sources/mod.ts";
