/**
 * The outbox rows both alert stores keep (the shapes `lib/alerts`
 * declares; `lib/cache` does not import it).
 *
 * @module
 */

/** One notification to one channel, as stored. */
export interface OutboxItem {
  key: string;
  channel: string;
  rule: string;
  body: string;
  createdAt: number;
  attempts: number;
  nextAt: number;
  deliveredAt?: number;
  failedAt?: number;
  lastError?: string;
}

/** How a delivery attempt ended. */
export type Settlement =
  | { deliveredAt: number; attempts: number }
  | { failedAt: number; attempts: number; error: string }
  | { nextAt: number; attempts: number; error: string };
