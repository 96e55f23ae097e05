/**
 * Kalshi realized P&L by when it was realized. A settled market's P&L
 * (revenue minus its costs and fees) counts at its `settled_time`. In a
 * market not yet settled, the realized part comes from the account's
 * fills, replayed at average cost in exact micro-dollars: each fill that
 * reduces a position realizes (price − average cost) on the contracts it
 * closes, at the fill's `created_time`, and each fill's fee counts then
 * too. Fills older than Kalshi's live window are read from
 * `/historical/fills` (split at `GET /historical/cutoff`), so nothing is
 * counted twice or missed. The lists are paged by the source's sync
 * (`paged_sync.ts`); this module keeps what they held. Kalshi's own figure for the position stays the
 * truth: whatever the replay does not explain (a fill no longer listed)
 * counts at the position's last change.
 *
 * @module
 */
import { FlowLedger } from "../flow_ledger.ts";
import type { SyncedMovement } from "../sync_store.ts";
import { field, UpstreamDataError } from "../upstream_http.ts";

/** What an amount of realized P&L was, in one market. */
export interface KalshiNote {
  /** The market's ticker. */
  ticker: string;
  /**
   * `settled`: the market's P&L at its settlement; `close`: a fill that
   * closed contracts; `fee`: a fill's fee; `position`: what the fills
   * listed do not explain, at the position's last change.
   */
  kind: "settled" | "close" | "fee" | "position";
}

/** What realized P&L came to, and when. */
export interface Realized {
  /** The total, micro-dollars. */
  totalMicro: bigint;
  /** Each amount realized, micro-dollars, by when, with its market. */
  ledger: FlowLedger<KalshiNote>;
  /** Counts for the reading's detail. */
  settlements: number;
  positions: number;
  fills: number;
}

/** Parses money and times the way the adapter does. */
export interface KalshiUnits {
  micro(text: unknown, where: string, key: string): bigint;
  cents(value: unknown, where: string, key: string): bigint;
  timeOf(value: unknown, where: string, key: string): number;
}

/** One fill, as the replay needs it. */
export interface KalshiFill {
  id: string;
  at: number;
  /** Signed change of the YES position, hundredths of a contract. */
  delta: bigint;
  /** YES price, micro-dollars per contract. */
  price: bigint;
  fee: bigint;
}

/**
 * Keeps what the sync read (settlements by market, every fill) as
 * movements it can save and take back, and works realized P&L out of
 * them with the account's positions.
 */
export class KalshiRealized {
  #units: KalshiUnits;
  /** Each settled market's P&L, micro-dollars, at its settled time. */
  #settled = new Map<string, { at: number; pnl: bigint }>();
  /** Every fill read, by market. */
  #fills = new Map<string, KalshiFill[]>();
  #fillCount = 0;

  /** Creates the keeper. */
  constructor(units: KalshiUnits) {
    this.#units = units;
  }

  /** Forgets everything (a saved sync is taken over). */
  reset(): void {
    this.#settled.clear();
    this.#fills.clear();
    this.#fillCount = 0;
  }

  /**
   * A settlement as a movement: its market's P&L (revenue minus the
   * costs and fees), at `settled_time`.
   */
  settlement(item: unknown): SyncedMovement {
    const { micro, cents, timeOf } = this.#units;
    const ticker = field(item, "ticker", "string", "Kalshi settlement");
    const at = `Kalshi settlement ${ticker}`;
    const r = item as Record<string, unknown>;
    const pnl = cents(r.revenue, at, "revenue") -
      micro(r.yes_total_cost_dollars, at, "yes_total_cost_dollars") -
      micro(r.no_total_cost_dollars, at, "no_total_cost_dollars") -
      micro(r.fee_cost, at, "fee_cost");
    return {
      ref: `s:${ticker}`,
      at: timeOf(r.settled_time, at, "settled_time"),
      amount: Number(pnl),
    };
  }

