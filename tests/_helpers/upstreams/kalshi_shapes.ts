/**
 * Kalshi's shapes for the mocks and fixtures, typed against Kalshi's
 * official TypeScript SDK (`kalshi-typescript`, a test-only import), so a
 * fake that sends a field, a type or an enumeration value Kalshi does not
 * fails to compile. Fill direction comes from Kalshi's own table (the
 * "Order direction" page of docs.kalshi.com): a fixture names the legacy
 * `action` and `side` a trader thinks in, and gets the `outcome_side` and
 * `book_side` Kalshi sends with them. A pair Kalshi never sends, such as
 * (yes, ask), cannot be built, and {@linkcode assertKalshiFill} refuses it
 * where the mock serves fills.
 */
import type {
  BookSide,
  Fill,
  FillActionEnum,
  FillOutcomeSideEnum,
  FillSideEnum,
  GetBalanceResponse,
  MarketPosition,
  Settlement,
} from "kalshi-typescript";

export type { Fill, GetBalanceResponse, MarketPosition, Settlement };

/** One row of Kalshi's direction table. */
interface Direction {
  action: FillActionEnum;
  side: FillSideEnum;
  outcome_side: FillOutcomeSideEnum;
  book_side: BookSide;
}

/**
 * docs.kalshi.com/getting_started/order_direction, "Equivalence between
 * (action, side) and outcome_side": buy-yes and sell-no are long YES
 * (yes, bid); buy-no and sell-yes are long NO (no, ask).
 */
export const KALSHI_DOCUMENTED_DIRECTIONS: readonly Direction[] = [
  { action: "buy", side: "yes", outcome_side: "yes", book_side: "bid" },
  { action: "sell", side: "no", outcome_side: "yes", book_side: "bid" },
  { action: "buy", side: "no", outcome_side: "no", book_side: "ask" },
  { action: "sell", side: "yes", outcome_side: "no", book_side: "ask" },
];

/** What a fixture says of a fill; the rest is Kalshi's shape. */
export interface FillOptions {
  id: string;
  ticker: string;
  /** What the trader did, in Kalshi's legacy words. */
  action: FillActionEnum;
  side: FillSideEnum;
  /** Contracts, Kalshi's `count_fp` ("8.00"). */
  count: string;
  /** The YES price in dollars, Kalshi's `yes_price_dollars` ("0.4000"). */
  yes: string;
  /** Kalshi's `fee_cost` ("0.010000"). */
  fee: string;
  /** RFC 3339. */
  created: string;
}

/** A fill as Kalshi sends it, with the direction fields from its table. */
export function kalshiFill(o: FillOptions): Fill {
  const row = KALSHI_DOCUMENTED_DIRECTIONS.find((d) =>
    d.action === o.action && d.side === o.side
  )!;
  return {
    fill_id: o.id,
    trade_id: o.id,
    order_id: `o-${o.id}`,
    ticker: o.ticker,
    market_ticker: o.ticker,
    exchange_index: 0,
    outcome_side: row.outcome_side,
    book_side: row.book_side,
    side: row.side,
    action: row.action,
    count_fp: o.count,
    yes_price_dollars: o.yes,
    no_price_dollars: (1 - Number(o.yes)).toFixed(4),
    is_taker: true,
    fee_cost: o.fee,
    created_time: o.created,
    ts: Math.floor(Date.parse(o.created) / 1000),
    subaccount_number: 0,
  };
}

/**
 * Throws when a fill's direction fields are not a row of Kalshi's table
 * (or its legacy fields disagree with them): a mock never serves a fill
 * the real API would not.
 */
export function assertKalshiFill(fill: Fill): void {
  const ok = KALSHI_DOCUMENTED_DIRECTIONS.some((d) =>
    d.outcome_side === fill.outcome_side && d.book_side === fill.book_side &&
    (fill.action === undefined ||
      (d.action === fill.action && d.side === fill.side))
  );
  if (!ok) {
    throw new Error(
      `fixture fill ${fill.fill_id} has outcome_side ${fill.outcome_side}, book_side ${fill.book_side}, action ${fill.action}, side ${fill.side}: not a pair Kalshi sends (docs.kalshi.com order_direction)`,
    );
  }
}
