/**
 * The one interface every source kind implements, and what it produces.
 *
 * @module
 */

/** How a source's amount enters the P&L. */
export type SourceRole = "revenue" | "expense" | "trading";

/** One figure read from a source, exact and time-stamped. */
export interface Reading {
  /** The source's id. */
  source: string;
  /** How the amount enters the P&L. */
  role: SourceRole;
  /** Integer minor units (cents for USD). */
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
}

/** A place money figures come from. */
export interface Source {
  /** Unique id, used as the key in the P&L state. */
  readonly id: string;
  /** The adapter kind, such as `simulator`. */
  readonly kind: string;
  /** How its amount enters the P&L. */
  readonly role: SourceRole;
  /** Reads the current figure; aborts promptly when `signal` aborts. */
  read(signal?: AbortSignal): Promise<Reading>;
}
