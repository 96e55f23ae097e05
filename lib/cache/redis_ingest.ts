/**
 * Pushed (webhook) events in Redis, for several instances: any instance
 * takes a delivery, and the leader reads the figure.
 *
 * Deliveries to one source are serialized by a short per-source lock in
 * Redis (taken and checked by Lua scripts), so concurrent deliveries
 * across instances queue and each one lands, instead of racing and being
 * refused. Each value carries a version counter, and every instance keeps
 * the newest value it saw, with the event ids it took, in its own SQLite
 * file: a Redis that comes back empty is refilled from those copies (the
 * highest version wins) and told the event ids again, so a figure is
 * never zeroed and a redelivery is never counted twice.
 *
 * @module
 */
import type { RedisConnection } from "../redis/mod.ts";
import { type Clock, systemRandom } from "../time/mod.ts";
import type { IngestOutcome, SqliteIngest } from "./sqlite_ingest.ts";

// KEYS: lock; ARGV: token, ttl ms
const LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`;
// KEYS: lock; ARGV: token
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;
// KEYS: value, event
const READ = `
return {redis.call('GET', KEYS[1]) or '', redis.call('EXISTS', KEYS[2])}
`;
// KEYS: value, version
const READ_VALUE = `
return {redis.call('GET', KEYS[1]) or '', redis.call('GET', KEYS[2]) or '0'}
`;
// KEYS: lock, value, event, version; ARGV: token, value, dedupe ms
const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost', 0} end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
local version = redis.call('INCR', KEYS[4])
redis.call('DEL', KEYS[1])
return {'ok', version}
`;
// KEYS: value, version; ARGV: value, version
const RESTORE = `
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], ARGV[2])
  return 1
end
return 0
`;
// KEYS: event keys; ARGV: ttl ms of each
const REMEMBER = `
for i, key in ipairs(KEYS) do
  redis.call('SET', key, '1', 'NX', 'PX', ARGV[i])
end
return #KEYS
`;

/** Options for {@linkcode RedisIngest}. */
export interface RedisIngestOptions {
  /** The process's Redis connection (its scripts and key prefix). */
  redis: Pick<RedisConnection, "run" | "key">;
  /** Time source for lock waits and the dedupe window. */
  clock: Clock;
  /**
   * This instance's SQLite copy; without it nothing survives a Redis that
   * loses its data.
   */
  replica?: SqliteIngest;
  /**
   * How long event ids are remembered, ms.
   * @default {2592000000}
   */
  dedupeMs?: number;
  /**
   * Longest wait for a source's lock before a delivery is refused (503,
   * the sender retries), ms.
   * @default {5000}
   */
  lockWaitMs?: number;
  /** Told about replica writes that failed (the delivery still landed). */
  onError?: (error: unknown) => void;
  /**
   * Uniform random numbers in [0, 1), for the jitter of lock waits.
   * @default {systemRandom}
   */
  random?: () => number;
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

/** Event ids and per-source values in Redis (see the module text). */
export class RedisIngest {
  #o: Required<Omit<RedisIngestOptions, "replica" | "onError">> & {
    replica?: SqliteIngest;
    onError?: (error: unknown) => void;
  };
  /** The version last copied per source, so a repeated read writes nothing. */
  #kept = new Map<string, number>();

