/**
 * Pushed (webhook) events in Redis, for several instances: any instance
 * takes a delivery, and the leader reads the figure. Like the SQLite
 * store, the event id and the new figure are written together: a Lua
 * compare-and-set refuses the write when the id was seen or the figure
 * changed since it was read (then it is read again and retried).
 *
 * @module
 */
import type { RedisConnection } from "../redis/mod.ts";
import type { IngestOutcome } from "./sqlite_ingest.ts";

// KEYS: value, event; ARGV: expected value ('' = none), new value, dedupe ms
const APPLY = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'duplicate', redis.call('GET', KEYS[1]) or ''} end
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return {'conflict', current} end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
return {'ok', ARGV[2]}
`;
// KEYS: value, event
const READ = `
return {redis.call('GET', KEYS[1]) or '', redis.call('EXISTS', KEYS[2])}
`;

/** Options for {@linkcode RedisIngest}. */
export interface RedisIngestOptions {
  /** The process's Redis connection (its scripts and key prefix). */
  redis: Pick<RedisConnection, "run" | "key">;
  /**
   * How long event ids are remembered, ms.
   * @default {2592000000}
   */
  dedupeMs?: number;
}

/** Too many concurrent writers to the same source; the sender retries. */
export class IngestConflictError extends Error {
  /** Creates the error. */
  constructor(source: string) {
    super(`too many concurrent deliveries to ${source}; retry`);
    this.name = "IngestConflictError";
  }
}

/** Event ids and per-source values in Redis (see the module text). */
export class RedisIngest {
  #o: Required<RedisIngestOptions>;

  /** Creates the store over a Redis connection. */
  constructor(options: RedisIngestOptions) {
    this.#o = { dedupeMs: 30 * 86_400_000, ...options };
  }

  #keys(source: string, eventId = ""): string[] {
    const { redis } = this.#o;
    return [
      redis.key("ingest", source, "value"),
      redis.key("ingest", source, "event", eventId),
    ];
  }

  /** The value a source's events add up to, or `undefined`. */
  async latest<T>(source: string): Promise<T | undefined> {
    const [text] = await this.#o.redis.run(READ, this.#keys(source), []) as [
      string,
      number,
    ];
    return text ? JSON.parse(text) as T : undefined;
  }

  /**
   * Records `eventId` and stores `next(previous)` atomically; an id seen
   * before changes nothing.
   *
   * @throws {IngestConflictError} After ten lost races in a row.
   */
  async apply<T>(
    source: string,
    eventId: string,
    _receivedAt: number,
    next: (previous: T | undefined) => T,
  ): Promise<IngestOutcome<T>> {
    const keys = this.#keys(source, eventId);
    let [current, seen] = await this.#o.redis.run(READ, keys, []) as [
      string,
      number,
    ];
    for (let attempt = 0; attempt < 10; attempt++) {
      if (seen === 1) {
        return { duplicate: true, value: JSON.parse(current) as T };
      }
      const previous = current ? JSON.parse(current) as T : undefined;
      const value = next(previous);
      const [status, now] = await this.#o.redis.run(APPLY, keys, [
        current,
        JSON.stringify(value),
        String(this.#o.dedupeMs),
      ]) as [string, string];
      if (status === "ok") return { duplicate: false, value };
      if (status === "duplicate") {
        return { duplicate: true, value: JSON.parse(now) as T };
      }
      current = now; // another delivery got there first: start from its figure
      seen = 0;
    }
    throw new IngestConflictError(source);
  }
}
