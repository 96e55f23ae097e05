/**
 * Whose history it is: a topic's chart points and last state belong to a
 * board (its currency and sources, as a tag), so a board never draws
 * another board's points or restores another board's figures (the
 * simulator's demo before a real sources file, for one). Another board's
 * data is moved aside under its own tag (`pnl` -> `pnl@<tag>`,
 * `pnl/source/x` -> `pnl@<tag>/source/x`) and comes back with that board.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** The board table's migration (applied by the store). */
export const BOARD_MIGRATION =
  `CREATE TABLE board (topic TEXT PRIMARY KEY, tag TEXT NOT NULL) STRICT`;

/**
 * Makes `tag`'s board the one a topic's keys hold, in one transaction.
 * Data from before tags existed is this board's when `ownsUntagged` says
 * so (its saved state lists this board's sources, or there is none).
 *
 * @param db The open database.
 * @param topic The topic, such as `pnl`.
 * @param tag The board's tag.
 * @param ownsUntagged Whether untagged data under `topic` is this board's.
 * @returns The tag that was moved aside, when there was another board.
 */
export function adoptBoard(
  db: DatabaseSync,
  topic: string,
  tag: string,
  ownsUntagged: (topic: string) => boolean,
): { movedAside?: string } {
  db.exec("BEGIN IMMEDIATE");
  try {
    const row = db.prepare("SELECT tag FROM board WHERE topic = ?").get(
      topic,
    ) as { tag: string } | undefined;
    const current = row?.tag ?? (ownsUntagged(topic) ? tag : "untagged");
    if (current !== tag) {
      moveKeys(db, topic, `${topic}@${current}`);
      moveKeys(db, `${topic}@${tag}`, topic);
    }
    db.prepare(
      "INSERT INTO board (topic, tag) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET tag = excluded.tag",
    ).run(topic, tag);
    db.exec("COMMIT");
    return current === tag ? {} : { movedAside: current };
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/** Renames a key and its sub-keys (`from/...`) in every keyed table. */
function moveKeys(db: DatabaseSync, from: string, to: string): void {
  for (const table of ["history", "history_rollup", "latest_snapshot"]) {
    db.prepare(
      `UPDATE OR REPLACE ${table} SET topic = ? || substr(topic, ?)
       WHERE topic = ? OR substr(topic, 1, ?) = ?`,
    ).run(to, from.length + 1, from, from.length + 1, `${from}/`);
  }
}
