/**
 * A flow's ledger: when money moved and how much, kept in time order, so
 * any span's sum (today, last month up to this day) is two binary
 * searches over running totals, and a late arrival lands in the period it
 * belongs to. Sources that enumerate movements (Stripe transactions,
 * Kalshi settlements and fills, webhook increments, the simulator) keep
 * one and answer every period from it without asking the upstream again.
 *
 * @module
 */
import type { PeriodName, PeriodWindow, TimeWindow } from "../time/mod.ts";
import type { PeriodAmounts } from "./source.ts";

/**
 * Movements in time order.
 *
 * @example Sums over spans
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowLedger } from "@/lib/sources/flow_ledger.ts";
 * const ledger = new FlowLedger();
 * ledger.add(Date.parse("2026-12-01T23:59:59Z"), 500);
 * ledger.add(Date.parse("2026-12-02T00:00:00Z"), 250);
 * assert.equal(ledger.sum({ from: Date.parse("2026-12-02T00:00:00Z"), to: Infinity }), 250);
 * assert.equal(ledger.total, 750);
 * ```
 */
export class FlowLedger {
  #at: number[] = [];
  #amount: number[] = [];
  /** Running totals: #running[i] is the sum of the first i movements. */
  #running: number[] | undefined = [0];

  /** How many distinct instants money moved at. */
  get size(): number {
    return this.#at.length;
  }

  /** The sum of every movement kept. */
  get total(): number {
    return this.#prefix().at(-1) ?? 0;
  }

  /** The newest movement's instant, epoch ms (`-Infinity` when empty). */
  get newest(): number {
    return this.#at.at(-1) ?? -Infinity;
  }

  /**
   * Records money that moved at `at` (negative for refunds and costs
   * reversed). Movements at one instant are merged.
   *
   * @param at When it moved, epoch ms.
   * @param amountMinor How much, integer minor units.
   * @throws {RangeError} For a time or amount that is not an integer.
   */
  add(at: number, amountMinor: number): void {
    if (!Number.isSafeInteger(at) || !Number.isSafeInteger(amountMinor)) {
      throw new RangeError(
        `a movement needs an integer epoch-ms time and integer minor units, received ${at} and ${amountMinor}`,
      );
    }
    const n = this.#at.length;
    if (n > 0 && this.#at[n - 1] === at) {
      this.#amount[n - 1]! += amountMinor;
      if (this.#running) this.#running[n]! += amountMinor;
      return;
    }
    if (n === 0 || this.#at[n - 1]! < at) {
      this.#at.push(at);
      this.#amount.push(amountMinor);
      this.#running?.push((this.#running.at(-1) ?? 0) + amountMinor);
      return;
    }
    // A late arrival: into its place; running totals are rebuilt on demand.
    const i = this.#lowerBound(at);
    if (this.#at[i] === at) this.#amount[i]! += amountMinor;
    else {
      this.#at.splice(i, 0, at);
      this.#amount.splice(i, 0, amountMinor);
    }
    this.#running = undefined;
  }

  /**
   * The money that moved in [from, to).
   *
   * @param window The span, epoch ms.
   * @returns The sum, integer minor units.
   */
  sum(window: TimeWindow): number {
    if (!(window.to > window.from)) return 0;
    const running = this.#prefix();
    return running[this.#lowerBound(window.to)]! -
      running[this.#lowerBound(window.from)]!;
  }

  /**
   * Each period's sum up to its evaluation instant, and the previous
   * period's up to the same point.
   *
   * @param periods The windows, from `ReportingCalendar.periods`.
   * @returns The amounts by period.
   */
  periods(
    periods: Readonly<Record<PeriodName, PeriodWindow>>,
  ): Record<PeriodName, PeriodAmounts> {
    const out = {} as Record<PeriodName, PeriodAmounts>;
    for (
      const [name, p] of Object.entries(periods) as [PeriodName, PeriodWindow][]
    ) {
      out[name] = {
        amountMinor: this.sum({ from: p.from, to: p.at + 1 }),
        previousMinor: this.sum(p.previous),
      };
    }
    return out;
  }

  /**
   * Forgets movements before `before` (older than any period still shown
   * or compared), keeping memory bounded on a long-running server.
   *
   * @param before Epoch ms.
   */
  prune(before: number): void {
    const i = this.#lowerBound(before);
    if (i === 0) return;
    this.#at.splice(0, i);
    this.#amount.splice(0, i);
    this.#running = undefined;
  }

  #prefix(): number[] {
    if (this.#running) return this.#running;
    const running = [0];
    for (const a of this.#amount) running.push(running.at(-1)! + a);
    this.#running = running;
    return running;
  }

  /** The index of the first movement at or after `at`. */
  #lowerBound(at: number): number {
    let lo = 0;
    let hi = this.#at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#at[mid]! < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
