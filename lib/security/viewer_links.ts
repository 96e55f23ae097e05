/**
 * Share links an operator makes, lists and revokes one by one: each a
 * named, read-only viewer link with its own id, an optional expiry (up to
 * a year, or none), and where it opens (a wall screen's `?kiosk`, a
 * period). The links are kept in a store (SQLite beside the database, or
 * Redis for a cluster); revocations are read back into memory and
 * refreshed lazily, so checking a credential stays synchronous and every
 * instance learns of a revocation within `refreshMs`.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";

/** A share link as kept (its secret form is signed, never stored). */
export interface ViewerLinkRecord {
  /** Its id (in the signed link and what it signs in). */
  id: string;
  /** What the operator called it ("Office TV", "Investors Q4"). */
  name: string;
  /** When it was made, epoch ms. */
  createdAt: number;
  /** When it stops working, epoch ms; null for never. */
  expiresAt: number | null;
  /** Where it opens, a path on the board (`/`, `/?kiosk&period=mtd`). */
  opens: string;
  /** The API token's id that made it. */
  createdBy?: string;
  /** When it was revoked, epoch ms. */
  revokedAt?: number;
  /** When it was last used (opened, or a screen it signed in connected). */
  lastUsedAt?: number;
}

/** Where share links are kept. */
export interface ViewerLinkStore {
  /** Keeps a new link. */
  add(link: ViewerLinkRecord): Promise<void>;
  /** Every link kept, newest first. */
  all(): Promise<ViewerLinkRecord[]>;
  /** Marks one revoked; false when there is no such link. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Notes a use (never undoes a revocation). */
  touch(id: string, at: number): Promise<void>;
}

/** Options for {@linkcode ViewerLinks}. */
export interface ViewerLinksOptions {
  /** Where links are kept. */
  store: ViewerLinkStore;
  /** Time source. */
  clock: Clock;
  /**
   * How stale the in-memory revocations may get before they are read
   * again (another instance's revocation takes at most this long), ms.
   * @default {5000}
   */
  refreshMs?: number;
  /**
   * The least time between two recorded uses of one link, ms.
   * @default {60000}
   */
  touchEveryMs?: number;
}

/** The longest a share link may last, ms (a year). */
export const MAX_VIEWER_LINK_MS = 366 * 86_400_000;
/** The most share links kept (revoked ones included). */
export const MAX_VIEWER_LINKS = 500;

/** A share link cannot be made as asked; says what is accepted. */
export class ViewerLinkError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ViewerLinkError";
  }
}

/**
 * The board's share links.
 *
 * @example Make, check, revoke
 * ```ts
 * import assert from "node:assert/strict";
 * import { ViewerLinks, type ViewerLinkRecord } from "@/lib/security/viewer_links.ts";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * const kept: ViewerLinkRecord[] = [];
 * const links = new ViewerLinks({
 *   clock: new FakeClock(),
 *   store: {
 *     add: (l) => { kept.push(l); return Promise.resolve(); },
 *     all: () => Promise.resolve(kept.map((l) => ({ ...l }))),
 *     revoke: (id, at) => { const l = kept.find((k) => k.id === id); if (l) l.revokedAt = at; return Promise.resolve(!!l); },
 *     touch: () => Promise.resolve(),
 *   },
 * });
 * const link = await links.create({ name: "Office TV", ttlMs: null, opens: "/?kiosk" });
 * assert.equal(links.isRevoked(link.id), false);
 * await links.revoke(link.id);
 * assert.equal(links.isRevoked(link.id), true);
 * ```
 */
export class ViewerLinks {
  #store: ViewerLinkStore;
  #clock: Clock;
  #refreshMs: number;
  #touchEveryMs: number;
  #revoked = new Set<string>();
  #refreshedAt = -Infinity;
  #refreshing?: Promise<void>;
  #touched = new Map<string, number>();
  #watchers = new Map<string, Set<() => void>>();

  /** Creates the service over its store. */
  constructor(options: ViewerLinksOptions) {
    const { store, clock, refreshMs = 5_000, touchEveryMs = 60_000 } = options;
    this.#store = store;
    this.#clock = clock;
    this.#refreshMs = refreshMs;
    this.#touchEveryMs = touchEveryMs;
  }

