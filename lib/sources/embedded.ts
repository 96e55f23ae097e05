/**
 * The embedded default: with no sources file, four simulated sources
 * (revenue, API costs and trading as flows, a cash balance as a stock)
 * declared the way a sources file would declare them, so they get the
 * same defaults and the same path.
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
 * @returns A validated sources file of four simulator sources.
 *
 * @example Four simulated figures
 * ```ts
 * import assert from "node:assert/strict";
 * import { embeddedSourcesFile } from "@/lib/sources/mod.ts";
 * const file = embeddedSourcesFile({ intervalMs: 1000, currency: "USD" });
 * assert.deepEqual(file.entries.map((e) => e.common.id), ["sim-revenue", "sim-api-costs", "sim-trading", "sim-balance"]);
 * assert.equal(file.entries[0]?.common.retry.maxDelayMs, 5_000);
 * ```
 */
export function embeddedSourcesFile(
  options: { intervalMs: number; currency: string },
): SourcesFile {
  const { intervalMs, currency } = options;
  const simulated = (
    id: string,
    role: string,
    label: string,
    figure?: string,
  ) => ({
    id,
    label,
    kind: "simulator",
    role,
    intervalMs,
    stepMs: intervalMs,
    ...(figure ? { figure } : {}),
  });
  return parseSourcesFile(
    {
      currency,
      sources: [
        simulated("sim-revenue", "revenue", "Sales (simulated)"),
        simulated("sim-api-costs", "expense", "API costs (simulated)"),
        simulated("sim-trading", "trading", "Trading (simulated)"),
        simulated(
          "sim-balance",
          "trading",
          "Cash balance (simulated)",
          "balance",
        ),
      ],
    },
    EMBEDDED,
    currency,
  );
}
