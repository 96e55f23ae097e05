/**
 * Why a pushed event or figure was refused by `RedisIngest` for now: the
 * sender (or the next read) tries again.
 *
 * @module
 */

/**
 * Redis was emptied moments ago and the instances are putting their parts
 * back: a figure read now may lack one of them, so none is given (the
 * source keeps its last figure, marked stale) until `settleMs` passed.
 */
export class IngestSettlingError extends Error {
  /** Creates the error. */
  constructor(source: string, remainingMs: number) {
    super(
      `Redis was emptied; every instance is putting its part of ${source} back (about ${
        Math.ceil(remainingMs)
      } ms more)`,
    );
    this.name = "IngestSettlingError";
  }
}

/** A source's lock was busy for too long; the sender retries. */
export class IngestConflictError extends Error {
  /** Creates the error. */
  constructor(source: string, waitedMs: number) {
    super(
      `deliveries to ${source} are queued for more than ${waitedMs} ms; retry`,
    );
    this.name = "IngestConflictError";
  }
}
