/**
 * A source's paged sync as a resumable job: each list it reads (Kalshi's
 * settlements, fills and historical fills; Anthropic's day buckets) is
 * paged in passes, every page saved with the pass's cursor, so a timeout,
 * a restart or a new leader goes on from the page it reached. A finished
 * pass leaves a watermark (the newest movement it counted) from which the
 * next pass asks only for what is new. Movements are kept by their ref:
 * one read twice (the page in flight at a crash, the watermark's own
 * second asked again) counts once.
 *
 * @module
 */
import type { SyncProgress } from "./source.ts";
import type { SyncedMovement, SyncStore } from "./sync_store.ts";
import { UpstreamDataError } from "./upstream_http.ts";

/** One page of a list: what it holds and where the next one starts. */
export interface SyncPage {
  /** Every movement on the page (known ones are dropped by the sync). */
  movements: SyncedMovement[];
  /** The next page's cursor; absent (or empty) on the last page. */
  next?: string;
  /**
   * On the last page: the instant everything up to which was read, for
   * the watermark when the pass counted nothing newer (days with no
   * costs).
   */
  reached?: number;
}

/** How one list is paged. */
export interface SyncList {
  /** The list's name in the saved progress (`"fills"`). */
  name: string;
  /**
   * The query of a new pass, kept with it (a cursor only holds with the
   * query it came from).
   *
   * @param watermark The newest movement earlier passes counted, epoch
   *   ms; undefined before the first pass finished.
   * @returns The query; undefined when there is nothing to ask yet.
   */
  begin(
    watermark: number | undefined,
  ):
    | Record<string, string>
    | undefined
    | Promise<Record<string, string> | undefined>;
  /**
   * How many pages a pass of this query takes, where the upstream lets
   * one tell (Anthropic's days): the board shows "page 5 of about 24".
   */
  estimate?(query: Record<string, string>): number;
  /** Reads one page of a pass (each its own guarded request). */
  page(
    query: Record<string, string>,
    cursor: string | undefined,
  ): Promise<SyncPage>;
  /**
   * Paged once: after its first finished pass the list is never read
   * again (Kalshi's historical fills do not change).
   * @default {false}
   */
  once?: boolean;
}

/** Where one list stands. */
interface ListState {
  watermark?: number;
  done?: boolean;
  pass?: {
    query: Record<string, string>;
    cursor?: string;
    pages: number;
    newest?: number;
    estimate?: number;
  };
}

/** The progress record saved with every page. */
interface SavedState {
  key: string;
  version: number;
  /** Pages and items of the passes not finished by a read yet. */
  pages: number;
  items: number;
  lists: Record<string, ListState>;
}

/** Options for {@linkcode PagedSync}. */
export interface PagedSyncOptions {
  /** The source's id (the key in the store). */
  source: string;
  /**
   * What identifies the sync (the source's settings that change what is
   * counted): a saved sync with another key is dropped and starts afresh.
   */
  key: string;
  /** Where the sync is saved page by page; absent: in memory only. */
  store?: SyncStore;
  /**
   * Pages read per read; a longer sync returns what it has, marked
   * syncing, and goes on at the next read (at once).
   * @default {25}
   */
  pagesPerRead?: number;
  /**
   * Most pages of one pass: a cursor that never ends is an error after
   * this.
   * @default {1000}
   */
  maxPages?: number;
  /** The upstream's name, for messages (`"Kalshi"`). */
  upstream: string;
}

/**
 * Pages a source's lists as one resumable job.
 *
 * @example A list of three pages read one page per read
 * ```ts
 * import assert from "node:assert/strict";
 * import { PagedSync } from "@/lib/sources/paged_sync.ts";
 * const sync = new PagedSync({ source: "s", key: "k", upstream: "Demo", pagesPerRead: 1 });
 * const list = {
 *   name: "items",
 *   begin: () => ({}),
 *   page: (_q: Record<string, string>, cursor: string | undefined) => {
 *     const n = Number(cursor ?? 0);
 *     return Promise.resolve({
 *       movements: [{ ref: `m${n}`, at: n, amount: 1 }],
 *       ...(n < 2 ? { next: String(n + 1) } : {}),
 *     });
 *   },
 * };
 * let counted = 0;
 * const count = (m: unknown[]) => void (counted += m.length);
 * await sync.start();
 * assert.equal(await sync.run(list, count), false);
 * assert.deepEqual(sync.progress, { pages: 1, items: 1 });
 * await sync.start();
 * await sync.run(list, count);
 * await sync.start();
 * assert.equal(await sync.run(list, count), true);
 * assert.equal(counted, 3);
 * ```
 */
export class PagedSync {
  #o: PagedSyncOptions;
  #state: SavedState;
  #known = new Set<string>();
  #budget = 0;

  /** Creates the job (nothing is read until {@linkcode start}). */
  constructor(options: PagedSyncOptions) {
    this.#o = options;
    this.#state = PagedSync.#fresh(options.key);
  }

