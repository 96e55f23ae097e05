/**
 * Share links kept beside the database: one row a link, its revocation
 * and last use in their own columns (updated alone, so a use never undoes
 * a revocation). Workers of one machine share the file.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { ViewerLinkRecord, ViewerLinkStore } from "../security/mod.ts";

/** The table's migration (applied by the store). */
export const VIEWER_LINKS_MIGRATION = `CREATE TABLE viewer_links (
  id TEXT PRIMARY KEY,
  link TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
) STRICT`;

/** The SQLite share-link store. */
export class SqliteViewerLinks implements ViewerLinkStore {
  #db: DatabaseSync;

  /** Uses the open, migrated database. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Keeps a new link. */
  add(link: ViewerLinkRecord): Promise<void> {
    const { revokedAt: _r, lastUsedAt: _u, ...fixed } = link;
    this.#db.prepare(
      "INSERT INTO viewer_links (id, link, created_at) VALUES (?, ?, ?)",
    ).run(link.id, JSON.stringify(fixed), link.createdAt);
    return Promise.resolve();
  }

  /** Every link, newest first. */
  all(): Promise<ViewerLinkRecord[]> {
    const rows = this.#db.prepare(
      "SELECT link, revoked_at, last_used_at FROM viewer_links ORDER BY created_at DESC, id",
    ).all() as {
      link: string;
      revoked_at: number | null;
      last_used_at: number | null;
    }[];
    return Promise.resolve(rows.map((r) => ({
      ...JSON.parse(r.link) as ViewerLinkRecord,
      ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
      ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
    })));
  }

  /** Marks one revoked (the first revocation's time stays). */
  revoke(id: string, at: number): Promise<boolean> {
    const { changes } = this.#db.prepare(
      "UPDATE viewer_links SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
    ).run(at, id);
    return Promise.resolve(Number(changes) > 0);
  }

  /** Notes a use. */
  touch(id: string, at: number): Promise<void> {
    this.#db.prepare(
      "UPDATE viewer_links SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?",
    ).run(at, id);
    return Promise.resolve();
  }
}
