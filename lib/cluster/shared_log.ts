/**
 * Reading a shared topic's log: the Redis Stream the publish script
 * appends every delta to, with the seq as the entry id. One reader for
 * the resync after a (re)connection and for resumes older than an
 * instance's own history.
 *
 * @module
 */
import type { SharedLink } from "./shared_link.ts";
import { type HubMessage, hubMessageFromText } from "../stream/mod.ts";

/** Options for {@linkcode readSharedLog}. */
export interface ReadSharedLogOptions {
  /** Only deltas after this seq. @default {0} (all that are kept) */
  after?: number;
  /** Only deltas of this epoch (older epochs' entries are skipped). */
  epoch?: string;
  /** Told about entries that cannot be parsed (skipped). */
  onError?: (error: unknown) => void;
}

/**
 * The deltas kept in a topic's Stream, oldest first.
 *
 * @param link Redis, or the local bus.
 * @param key The Stream's key.
 * @param options Which entries.
 * @returns The deltas.
 * @throws {RedisDownError} While Redis is unreachable.
 * @throws {TimeoutError} When Redis does not answer in time.
 */
export async function readSharedLog(
  link: SharedLink,
  key: string,
  options: ReadSharedLogOptions = {},
): Promise<HubMessage[]> {
  const { after = 0, epoch, onError } = options;
  const texts = await link.readLog(key, after);
  const out: HubMessage[] = [];
  for (const text of texts) {
    try {
      const message = hubMessageFromText(text);
      if (epoch === undefined || message.envelope.epoch === epoch) {
        out.push(message);
      }
    } catch (error) {
      onError?.(error);
    }
  }
  return out;
}