  static #fresh(key: string): SavedState {
    return { key, version: 0, pages: 0, items: 0, lists: {} };
  }

  /**
   * Starts a read: the page budget is full again, and a saved sync newer
   * than this one's (a restart, another instance that led before) is
   * taken over.
   *
   * @returns Every saved movement when a saved sync was taken over (the
   *   source counts again from them alone), else undefined.
   */
  async start(): Promise<SyncedMovement[] | undefined> {
    this.#budget = this.#o.pagesPerRead ?? 25;
    const store = this.#o.store;
    if (!store) return undefined;
    const source = this.#o.source;
    const peek = await store.state(source) as SavedState | undefined;
    if (!peek) return undefined;
    if (peek.key !== this.#o.key || typeof peek.lists !== "object") {
      await store.clear(source);
      return undefined;
    }
    if (peek.version <= this.#state.version) return undefined;
    const saved = await store.load(source);
    if (!saved) return undefined;
    this.#state = saved.state as SavedState;
    this.#known = new Set(saved.movements.map((m) => m.ref));
    return saved.movements;
  }

  /**
   * Pages a list as far as this read's budget goes, handing each page's
   * new movements to `count` before the page is saved.
   *
   * @returns true when the list is read up to now; false when the budget
   *   ran out first (the read reports {@linkcode progress}).
   * @throws {UpstreamDataError} When a pass reaches `maxPages`.
   */
  async run(
    list: SyncList,
    count: (movements: SyncedMovement[]) => void,
  ): Promise<boolean> {
    const { maxPages = 1000, upstream } = this.#o;
    if (list.once && this.#state.lists[list.name]?.done) return true;
    // While another list's pass is unfinished (a first sync spread over
    // reads), a list already read waits: asking it again on every read
    // would cost a request a read and bring nothing the next poll misses.
    if (this.#state.lists[list.name]?.done && this.#pending()) return true;
    const state = this.#state.lists[list.name] ??= {};
    for (;;) {
      if (this.#budget <= 0) return false;
      if (!state.pass) {
        const query = await list.begin(state.watermark);
        if (!query) {
          state.done = true;
          return true;
        }
        const estimate = list.estimate?.(query);
        state.pass = {
          query,
          pages: 0,
          ...(estimate !== undefined ? { estimate } : {}),
        };
      }
      const pass = state.pass;
      if (pass.pages >= maxPages) {
        delete state.pass;
        throw new UpstreamDataError(
          `${upstream} ${list.name}: the cursor had not ended after ${maxPages} pages (raise maxPages if the account really has that many)`,
        );
      }
      const page = await list.page(pass.query, pass.cursor);
      this.#budget--;
      const fresh = page.movements.filter((m) => !this.#known.has(m.ref));
      for (const m of fresh) {
        this.#known.add(m.ref);
        if (pass.newest === undefined || m.at > pass.newest) {
          pass.newest = m.at;
        }
      }
      count(fresh);
      pass.pages++;
      this.#state.pages++;
      this.#state.items += fresh.length;
      const ended = !page.next;
      if (ended) {
        const newest = Math.max(
          pass.newest ?? -Infinity,
          page.reached ?? -Infinity,
          state.watermark ?? -Infinity,
        );
        if (Number.isFinite(newest)) state.watermark = newest;
        state.done = true;
        delete state.pass;
      } else {
        pass.cursor = page.next;
      }
      // The page and where the pass stands, together: a restart goes on
      // from the next page.
      await this.#save(fresh);
      if (ended) return true;
    }
  }

  /**
   * Ends a read that brought every list up to now: the progress counts
   * start again from zero.
   */
  async finish(): Promise<void> {
    if (this.#state.pages === 0 && this.#state.items === 0) return;
    this.#state.pages = 0;
    this.#state.items = 0;
    await this.#save([]);
  }

  /** Whether a pass is under way (or a first one not begun). */
  get pending(): boolean {
    return this.#pending();
  }

  /** Whether some list's pass is under way, or its first not begun. */
  #pending(): boolean {
    return Object.values(this.#state.lists).some((l) => l.pass || !l.done);
  }

  /** Whether a list's first pass has finished. */
  done(list: string): boolean {
    return this.#state.lists[list]?.done === true;
  }

  /**
   * Pages and items of the passes not finished yet, and the pages they
   * will take in all when every pass under way has an estimate.
   */
  get progress(): SyncProgress {
    const { pages, items } = this.#state;
    const passes = Object.values(this.#state.lists).flatMap((l) =>
      l.pass ? [l.pass] : []
    );
    if (
      passes.length === 0 || passes.some((p) => p.estimate === undefined)
    ) return { pages, items };
    const left = passes.reduce(
      (sum, p) => sum + Math.max(0, p.estimate! - p.pages),
      0,
    );
    return { pages, items, estimatedPages: pages + left };
  }

  /** Saves the progress and a page's movements (with a store). */
  async #save(movements: SyncedMovement[]): Promise<void> {
    this.#state.version++;
    await this.#o.store?.savePage(this.#o.source, this.#state, movements);
  }
}
