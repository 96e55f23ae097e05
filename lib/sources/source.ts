/**
 * The one interface every source kind implements, and what it produces.
 *
 * @module
 */

import type { PeriodName, PeriodWindow, TimeWindow } from "../time/mod.ts";

/** How a source's amount enters the P&L. */
export type SourceRole = "revenue" | "expense" | "trading";

/**
 * What a source's figure is: a `flow` is money that moved over time
 * (revenue, costs, realized P&L), summed per reporting period by when it
 * moved; a `stock` is a balance at an instant (an account balance), shown
 * as a balance and never summed into a period.
 */
export type SourceNature = "flow" | "stock";

/** What a flow moved in one period, and in the previous one to the same point. */
export interface PeriodAmounts {
  /** In the period so far, integer minor units. */
  amountMinor: number;
  /** In the previous period up to the same point, integer minor units. */
  previousMinor: number;
}

/**
 * One upstream request of a read, run behind the source's breaker, with
 * its retry and per-attempt timeout and its requests-per-second cap: a
 * source that pages through many requests guards each one, so a 429 or a
 * slow page is retried alone and never restarts the whole read.
 */
export type UpstreamRequest = <T>(
  operation: string,
  fn: (signal: AbortSignal) => Promise<T>,
) => Promise<T>;

/**
 * A source's push channel (Kalshi's WebSocket): started while this
 * instance polls (it leads), stopped when it stops; `onChange` makes the
 * source read at once.
 */
export interface LiveFeed {
  /** Connects, and keeps reconnecting until stopped. */
  start(onChange: () => void): void;
  /** Disconnects for good (until started again). */
  stop(): void;
}

/** Progress of a first sync that is not finished yet. */
export interface SyncProgress {
  /** Pages read so far. */
  pages: number;
  /** Items (transactions) read so far. */
  items: number;
  /** Pages the sync takes in all, where the upstream lets one tell. */
  estimatedPages?: number;
}

/** What a read is for: the periods a flow reports, as they stand now. */
export interface ReadContext {
  /** Each period's window, from the board's reporting calendar. */
  periods: Readonly<Record<PeriodName, PeriodWindow>>;
  /**
   * The upstream changed (a push said so): read it now, not a cached
   * copy.
   * @default {false}
   */
  live?: boolean;
}

/** One figure read from a source, exact and time-stamped. */
export interface Reading {
  /** The source's id. */
  source: string;
  /** How the amount enters the P&L. */
  role: SourceRole;
  /**
   * Integer minor units (cents for USD): a stock's balance, or what a flow
   * moved today.
   */
  amountMinor: number;
  /** ISO 4217 code. */
  currency: string;
  /** When the upstream says the figure was true, ISO-8601 UTC. */
  asOf: string;
  /**
   * A few labelled figures behind the amount (a Kalshi balance, the
   * month-to-date cost), for display; never secrets.
   */
  detail?: Readonly<Record<string, string | number | boolean>>;
  /** A flow (the default) or a stock. */
  nature?: SourceNature;
  /** A flow's amounts by period, as they stood at `periodsAt`. */
  periods?: Readonly<Record<PeriodName, PeriodAmounts>>;
  /** When `periods` were evaluated, ISO-8601 UTC. */
  periodsAt?: string;
  /**
   * Present while a first sync is under way: the figures so far are
   * partial, and the source is read again at once (at its rate cap).
   */
  syncing?: SyncProgress;
  /**
   * The earliest instant a flow's figures cover (a Stripe source's
   * `since`), ISO-8601 UTC: a period or comparison starting before it is
   * only partly counted, and says so.
   */
  coverageFrom?: string;
}

/**
 * A flow's dated movements, complete from where its figures begin: any
 * span's amount at once, so a period's chart is drawn from the ledger the
 * moment the flow is read, not only from what the server recorded.
 */
export interface FlowHistory {
  /** The currency of the sums. */
  readonly currency: string;
  /**
   * What moved in `[from, to)`, integer minor units.
   *
   * @param window The span, epoch ms.
   */
  sum(window: TimeWindow): number;
  /**
   * The movements behind the sums, newest first, paged: they add up to
   * `sum` over the same window. Absent for a kind that keeps no
   * movements.
   *
   * @param window The span, epoch ms.
   * @param page How many, and where the previous page ended.
   */
  movements?(window: TimeWindow, page: MovementPage): MovementList;
}

/** A page of a movement listing. */
export interface MovementPage {
  /** At most this many movements. */
  limit: number;
  /** Start strictly after this place (the previous page's last). */
  after?: MovementPosition;
}

/** A place in a flow's newest-first movement listing. */
export interface MovementPosition {
  /** The instant, epoch ms. */
  at: number;
  /** Which of the instant's movements. */
  index: number;
}

/** One movement behind a flow's figure. */
export interface Movement extends MovementPosition {
  /** How much, integer minor units of the flow's currency. */
  amountMinor: number;
  /**
   * What moved in the window up to and including this one, integer minor
   * units: a converted listing rounds each movement as the difference of
   * two rounded running sums, so the list still adds up to the figure.
   */
  runningMinor: number;
  /** What kind of movement, in words ("Charge", "Refund", "Fill"). */
  what: string;
  /** The upstream's own description, where it gave one. */
  description?: string;
  /** The upstream's id for it (a Stripe balance transaction, a Kalshi market). */
  ref?: string;
  /** The object in the vendor's dashboard, where there is one. */
  url?: string;
}

/** A page of movements, and how many the window holds. */
export interface MovementList {
  /** Newest first. */
  items: Movement[];
  /** How many movements the window holds in all. */
  count: number;
}

/** A place money figures come from. */
export interface Source {
  /** Unique id, used as the key in the P&L state. */
  readonly id: string;
  /** The adapter kind, such as `simulator`. */
  readonly kind: string;
  /** How its amount enters the P&L. */
  readonly role: SourceRole;
  /** A flow (the default) or a stock. */
  readonly nature?: SourceNature;
  /**
   * Its read is many requests (pages), each run through the `request`
   * given to `read`: the guard puts no retry or timeout around the whole.
   */
  readonly pagesItself?: boolean;
  /** Pushes from the upstream that say "read now", where it has them. */
  readonly live?: LiveFeed;
  /**
   * A flow's movements, once they are complete (after its first read, and
   * not during a first sync); absent for a kind that keeps none, and
   * undefined before.
   */
  flows?(): FlowHistory | undefined;
  /**
   * Reads the current figure; aborts promptly when `signal` aborts. A
   * flow given a `context` reports each of its periods; a source that
   * pages itself runs each upstream request through `request`.
   */
  read(
    signal?: AbortSignal,
    context?: ReadContext,
    request?: UpstreamRequest,
  ): Promise<Reading>;
}
