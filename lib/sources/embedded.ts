/**
 * The embedded default: with no sources file, three simulated sources
 * (revenue, API costs, trading) declared the way a sources file would
 * declare them, so they get the same defaults and the same path.
 *
 * @module
 */
import { parseSourcesFile, type SourcesFile } from "./sources_file.ts";

/** The name the built-in file goes by in messages and logs. */
const EMBEDDED = "(built-in simulator)";

/**
 * The built-in sources file.
 *
 * @param options How often the figures move, and the board's currency.
 * @returns A validated sources file of three simulator sources.
 *
 * @example Three simulated figures
 * ```ts
 * import assert from "node:assert/strict";
 * import { embeddedSourcesFile } from "@/lib/sources/mod.ts";
 * const file = embeddedSourcesFile({ intervalMs: 1000, currency: "USD" });
 * assert.deepEqual(file.entries.map((e) => e.common.id), ["sim-revenue", "sim-api-costs", "sim-trading"]);
 * assert.equal(file.entries[0]?.common.retry.maxDelayMs, 5_000);
 * ```
 */
export function embeddedSourcesFile(
  options: { intervalMs: number; currency: string },
): SourcesFile {
  const { intervalMs, currency } = options;
  const simulated = (id: string, role: string) => ({
    id,
    kind: "simulator",
    role,
    intervalMs,
    stepMs: intervalMs,
  });
  return parseSourcesFile(
    {
      currency,
      sources: [
        simulated("sim-revenue", "revenue"),
        simulated("sim-api-costs", "expense"),
        simulated("sim-trading", "trading"),
      ],
    },
    EMBEDDED,
    currency,
  );
}
