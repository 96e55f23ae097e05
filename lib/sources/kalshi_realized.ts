/**
 * Kalshi realized P&L by when it was realized. A settled market's P&L
 * (revenue minus its costs and fees) counts at its `settled_time`. In a
 * market not yet settled, the realized part comes from the account's
 * fills, replayed at average cost in exact micro-dollars: each fill that
 * reduces a position realizes (price − average cost) on the contracts it
 * closes, at the fill's `created_time`, and each fill's fee counts then
 * too. Fills older than Kalshi's live window are read from
 * `/historical/fills` (split at `GET /historical/cutoff`), so nothing is
 * counted twice or missed. Kalshi's own figure for the position stays the
 * truth: whatever the replay does not explain (a fill no longer listed)
 * counts at the position's last change.
 *
 * @module
 */
import { FlowLedger } from "./flow_ledger.ts";
import { field, UpstreamDataError } from "./upstream_http.ts";

/** The signed reads the replay needs. */
export interface KalshiReads {
  /** Every page of a list, with extra query parameters. */
  list(
    path: string,
    key: string,
    query?: Record<string, string>,
  ): Promise<unknown[]>;
  /** One signed GET. */
  get(path: string): Promise<unknown>;
}

/** What realized P&L came to, and when. */
export interface Realized {
  /** The total, micro-dollars. */
  totalMicro: bigint;
  /** Each amount realized, micro-dollars, by when. */
  ledger: FlowLedger;
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
 * Reads realized P&L incrementally: fills already read are kept (by id),
 * later reads ask only for newer ones, and a ticker's historical fills
 * are read once.
 */
export class KalshiRealized {
  #units: KalshiUnits;
  #fills = new Map<string, Map<string, KalshiFill>>();
  #historicalRead = new Set<string>();

  /** Creates the reader. */
  constructor(units: KalshiUnits) {
    this.#units = units;
  }

  /**
   * Realized P&L now: settlements, then the unsettled positions' fills.
   *
   * @param api The signed reads.
   * @returns The total and when each part was realized.
   */
  async read(api: KalshiReads): Promise<Realized> {
    const { micro, cents, timeOf } = this.#units;
    const ledger = new FlowLedger();
    let total = 0n;
    const settled = new Set<string>();
    const settlements = await api.list("/portfolio/settlements", "settlements");
    for (const s of settlements) {
      const ticker = field(s, "ticker", "string", "Kalshi settlement");
      const at = `Kalshi settlement ${ticker}`;
      settled.add(ticker);
      const r = s as Record<string, unknown>;
      const pnl = cents(r.revenue, at, "revenue") -
        micro(r.yes_total_cost_dollars, at, "yes_total_cost_dollars") -
        micro(r.no_total_cost_dollars, at, "no_total_cost_dollars") -
        micro(r.fee_cost, at, "fee_cost");
      total += pnl;
      ledger.add(timeOf(r.settled_time, at, "settled_time"), Number(pnl));
    }
    const positions = await api.list(
      "/portfolio/positions",
      "market_positions",
    );
    let cutoff: number | undefined;
    let fillCount = 0;
    for (const p of positions) {
      const ticker = field(p, "ticker", "string", "Kalshi market position");
      if (settled.has(ticker)) continue;
      const at = `Kalshi market position ${ticker}`;
      const r = p as Record<string, unknown>;
      const target = micro(r.realized_pnl_dollars, at, "realized_pnl_dollars") -
        micro(r.fees_paid_dollars, at, "fees_paid_dollars");
      total += target;
      if (target === 0n) continue;
      cutoff ??= await this.#cutoff(api);
      const fills = await this.#tickerFills(api, ticker, cutoff);
      fillCount += fills.length;
      let explained = 0n;
      for (const [when, amount] of replay(fills)) {
        ledger.add(when, Number(amount));
        explained += amount;
      }
      // What the fills listed do not explain counts at the last change.
      if (explained !== target) {
        ledger.add(
          timeOf(r.last_updated_ts, at, "last_updated_ts"),
          Number(target - explained),
        );
      }
    }
    return {
      totalMicro: total,
      ledger,
      settlements: settlements.length,
      positions: positions.length,
      fills: fillCount,
    };
  }

