/**
 * The environment variables a sources file names (its `...Env` fields and
 * `${NAME}` in header values), so a secret kept in `PULSE_STRIPE_KEY` is
 * not mistaken for a misspelt setting.
 *
 * @module
 */
import type { SourcesFile } from "./sources_file.ts";
import { PLACEHOLDER } from "./http_json.ts";

/**
 * Every variable a sources file reads.
 *
 * @param file The validated file.
 * @returns The names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSourcesFile, referencedVariables } from "@/lib/sources/mod.ts";
 * const file = parseSourcesFile({ sources: [{ id: "s", kind: "stripe", role: "revenue",
 *   keyEnv: "PULSE_STRIPE_KEY", since: "2026-01-01" }] }, "/x.json", "USD");
 * assert.deepEqual([...referencedVariables(file)], ["PULSE_STRIPE_KEY"]);
 * ```
 */
export function referencedVariables(file: SourcesFile): Set<string> {
  const names = new Set<string>();
  for (const { settings } of file.entries) {
    for (const [key, value] of Object.entries(settings)) {
      if (key.endsWith("Env") && typeof value === "string") names.add(value);
      if (key === "headers" && typeof value === "object" && value !== null) {
        for (const text of Object.values(value as Record<string, unknown>)) {
          if (typeof text !== "string") continue;
          for (const [, name] of text.matchAll(PLACEHOLDER)) names.add(name!);
        }
      }
    }
  }
  return names;
}