  /** Creates the store over a Redis connection. */
  constructor(options: RedisIngestOptions) {
    this.#o = {
      dedupeMs: 30 * 86_400_000,
      lockWaitMs: 5_000,
      random: systemRandom,
      ...options,
    };
  }

  #keys(source: string) {
    const k = (...parts: string[]) =>
      this.#o.redis.key("ingest", source, ...parts);
    return {
      value: k("value"),
      version: k("version"),
      lock: k("lock"),
      event: (id: string) => k("event", id),
    };
  }

  /**
   * The value a source's events add up to, or `undefined` before the
   * first event. A value missing from Redis but kept here (Redis came back
   * empty) is put back first.
   */
  async latest<T>(source: string): Promise<T | undefined> {
    const keys = this.#keys(source);
    const [text, version] = await this.#o.redis.run(READ_VALUE, [
      keys.value,
      keys.version,
    ], []) as [string, string];
    if (text) {
      this.#keep(source, { value: text, version: Number(version) });
      return JSON.parse(text) as T;
    }
    const kept = this.#o.replica?.replica(source);
    if (!kept) return undefined;
    await this.restore(source);
    return JSON.parse(kept.value) as T;
  }

  /**
   * Records `eventId` and stores `next(previous)`, one delivery at a time
   * per source across every instance; an id seen before changes nothing.
   *
   * @throws {IngestConflictError} When the source's queue stays busy past `lockWaitMs`.
   */
  async apply<T>(
    source: string,
    eventId: string,
    receivedAt: number,
    next: (previous: T | undefined) => T,
  ): Promise<IngestOutcome<T>> {
    const keys = this.#keys(source);
    const event = keys.event(eventId);
    const token = crypto.randomUUID();
    await this.#lock(source, keys.lock, token);
    try {
      let [current, seen] = await this.#o.redis.run(READ, [
        keys.value,
        event,
      ], []) as [string, number];
      const kept = this.#o.replica?.replica(source);
      if (!current && kept) {
        // Redis lost it: carry on from the newest copy instead of zero.
        await this.restore(source);
        current = kept.value;
      }
      if (seen === 1 || this.#o.replica?.seen(source, eventId)) {
        return { duplicate: true, value: JSON.parse(current) as T };
      }
      const previous = current ? JSON.parse(current) as T : undefined;
      const value = next(previous);
      const text = JSON.stringify(value);
      const [status, newVersion] = await this.#o.redis.run(COMMIT, [
        keys.lock,
        keys.value,
        event,
        keys.version,
      ], [token, text, String(this.#o.dedupeMs)]) as [string, number];
      if (status !== "ok") {
        // The lock ran out under us (a stalled process): nothing was written.
        throw new IngestConflictError(source, this.#o.lockWaitMs);
      }
      this.#keep(
        source,
        { value: text, version: Number(newVersion) },
        { id: eventId, receivedAt },
      );
      return { duplicate: false, value };
    } finally {
      await this.#o.redis.run(UNLOCK, [keys.lock], [token]).catch(() => {});
    }
  }

  /**
   * Puts this instance's copy of `source` back into Redis when Redis has
   * none or an older one, with the event ids this instance took inside the
   * dedupe window. Run for every source when Redis becomes reachable.
   *
   * @returns Whether Redis took the copy.
   */
  async restore(source: string): Promise<boolean> {
    const replica = this.#o.replica;
    const kept = replica?.replica(source);
    if (!replica || !kept) return false;
    const keys = this.#keys(source);
    const took = await this.#o.redis.run(RESTORE, [keys.value, keys.version], [
      kept.value,
      String(kept.version),
    ]) === 1;
    const now = this.#o.clock.now();
    const events = replica.eventsSince(source, now - this.#o.dedupeMs);
    for (let i = 0; i < events.length; i += 500) {
      const batch = events.slice(i, i + 500);
      await this.#o.redis.run(
        REMEMBER,
        batch.map((e) => keys.event(e.id)),
        batch.map((e) => String(Math.max(1, e.at + this.#o.dedupeMs - now))),
      );
    }
    return took;
  }

  /**
   * {@linkcode RedisIngest.restore} for every source this instance keeps
   * a copy of; errors are reported, not thrown (it runs in the background
   * when Redis becomes reachable).
   */
  async restoreAll(): Promise<void> {
    for (const source of this.#o.replica?.replicaSources() ?? []) {
      try {
        await this.restore(source);
      } catch (error) {
        this.#o.onError?.(error);
      }
    }
  }

  async #lock(source: string, key: string, token: string): Promise<void> {
    const { clock, lockWaitMs } = this.#o;
    const started = clock.monotonic();
    for (let wait = 2;; wait = Math.min(wait * 2, 50)) {
      const got = await this.#o.redis.run(LOCK, [key], [
        token,
        String(lockWaitMs),
      ]);
      if (got === 1) return;
      if (clock.monotonic() - started >= lockWaitMs) {
        throw new IngestConflictError(source, lockWaitMs);
      }
      await clock.sleep(wait * (0.5 + this.#o.random() / 2));
    }
  }

  #keep(
    source: string,
    replica: { value: string; version: number },
    event?: { id: string; receivedAt: number },
  ): void {
    // The leader reads every interval: only a newer version costs a write.
    if (!event && (this.#kept.get(source) ?? -1) >= replica.version) return;
    try {
      this.#o.replica?.keepReplica(source, replica, event);
      this.#kept.set(source, replica.version);
    } catch (error) {
      this.#o.onError?.(error);
    }
  }
}