  /**
   * Makes a link.
   *
   * @param request Its name, lifetime (null: never ends) and where it opens.
   * @returns The record kept.
   * @throws {ViewerLinkError} For a name or lifetime out of range.
   */
  async create(request: {
    name: string;
    ttlMs: number | null;
    opens: string;
    createdBy?: string;
  }): Promise<ViewerLinkRecord> {
    const name = request.name.trim();
    if (name.length < 1 || name.length > 80) {
      throw new ViewerLinkError(
        `a share link's name is 1 to 80 characters (such as "Office TV"), received ${name.length}`,
      );
    }
    const { ttlMs } = request;
    if (ttlMs !== null && !(ttlMs >= 60_000 && ttlMs <= MAX_VIEWER_LINK_MS)) {
      throw new ViewerLinkError(
        `a share link lasts from 1 minute to a year (366 days), or never ends; received ${ttlMs} ms`,
      );
    }
    const kept = await this.#store.all();
    if (kept.length >= MAX_VIEWER_LINKS) {
      throw new ViewerLinkError(
        `${kept.length} share links are kept, the most there may be; revoke old ones first`,
      );
    }
    const now = this.#clock.now();
    const link: ViewerLinkRecord = {
      id: crypto.randomUUID().replaceAll("-", "").slice(0, 16),
      name,
      createdAt: now,
      expiresAt: ttlMs === null ? null : now + ttlMs,
      opens: request.opens,
      ...(request.createdBy ? { createdBy: request.createdBy } : {}),
    };
    await this.#store.add(link);
    return link;
  }

  /** Every link, newest first, with the revocations this instance knows. */
  async list(): Promise<ViewerLinkRecord[]> {
    const all = await this.#store.all();
    this.#learn(all);
    return all;
  }

  /**
   * Revokes one link: it and every screen it signed in stop at once here,
   * and on other instances within `refreshMs`.
   *
   * @param id The link's id.
   * @returns False when there is no such link.
   */
  async revoke(id: string): Promise<boolean> {
    const found = await this.#store.revoke(id, this.#clock.now());
    if (found) this.#learn([{ id, revokedAt: this.#clock.now() }]);
    return found;
  }

  /**
   * Whether a link was revoked, from memory (read again in the background
   * once `refreshMs` old).
   *
   * @param id The link's id.
   */
  isRevoked(id: string): boolean {
    const now = this.#clock.now();
    if (now - this.#refreshedAt >= this.#refreshMs && !this.#refreshing) {
      this.#refreshing = this.refresh().finally(() => {
        this.#refreshing = undefined;
      });
    }
    return this.#revoked.has(id);
  }

  /** Reads the revocations again (at start, and lazily after). */
  async refresh(): Promise<void> {
    this.#refreshedAt = this.#clock.now();
    try {
      this.#learn(await this.#store.all());
    } catch {
      // The store is down: the revocations known stay; the next check tries again.
      this.#refreshedAt = -Infinity;
    }
  }

  /** Notes that a link was used, at most once a `touchEveryMs` per link. */
  used(id: string): void {
    const now = this.#clock.now();
    if (now - (this.#touched.get(id) ?? -Infinity) < this.#touchEveryMs) {
      return;
    }
    if (this.#touched.size > MAX_VIEWER_LINKS) this.#touched.clear();
    this.#touched.set(id, now);
    this.#store.touch(id, now).catch(() => {
      // A use not noted is not worth failing a page for.
    });
  }

  /**
   * Calls `onRevoked` once when link `id` is revoked (here, or on another
   * instance as the next refresh finds), so a screen it signed in is ended
   * at once rather than at its session's end.
   *
   * @param id The link's id.
   * @param onRevoked What to do then.
   * @returns Stops watching (call it when the connection ends first).
   */
  watch(id: string, onRevoked: () => void): () => void {
    if (this.#revoked.has(id)) {
      onRevoked();
      return () => {};
    }
    let set = this.#watchers.get(id);
    if (!set) this.#watchers.set(id, set = new Set());
    set.add(onRevoked);
    const watchers = this.#watchers;
    return function unwatch() {
      set.delete(onRevoked);
      if (set.size === 0 && watchers.get(id) === set) watchers.delete(id);
    };
  }

  #learn(all: readonly Pick<ViewerLinkRecord, "id" | "revokedAt">[]): void {
    for (const l of all) {
      if (l.revokedAt === undefined || this.#revoked.has(l.id)) continue;
      this.#revoked.add(l.id);
      const set = this.#watchers.get(l.id);
      this.#watchers.delete(l.id);
      for (const onRevoked of set ?? []) onRevoked();
    }
  }
}