  /** A fill as a movement; its market, size and price ride in `data`. */
  fill(item: unknown): SyncedMovement {
    const { micro, timeOf } = this.#units;
    const id = field(item, "fill_id", "string", "Kalshi fill");
    const where = `Kalshi fill ${id}`;
    const r = item as Record<string, unknown>;
    const ticker = field(item, "ticker", "string", where);
    // Hundredths of a contract, signed: + when the fill made the account
    // longer YES (bid), - when longer NO (ask).
    const count = micro(r.count_fp, where, "count_fp") / 10_000n;
    const delta = fillDirection(r, where) * count;
    const price = micro(r.yes_price_dollars, where, "yes_price_dollars");
    const fee = micro(r.fee_cost, where, "fee_cost");
    return {
      ref: `f:${id}`,
      at: timeOf(r.created_time ?? r.ts, where, "created_time"),
      amount: Number(-fee),
      data: `${ticker} ${delta} ${price} ${fee}`,
    };
  }

  /** Counts movements made by {@linkcode settlement} and {@linkcode fill}. */
  add(movements: readonly SyncedMovement[]): void {
    for (const m of movements) {
      if (m.ref.startsWith("s:")) {
        this.#settled.set(m.ref.slice(2), { at: m.at, pnl: BigInt(m.amount) });
        continue;
      }
      const [ticker, delta, price, fee] = (m.data ?? "").split(" ");
      if (!m.ref.startsWith("f:") || fee === undefined) {
        throw new UpstreamDataError(
          `Kalshi sync: saved movement ${m.ref} is not a settlement or a fill`,
        );
      }
      const fills = this.#fills.get(ticker!) ?? [];
      this.#fills.set(ticker!, fills);
      fills.push({
        id: m.ref.slice(2),
        at: m.at,
        delta: BigInt(delta!),
        price: BigInt(price!),
        fee: BigInt(fee),
      });
      this.#fillCount++;
    }
  }

