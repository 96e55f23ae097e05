/**
 * A flow's movements kept compactly in a stored JSON value (a webhook
 * source's figure in SQLite or Redis): quarter-hour buckets for the last
 * 35 days, whole days in the board's zone before that, nothing older
 * than the previous year's start. Every period boundary is a midnight in
 * the zone and every zone's offset is a whole number of quarter hours, so
 * each period's sum is exact; a comparison "to the same point" is exact
 * to the quarter hour within 35 days and to the day before.
 *
 * @module
 */
import type { ReportingCalendar } from "../time/mod.ts";
import { FlowLedger } from "./flow_ledger.ts";

/** Buckets as `[start epoch ms, amount minor units]`, oldest first. */
export type FlowBuckets = [number, number][];

const QUARTER_HOUR = 900_000;
/** How long quarter-hour detail is kept, ms. */
const DETAIL_MS = 35 * 86_400_000;

/**
 * Adds a movement to stored buckets and compacts them.
 *
 * @param buckets The stored buckets (not changed).
 * @param at When the money moved, epoch ms.
 * @param amountMinor How much, integer minor units.
 * @param options The board's calendar and the time now.
 * @returns The new buckets.
 *
 * @example Two events in one quarter hour share a bucket
 * ```ts
 * import assert from "node:assert/strict";
 * import { addToBuckets } from "@/lib/sources/flow_buckets.ts";
 * import { ReportingCalendar } from "@/lib/time/mod.ts";
 * const options = { calendar: new ReportingCalendar(), now: Date.parse("2026-12-02T10:20:00Z") };
 * let b = addToBuckets([], Date.parse("2026-12-02T10:01:00Z"), 100, options);
 * b = addToBuckets(b, Date.parse("2026-12-02T10:14:00Z"), 50, options);
 * assert.deepEqual(b, [[Date.parse("2026-12-02T10:00:00Z"), 150]]);
 * ```
 */
export function addToBuckets(
  buckets: Readonly<FlowBuckets>,
  at: number,
  amountMinor: number,
  options: { calendar: ReportingCalendar; now: number },
): FlowBuckets {
  const { calendar, now } = options;
  const keepFrom = calendar.period("ytd", now).previous.from;
  const detailFrom = now - DETAIL_MS;
  const startOf = (t: number) =>
    t >= detailFrom
      ? Math.floor(t / QUARTER_HOUR) * QUARTER_HOUR
      : calendar.period("today", t).from;
  const merged = new Map<number, number>();
  const put = (t: number, a: number) => {
    if (t < keepFrom) return;
    const start = startOf(t);
    merged.set(start, (merged.get(start) ?? 0) + a);
  };
  for (const [t, a] of buckets) put(t, a);
  put(at, amountMinor);
  return [...merged].filter(([, a]) => a !== 0).sort((x, y) => x[0] - y[0]);
}

/**
 * Two bucket lists as one (two instances' shares of a flow): the amounts
 * of a bucket both have are added.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeBuckets } from "@/lib/sources/flow_buckets.ts";
 * assert.deepEqual(mergeBuckets([[0, 5], [900, 1]], [[900, 2], [1800, 3]]), [
 *   [0, 5], [900, 3], [1800, 3],
 * ]);
 * ```
 */
export function mergeBuckets(
  a: Readonly<FlowBuckets>,
  b: Readonly<FlowBuckets>,
): FlowBuckets {
  const merged = new Map<number, number>();
  for (const [t, amount] of [...a, ...b]) {
    merged.set(t, (merged.get(t) ?? 0) + amount);
  }
  return [...merged].filter(([, x]) => x !== 0).sort((x, y) => x[0] - y[0]);
}

/**
 * A ledger over stored buckets, for a read.
 *
 * @param buckets The stored buckets.
 * @returns A ledger with one movement per bucket, at its start.
 */
export function ledgerOf(buckets: Readonly<FlowBuckets>): FlowLedger {
  const ledger = new FlowLedger();
  for (const [at, amount] of buckets) ledger.add(at, amount);
  return ledger;
}

/**
 * Checks a stored value's buckets (a value from an older version has none).
 *
 * @param value The stored field.
 * @returns The buckets, or none when the value is not a bucket list.
 */
export function readBuckets(value: unknown): FlowBuckets | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const b of value) {
    if (
      !Array.isArray(b) || b.length !== 2 || !Number.isSafeInteger(b[0]) ||
      !Number.isSafeInteger(b[1])
    ) return undefined;
  }
  return value as FlowBuckets;
}
