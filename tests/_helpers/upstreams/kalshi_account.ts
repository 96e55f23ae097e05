/**
 * A busy Kalshi account for the sync tests: thousands of fills and
 * settlements over a year, a quarter of the fills older than the cutoff
 * (only in the historical tier), and positions whose realized P&L agrees
 * with their fills. Every price and fee is in whole cents, so the
 * expected total is exact without rounding.
 */
import type { KalshiFixture, WirePosition } from "./kalshi.ts";
import { type Fill, kalshiFill, type Settlement } from "./kalshi_shapes.ts";

/** Options for {@linkcode kalshiAccount}. */
export interface KalshiAccountOptions {
  /** Settled markets (one buying fill and one settlement each). */
  settled: number;
  /** Open markets (round trips of a buy and a sell, realized). */
  open: number;
  /** Round trips per open market. */
  tripsPerMarket: number;
  /** The account's "now", epoch ms; fills go back a year from it. */
  now: number;
}

/** The account and what its realized P&L must come to. */
export interface KalshiAccount {
  fixture: KalshiFixture;
  /** Realized P&L, cents (settlements plus open positions, net of fees). */
  realizedCents: number;
  /** Fills and settlements in all. */
  fills: number;
  settlements: number;
}

const HOUR = 3_600_000;

/** Builds the account. */
export function kalshiAccount(options: KalshiAccountOptions): KalshiAccount {
  const { settled, open, tripsPerMarket, now } = options;
  const yearAgo = now - 365 * 24 * HOUR;
  const cutoff = now - 91 * 24 * HOUR;
  const fills: Fill[] = [];
  const settlements: Settlement[] = [];
  const positions: WirePosition[] = [];
  let realizedCents = 0;
  let n = 0;
  const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");
  const fill = (
    ticker: string,
    book: "bid" | "ask",
    count: number,
    priceCents: number,
    feeCents: number,
    at: number,
  ) => {
    const id = `fill-${String(n++).padStart(6, "0")}`;
    fills.push(kalshiFill({
      id,
      ticker,
      action: book === "bid" ? "buy" : "sell",
      side: "yes",
      count: `${count}.00`,
      yes: `0.${String(priceCents).padStart(2, "0")}00`,
      fee: `0.${String(feeCents).padStart(2, "0")}0000`,
      created: iso(at),
    }));
  };
  const span = now - yearAgo - HOUR;
  for (let m = 0; m < settled; m++) {
    const ticker = `KXS-${m}`;
    const bought = yearAgo + Math.floor(span * m / settled / 1000) * 1000;
    const count = 1 + (m % 9);
    const price = 10 + (m % 80);
    const fee = 1 + (m % 3);
    fill(ticker, "bid", count, price, fee, bought);
    const won = m % 3 === 0;
    const settleFee = m % 2;
    const settledAt = bought + HOUR / 2;
    settlements.push({
      ticker,
      exchange_index: 0,
      event_ticker: `KXS-E${m}`,
      market_result: won ? "yes" : "no",
      yes_count_fp: `${count}.00`,
      yes_total_cost_dollars: ((count * price) / 100).toFixed(4),
      no_count_fp: "0.00",
      no_total_cost_dollars: "0.0000",
      revenue: won ? count * 100 : 0,
      value: won ? 100 : 0,
      fee_cost: `0.0${settleFee}00`,
      settled_time: iso(settledAt),
    });
    // The settlement's P&L carries the market's costs; its fill's fee is
    // part of them (Kalshi's fee_cost), so the fill adds nothing more.
    realizedCents += (won ? count * 100 : 0) - count * price - settleFee;
  }
  for (let m = 0; m < open; m++) {
    const ticker = `KXO-${m}`;
    let realized = 0;
    let fees = 0;
    let last = 0;
    for (let t = 0; t < tripsPerMarket; t++) {
      const k = m * tripsPerMarket + t;
      const at = yearAgo +
        Math.floor(span * k / (open * tripsPerMarket) / 1000) * 1000;
      const count = 1 + (k % 5);
      const buy = 20 + (k % 60);
      const sell = buy + (k % 7) - 3;
      fill(ticker, "bid", count, buy, 1, at);
      fill(ticker, "ask", count, sell, 1 + (k % 2), at + 60_000);
      realized += count * (sell - buy);
      fees += 2 + (k % 2);
      last = at + 60_000;
    }
    positions.push({
      ticker,
      exchange_index: 0,
      position_fp: "0.00",
      total_traded_dollars: "0.000000",
      market_exposure_dollars: "0.000000",
      realized_pnl_dollars: (realized / 100).toFixed(6),
      fees_paid_dollars: (fees / 100).toFixed(6),
      last_updated_ts: new Date(last).toISOString(),
      resting_orders_count: 0,
    });
    realizedCents += realized - fees;
  }
  return {
    fixture: {
      balance: {
        balance: 100_000,
        balance_dollars: "1000.0000",
        portfolio_value: 0,
        updated_ts: Math.floor(now / 1000),
      },
      positions,
      settlements,
      fills,
      cutoff: {
        market_settled_ts: iso(cutoff),
        trades_created_ts: iso(cutoff),
        orders_updated_ts: iso(cutoff),
      },
    },
    realizedCents,
    fills: fills.length,
    settlements: settlements.length,
  };
}
