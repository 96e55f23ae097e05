/**
 * A source in another currency than the reporting one, converted at a
 * fixed, configured rate: exactly (BigInt), rounded half to even once.
 *
 * @module
 */
import { convertedMovements } from "./ledger_movements.ts";
import { currencyExponent, parseDecimal, toMinorUnits } from "../money.ts";
import type { ReadContext, Reading, Source } from "./source.ts";
import type { TimeWindow } from "../time/mod.ts";
import { mapPeriods } from "./period_windows.ts";
import { UpstreamDataError } from "./upstream_http.ts";

/**
 * Converts `source`'s readings into `to` at `rate` (one unit of the
 * source's currency is worth `rate` units of `to`); without a rate, a
 * reading in another currency is an error for that source alone.
 *
 * @param source The source.
 * @param to The reporting currency.
 * @param rate The fixed rate as a decimal string, if configured.
 * @returns A source whose readings are in `to`.
 *
 * @example Euros into dollars
 * ```ts
 * import assert from "node:assert/strict";
 * import { inReportingCurrency } from "@/lib/sources/fixed_rate.ts";
 * const eur = { id: "eu", kind: "x", role: "revenue" as const, read: () => Promise.resolve(
 *   { source: "eu", role: "revenue" as const, amountMinor: 1000, currency: "EUR", asOf: "2026-01-01T00:00:00.000Z" }) };
 * const usd = inReportingCurrency(eur, "USD", "1.0825");
 * assert.equal((await usd.read()).amountMinor, 1082);
 * ```
 */
export function inReportingCurrency(
  source: Source,
  to: string,
  rate?: string,
): Source & Disposable {
  const factor = rate === undefined ? undefined : parseDecimal(rate);
  return {
    id: source.id,
    kind: source.kind,
    role: source.role,
    // A SQL source holds a database open; disposing the wrapper closes it.
    [Symbol.dispose]: () => (source as Partial<Disposable>)[Symbol.dispose]?.(),
    ...(source.nature ? { nature: source.nature } : {}),
    ...(source.live ? { live: source.live } : {}),
    ...(source.flows
      ? {
        flows: () => {
          const flows = source.flows?.();
          if (!flows || flows.currency === to) return flows;
          if (!factor) return undefined;
          const from = flows.currency;
          const convert = (minor: number) =>
            toMinorUnits(
              {
                coefficient: BigInt(minor) * factor.coefficient,
                scale: factor.scale + currencyExponent(from),
              },
              "major",
              to,
            );
          const list = flows.movements?.bind(flows);
          return {
            currency: to,
            sum: (w: TimeWindow) => convert(flows.sum(w)),
            ...(list ? { movements: convertedMovements(list, convert) } : {}),
          };
        },
      }
      : {}),
    async read(signal?: AbortSignal, context?: ReadContext): Promise<Reading> {
      const reading = await source.read(signal, context);
      if (reading.currency === to) return reading;
      if (!factor) {
        throw new UpstreamDataError(
          `${source.id} reported ${reading.currency}, but the board reports in ${to}; set "fxRate" on this source to convert at a fixed rate`,
        );
      }
      // minor_to = minor_from * rate * 10^(exp_to - exp_from)
      const convert = (minor: number) =>
        toMinorUnits(
          {
            coefficient: BigInt(minor) * factor.coefficient,
            scale: factor.scale + currencyExponent(reading.currency),
          },
          "major",
          to,
        );
      const periods = reading.periods && mapPeriods(reading.periods, convert);
      return {
        ...reading,
        amountMinor: convert(reading.amountMinor),
        ...(periods ? { periods } : {}),
        currency: to,
        detail: {
          ...reading.detail,
          originalMinor: reading.amountMinor,
          originalCurrency: reading.currency,
          fxRate: rate as string,
        },
      };
    },
  };
}
