/**
 * What every push front end shares (the generic signed webhook and
 * Stripe's events): where accepted events are kept, how a refusal is
 * said, and what an accepted delivery did. Its own module, so the kinds'
 * common declarations (`kind.ts`) need no front end.
 *
 * @module
 */
import type { Reading } from "../source.ts";

/**
 * Where pushed events are kept: SQLite on one instance, Redis when several
 * share the work.
 */
export interface IngestStore {
  /**
   * The value a source's events add up to, if any; with several
   * instances, their parts combined with `merge`.
   */
  latest<T>(
    source: string,
    merge: (a: T, b: T) => T,
  ): T | undefined | Promise<T | undefined>;
  /**
   * Records the event id and stores `next(previous)` atomically (with
   * several instances, `previous` is this instance's part, and the value
   * answered is the parts combined with `merge`).
   */
  apply<T>(
    source: string,
    eventId: string,
    receivedAt: number,
    next: (previous: T | undefined) => T,
    merge: (a: T, b: T) => T,
  ):
    | { duplicate: boolean; value: T }
    | Promise<{ duplicate: boolean; value: T }>;
}

/** Why an ingest request was refused: status, protocol code and words. */
export class IngestError extends Error {
  /** HTTP status. */
  readonly status: 400 | 401 | 404 | 413 | 503;
  /** What kind of problem, for metrics. */
  readonly reason: string;
  /** Creates the error; `message` is sent back to the sender. */
  constructor(status: IngestError["status"], reason: string, message: string) {
    super(message);
    this.name = "IngestError";
    this.status = status;
    this.reason = reason;
  }
}

/** What an accepted delivery did. */
export interface IngestResult {
  /** The event id. */
  id: string;
  /** Seen before: acknowledged again, counted once. */
  duplicate: boolean;
  /** The source's reading after the event. */
  reading: Reading;
  /**
   * Whether the event changed the figure, so the source is read at once
   * (a Stripe event that moves no money does not).
   * @default {true}
   */
  moved?: boolean;
}

/** A source that takes pushed deliveries at `/api/ingest/<id>`. */
export interface IngestTarget {
  /** The source's id. */
  readonly id: string;
  /**
   * The largest delivery it takes, bytes (Stripe's events reach 256 KiB);
   * the route reads no more than this.
   */
  readonly maxBodyBytes?: number;
  /** Verifies, parses and stores one delivery. */
  ingest(body: Uint8Array, signature: string | null): Promise<IngestResult>;
}

/**
 * Whether a source takes deliveries.
 *
 * @param source Any source.
 * @returns Whether it has an `ingest` method.
 */
export function isIngestTarget(source: unknown): source is IngestTarget {
  return typeof (source as Partial<IngestTarget>)?.ingest === "function";
}
