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

/** One part of what moved at an instant, with what the upstream said of it. */
interface Part<N> {
  amount: number;
  note?: N;
}

/** A place in a newest-first listing: an instant and a part at it. */
export interface LedgerPosition {
  /** The instant, epoch ms. */
  at: number;
  /** The part's index among the instant's parts. */
  index: number;
}

/** One movement as listed, newest first. */
export interface LedgerEntry<N> extends LedgerPosition {
  /** How much, in the ledger's units. */
  amount: number;
  /**
   * What moved in the window up to and including this entry (in time
   * order), so that a converted listing can round each entry as the
   * difference of two rounded running sums and still add up exactly.
   */
  running: number;
  /** What the source recorded of it; none for merged or synthetic parts. */
  note?: N;
}

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
export class FlowLedger<N = never> {
  #at: number[] = [];
  #amount: number[] = [];
  /**
   * The parts of an instant that has a noted movement; undefined where
   * the instant is one unnamed part (most of a synthetic history), so a
   * ledger without notes costs what it did.
   */
  #parts: (Part<N>[] | undefined)[] = [];
  /** Running totals: #running[i] is the sum of the first i movements. */
  #running: number[] | undefined = [0];
  /** Running part counts: #counts[i] is how many parts the first i instants hold. */
  #counts: number[] | undefined = [0];

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
   * @param note What the upstream said of it (its id, type,
   *   description), listed with it; without one, it merges with the
   *   instant's other unnamed movements.
   * @throws {RangeError} For a time or amount that is not an integer.
   */
  add(at: number, amountMinor: number, note?: N): void {
    if (!Number.isSafeInteger(at) || !Number.isSafeInteger(amountMinor)) {
      throw new RangeError(
        `a movement needs an integer epoch-ms time and integer minor units, received ${at} and ${amountMinor}`,
      );
    }
    const n = this.#at.length;
    if (n > 0 && this.#at[n - 1] === at) {
      const added = this.#join(n - 1, amountMinor, note);
      if (this.#running) this.#running[n]! += amountMinor;
      if (this.#counts) this.#counts[n]! += added;
      return;
    }
    if (n === 0 || this.#at[n - 1]! < at) {
      this.#at.push(at);
      this.#amount.push(amountMinor);
      this.#parts.push(
        note === undefined ? undefined : [{ amount: amountMinor, note }],
      );
      this.#running?.push((this.#running.at(-1) ?? 0) + amountMinor);
      this.#counts?.push((this.#counts.at(-1) ?? 0) + 1);
      return;
    }
    // A late arrival: into its place; running totals are rebuilt on demand.
    const i = this.#lowerBound(at);
    if (this.#at[i] === at) this.#join(i, amountMinor, note);
    else {
      this.#at.splice(i, 0, at);
      this.#amount.splice(i, 0, amountMinor);
      this.#parts.splice(
        i,
        0,
        note === undefined ? undefined : [{ amount: amountMinor, note }],
      );
    }
    this.#running = undefined;
    this.#counts = undefined;
  }

  /**
   * How many parts the window holds (what a listing of it pages through).
   *
   * @param window The span, epoch ms.
   * @returns The count.
   */
  count(window: TimeWindow): number {
    if (!(window.to > window.from)) return 0;
    const counts = this.#partCounts();
    return counts[this.#lowerBound(window.to)]! -
      counts[this.#lowerBound(window.from)]!;
  }

  /**
   * The movements in a window, newest first, each with the running sum of
   * the window up to it.
   *
   * @param window The span, epoch ms.
   * @param options `limit`: at most this many; `after`: start strictly
   *   after this position (the last one of the previous page).
   * @returns The entries.
   */
  list(
    window: TimeWindow,
    options: { limit: number; after?: LedgerPosition },
  ): LedgerEntry<N>[] {
    const { limit, after } = options;
    const out: LedgerEntry<N>[] = [];
    if (!(window.to > window.from) || limit <= 0) return out;
    const running = this.#prefix();
    const first = this.#lowerBound(window.from);
    const base = running[first]!;
    let i = this.#lowerBound(
      after ? Math.min(window.to, after.at + 1) : window.to,
    ) - 1;
    for (; i >= first && out.length < limit; i--) {
      const at = this.#at[i]!;
      const parts = this.#parts[i] ?? [{ amount: this.#amount[i]! }];
      // The running sum after the instant's last part, walked back.
      let upTo = running[i + 1]! - base;
      for (let k = parts.length - 1; k >= 0; k--) {
        const part = parts[k]!;
        if (!after || at < after.at || k < after.index) {
          if (out.length === limit) break;
          out.push({
            at,
            index: k,
            amount: part.amount,
            running: upTo,
            ...(part.note === undefined ? {} : { note: part.note }),
          });
        }
        upTo -= part.amount;
      }
    }
    return out;
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
    this.#parts.splice(0, i);
    this.#running = undefined;
    this.#counts = undefined;
  }

  /** Adds to instant `i`; returns how many parts it gained (0 or 1). */
  #join(i: number, amountMinor: number, note: N | undefined): number {
    this.#amount[i]! += amountMinor;
    let parts = this.#parts[i];
    if (note === undefined) {
      const unnamed = parts?.find((p) => p.note === undefined);
      if (unnamed) unnamed.amount += amountMinor;
      else if (parts) {
        parts.push({ amount: amountMinor });
        return 1;
      }
      return 0;
    }
    if (!parts) {
      // The instant's merged amount so far becomes its unnamed part.
      const before = this.#amount[i]! - amountMinor;
      parts = this.#parts[i] = [{ amount: before }];
    }
    parts.push({ amount: amountMinor, note });
    return 1;
  }

  #partCounts(): number[] {
    if (this.#counts) return this.#counts;
    const counts = [0];
    for (const parts of this.#parts) {
      counts.push(counts.at(-1)! + (parts?.length ?? 1));
    }
    this.#counts = counts;
    return counts;
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