  /** Where live fills end and historical ones begin, epoch ms. */
  async #cutoff(api: KalshiReads): Promise<number> {
    const body = await api.get("/historical/cutoff");
    const text = field(body, "trades_created_ts", "string", "Kalshi cutoff");
    const at = Date.parse(text);
    if (!Number.isFinite(at)) {
      throw new UpstreamDataError(
        `Kalshi cutoff: trades_created_ts ${
          JSON.stringify(text)
        } is not a time`,
      );
    }
    return at;
  }

  /** A ticker's fills: historical once, then live ones newer than known. */
  async #tickerFills(
    api: KalshiReads,
    ticker: string,
    cutoff: number,
  ): Promise<KalshiFill[]> {
    const known = this.#fills.get(ticker) ?? new Map<string, KalshiFill>();
    this.#fills.set(ticker, known);
    const add = (items: unknown[]) => {
      for (const item of items) {
        const f = this.#fill(item);
        known.set(f.id, f);
      }
    };
    if (!this.#historicalRead.has(ticker)) {
      add(
        await api.list("/historical/fills", "fills", {
          ticker,
          max_ts: String(Math.floor(cutoff / 1000)),
        }),
      );
      this.#historicalRead.add(ticker);
    }
    const newest = Math.max(0, ...[...known.values()].map((f) => f.at));
    add(
      await api.list("/portfolio/fills", "fills", {
        ticker,
        ...(newest > 0 ? { min_ts: String(Math.floor(newest / 1000)) } : {}),
      }),
    );
    return [...known.values()].sort((a, b) =>
      a.at - b.at || a.id.localeCompare(b.id)
    );
  }

  #fill(item: unknown): KalshiFill {
    const { micro, timeOf } = this.#units;
    const id = field(item, "fill_id", "string", "Kalshi fill");
    const where = `Kalshi fill ${id}`;
    const r = item as Record<string, unknown>;
    const outcome = field(item, "outcome_side", "string", where);
    const book = field(item, "book_side", "string", where);
    if (!["yes", "no"].includes(outcome) || !["bid", "ask"].includes(book)) {
      throw new UpstreamDataError(
        `${where}: outcome_side "${outcome}" and book_side "${book}" should be yes/no and bid/ask`,
      );
    }
    // Hundredths of a contract; buying NO is selling YES, and so on.
    const count = micro(r.count_fp, where, "count_fp") / 10_000n;
    const buysYes = (outcome === "yes") === (book === "bid");
    return {
      id,
      at: timeOf(r.created_time ?? r.ts, where, "created_time"),
      delta: buysYes ? count : -count,
      price: micro(r.yes_price_dollars, where, "yes_price_dollars"),
      fee: micro(r.fee_cost, where, "fee_cost"),
    };
  }
}

/**
 * Replays one market's fills at average cost.
 *
 * @param fills Oldest first.
 * @returns `[when, micro-dollars]` for each realized part and fee.
 */
export function replay(fills: readonly KalshiFill[]): [number, bigint][] {
  const out: [number, bigint][] = [];
  let position = 0n; // hundredths of a contract, signed (YES > 0)
  let cost = 0n; // micro-dollars x hundredths, same sign as position
  for (const f of fills) {
    if (f.fee !== 0n) out.push([f.at, -f.fee]);
    let delta = f.delta;
    if (position !== 0n && (delta > 0n) !== (position > 0n)) {
      const size = position < 0n ? -position : position;
      const move = delta < 0n ? -delta : delta;
      const close = move < size ? move : size;
      const removed = cost * close / size;
      const sign = position > 0n ? 1n : -1n;
      const realized = sign * close * f.price - removed;
      if (realized !== 0n) out.push([f.at, realized / 100n]);
      position -= sign * close;
      cost -= removed;
      delta += sign * close;
    }
    position += delta;
    cost += delta * f.price;
  }
  return out;
}
