/**
 * The shape of a validated sources file, apart from the validator, so
 * that the error a file with mistakes is refused with can carry the part
 * of it that is sound.
 *
 * @module
 */
import type { SourceEntry } from "./source_entry.ts";

/** A validated sources file. */
export interface SourcesFile {
  /** Absolute path of the file. */
  file: string;
  /** Reporting currency. */
  currency: string;
  /** The board's title, when the file gives one. */
  title?: string;
  /** The time zone of the reporting periods, when the file gives one. */
  timeZone?: string;
  /** The sources, in file order. */
  entries: SourceEntry[];
  /** The file's text, when read from disk (for line:column in errors). */
  text?: string;
  /** The alert rules as written (validated by `lib/alerts`). */
  alerts?: readonly unknown[];
  /** The alert channels as written (validated by `lib/alerts`). */
  channels?: readonly unknown[];
  /** The digests as written (validated by `lib/alerts`). */
  digests?: readonly unknown[];
  /**
   * Every id the file declares, its invalid entries' too: set on the part
   * of a file with mistakes that is checked on (a rule naming a source
   * whose entry has a mistake is not also "an unknown source").
   */
  declaredIds?: readonly string[];
}
