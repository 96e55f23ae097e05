/**
 * Where alerting keeps what must survive a SIGKILL, a restart and a new
 * leader: each rule's track, and the outbox of notifications not yet
 * delivered. A transition and the notifications it causes are saved
 * together, so one is never lost or sent without the other (implemented
 * by `lib/cache`: SQLite on one instance, Redis when several share the
 * work, so a new leader goes on from the state the last one saved;
 * alerting knows nothing of caches).
 *
 * @module
 */

/** One notification to one channel, as the outbox holds it. */
export interface OutboxItem {
  /** The idempotency key: rule, episode, event (and reminder), channel. */
  key: string;
  /** The channel's id. */
  channel: string;
  /** The rule's id. */
  rule: string;
  /** The notification, as JSON text (each channel formats it). */
  body: string;
  /** Epoch ms. */
  createdAt: number;
  /** Delivery attempts so far. */
  attempts: number;
  /** When the next attempt is due, epoch ms. */
  nextAt: number;
  /** When a receiver took it, epoch ms. */
  deliveredAt?: number;
  /** When it was given up, epoch ms. */
  failedAt?: number;
  /** The last attempt's error, in words. */
  lastError?: string;
}

/** How an attempt ended. */
export type Settlement =
  | { deliveredAt: number; attempts: number }
  | { failedAt: number; attempts: number; error: string }
  | { nextAt: number; attempts: number; error: string };

/** The store alerting runs on (SQLite answers at once, Redis later). */
export interface AlertStore {
  /** Every saved track, by rule id. */
  tracks(): Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Saves a rule's track and enqueues its notifications, at once; an item
   * whose key is already there is kept as it was (never sent twice).
   */
  commit(
    rule: string,
    track: unknown,
    items: readonly OutboxItem[],
  ): void | Promise<void>;
  /** Items due at `now` and not yet settled, oldest first. */
  due(now: number, limit: number): OutboxItem[] | Promise<OutboxItem[]>;
  /** Records an attempt's outcome (the item as it was, and how it ended). */
  settle(item: OutboxItem, outcome: Settlement): void | Promise<void>;
  /** The latest items, newest first (for /api/alerts and /admin). */
  recent(limit: number): OutboxItem[] | Promise<OutboxItem[]>;
}