  /**
   * Realized P&L from what is kept: each settled market's P&L at its
   * settled time; in each unsettled market, the fills replayed at average
   * cost, with Kalshi's own figure for the position as the truth (what
   * the fills do not explain counts at the position's last change).
   *
   * @param positions The account's market positions; undefined while the
   *   first sync is under way (the fills alone count, for a partial figure).
   */
  realized(positions?: readonly unknown[]): Realized {
    const { micro, timeOf } = this.#units;
    const ledger = new FlowLedger<KalshiNote>();
    let total = 0n;
    for (const [ticker, { at, pnl }] of this.#settled) {
      total += pnl;
      ledger.add(at, Number(pnl), { ticker, kind: "settled" });
    }
    const replayed = (ticker: string) => {
      const fills = this.#fills.get(ticker) ?? [];
      fills.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
      let explained = 0n;
      for (const [when, amount, kind] of replay(fills)) {
        ledger.add(when, Number(amount), { ticker, kind });
        explained += amount;
      }
      return explained;
    };
    if (positions === undefined) {
      for (const ticker of this.#fills.keys()) {
        if (!this.#settled.has(ticker)) total += replayed(ticker);
      }
    } else {
      for (const p of positions) {
        const ticker = field(p, "ticker", "string", "Kalshi market position");
        if (this.#settled.has(ticker)) continue;
        const at = `Kalshi market position ${ticker}`;
        const r = p as Record<string, unknown>;
        const target =
          micro(r.realized_pnl_dollars, at, "realized_pnl_dollars") -
          micro(r.fees_paid_dollars, at, "fees_paid_dollars");
        total += target;
        if (target === 0n) continue;
        const explained = replayed(ticker);
        // What the fills listed do not explain counts at the last change.
        if (explained !== target) {
          ledger.add(
            timeOf(r.last_updated_ts, at, "last_updated_ts"),
            Number(target - explained),
            { ticker, kind: "position" },
          );
        }
      }
    }
    return {
      totalMicro: total,
      ledger,
      settlements: this.#settled.size,
      positions: positions?.length ?? 0,
      fills: this.#fillCount,
    };
  }
}

/**
 * Kalshi's direction table (docs.kalshi.com, "Order direction"): each row
 * is the legacy `action`/`side` and what it means in `outcome_side` and
 * `book_side`, the same bit in two vocabularies. `bid` = `yes` = longer
 * YES; `ask` = `no` = longer NO, whether it opened NO or sold YES.
 */
export const KALSHI_DIRECTIONS = [
  { action: "buy", side: "yes", outcome_side: "yes", book_side: "bid" },
  { action: "sell", side: "no", outcome_side: "yes", book_side: "bid" },
  { action: "buy", side: "no", outcome_side: "no", book_side: "ask" },
  { action: "sell", side: "yes", outcome_side: "no", book_side: "ask" },
] as const;

/**
 * Which way a fill moved the YES position: `1n` longer YES, `-1n` longer
 * NO. Read from `book_side` (or `outcome_side`), or from the legacy
 * `action` and `side` when only they are sent; every field sent must agree
 * with Kalshi's table.
 *
 * @throws {UpstreamDataError} When no field says, one is not in the
 *   table, or two disagree.
 */
export function fillDirection(
  fill: Record<string, unknown>,
  where: string,
): 1n | -1n {
  // A field sent as null is a field not sent.
  const { outcome_side, book_side, action, side } = Object.fromEntries(
    Object.entries(fill).filter(([, v]) => v !== null),
  );
  const says: (1n | -1n)[] = [];
  const fail = (why: string) =>
    new UpstreamDataError(
      `${where}: ${why}; Kalshi sends book_side bid with outcome_side yes (buy yes, sell no) and book_side ask with outcome_side no (buy no, sell yes)`,
    );
  if (book_side !== undefined) {
    if (book_side !== "bid" && book_side !== "ask") {
      throw fail(`book_side is ${JSON.stringify(book_side)}`);
    }
    says.push(book_side === "bid" ? 1n : -1n);
  }
  if (outcome_side !== undefined) {
    if (outcome_side !== "yes" && outcome_side !== "no") {
      throw fail(`outcome_side is ${JSON.stringify(outcome_side)}`);
    }
    says.push(outcome_side === "yes" ? 1n : -1n);
  }
  if (action !== undefined || side !== undefined) {
    const row = KALSHI_DIRECTIONS.find((d) =>
      d.action === action && d.side === side
    );
    if (!row) {
      throw fail(
        `action ${JSON.stringify(action)} with side ${JSON.stringify(side)}`,
      );
    }
    says.push(row.book_side === "bid" ? 1n : -1n);
  }
  const [first] = says;
  if (first === undefined) throw fail("it has no book_side or outcome_side");
  if (says.some((d) => d !== first)) {
    throw fail(
      `its direction fields disagree (outcome_side ${outcome_side}, book_side ${book_side}, action ${action}, side ${side})`,
    );
  }
  return first;
}

/**
 * Replays one market's fills at average cost.
 *
 * @param fills Oldest first.
 * @returns `[when, micro-dollars, which]` for each realized part
 *   (`close`) and fee (`fee`).
 */
export function replay(
  fills: readonly KalshiFill[],
): [number, bigint, "fee" | "close"][] {
  const out: [number, bigint, "fee" | "close"][] = [];
  let position = 0n; // hundredths of a contract, signed (YES > 0)
  let cost = 0n; // micro-dollars x hundredths, same sign as position
  for (const f of fills) {
    if (f.fee !== 0n) out.push([f.at, -f.fee, "fee"]);
    let delta = f.delta;
    if (position !== 0n && (delta > 0n) !== (position > 0n)) {
      const size = position < 0n ? -position : position;
      const move = delta < 0n ? -delta : delta;
      const close = move < size ? move : size;
      const removed = cost * close / size;
      const sign = position > 0n ? 1n : -1n;
      const realized = sign * close * f.price - removed;
      if (realized !== 0n) out.push([f.at, realized / 100n, "close"]);
      position -= sign * close;
      cost -= removed;
      delta += sign * close;
    }
    position += delta;
    cost += delta * f.price;
  }
  return out;
}
