/**
 * Where a paged source keeps its sync (implemented by `lib/cache`'s
 * SQLite store; a source knows nothing of caches): its progress record and
 * every movement it counted, saved page by page.
 *
 * @module
 */

/** One movement a page counted: its id, when, how much. */
export interface SyncedMovement {
  /** The upstream's id for it (a balance transaction id). */
  ref: string;
  /** When the money moved, epoch ms. */
  at: number;
  /** How much, in the upstream's integer units. */
  amount: number;
  /**
   * What else the source needs to count it again after a restart (a
   * Kalshi fill's market, size and price), as the source wrote it.
   */
  data?: string;
}

/** What was saved for a source. */
export interface SavedSync {
  /** The source's own progress record (JSON-safe). */
  state: unknown;
  /** Every movement counted, oldest first. */
  movements: SyncedMovement[];
}

/**
 * Where a paged source keeps its progress: SQLite on one instance, Redis
 * when several share the work (so a new leader goes on with the job).
 */
export interface SyncStore {
  /** The saved progress record alone (cheap: read before every pass). */
  state(source: string): unknown | Promise<unknown>;
  /** The saved progress of a source and its movements, if any. */
  load(source: string): SavedSync | undefined | Promise<SavedSync | undefined>;
  /** Saves a page: the new progress and the movements it counted, at once. */
  savePage(
    source: string,
    state: unknown,
    movements: SyncedMovement[],
  ): void | Promise<void>;
  /** Forgets a source's progress (its settings changed). */
  clear(source: string): void | Promise<void>;
}
