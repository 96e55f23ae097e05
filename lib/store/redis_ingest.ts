/**
 * Pushed (webhook) events in Redis, for several instances: any instance
 * takes a delivery, and the leader reads the figure.
 *
 * A source's figure in Redis is a hash of parts, one per instance (named
 * by the replica id of its SQLite file): each instance's part is what the
 * events it acknowledged add up to, and the figure is the parts merged.
 * Deliveries to one source are serialized by a short per-source lock in
 * Redis, so an event id is taken by exactly one instance. A delivery is
 * acknowledged only once it is in the taking instance's SQLite (event id
 * and part, in one transaction) and then in Redis (event id and part, in
 * one script). A Redis that comes back empty (restarted, `FLUSHALL`) is
 * noticed by every instance within `checkMs` (a generation key is gone),
 * and each puts its own part and the event ids it took back, and the
 * copies it keeps of the others' parts where their owners have not: the
 * figure is the sum of every instance's durable share again, never
 * zeroed and never counted twice, and a redelivery to any instance is
 * still a duplicate. Over 400 lines because delivery, restore and the
 * settling of a half-done delivery share one lock and one set of keys;
 * the scripts and errors live beside it.
 *
 * @module
 */
import type { RedisConnection } from "../redis/mod.ts";
import {
  type Clock,
  randomId,
  systemRandom,
  type TimerId,
} from "../time/mod.ts";
import type { IngestOutcome, SqliteIngest } from "./sqlite_ingest.ts";
import {
  CLAIM,
  COMMIT,
  GENERATION,
  LEGACY,
  LOCK,
  pairs,
  PUT_PART,
  READ,
  REMEMBER,
  UNLOCK,
} from "./redis_ingest_scripts.ts";
import {
  IngestConflictError,
  IngestSettlingError,
} from "./redis_ingest_errors.ts";

export { IngestConflictError, IngestSettlingError };

/** Combines two instances' parts of one source into one figure. */
export type IngestMerge<T> = (a: T, b: T) => T;

/** Options for {@linkcode RedisIngest}. */
export interface RedisIngestOptions {
  /** The process's Redis connection (its scripts and key prefix). */
  redis: Pick<RedisConnection, "run" | "key">;
  /** Time source for lock waits, the dedupe window and the checks. */
  clock: Clock;
  /**
   * This instance's SQLite store: its part, the events it took, and the
   * copies of the others' parts. Without it nothing survives a Redis that
   * loses its data, and a delivery is acknowledged once Redis has it.
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
  /**
   * How often {@linkcode RedisIngest.watch} looks whether Redis was
   * emptied, ms.
   * @default {1000}
   */
  checkMs?: number;
  /**
   * How long after Redis was found emptied reads wait for every instance
   * to put its part back, ms.
   * @default {2 * checkMs}
   */
  settleMs?: number;
  /**
   * Told when the settling after an emptied Redis is over: read the pushed
   * sources again (their last figures stood, stale, meanwhile).
   */
  onSettled?: () => void;
  /** Told about background work that failed (a check, a copy). */
  onError?: (error: unknown) => void;
  /**
   * Uniform random numbers in [0, 1), for the jitter of lock waits.
   * @default {systemRandom}
   */
  random?: () => number;
}

/** Event ids and per-instance parts in Redis (see the module text). */
export class RedisIngest {
  #o:
    & Required<
      Omit<RedisIngestOptions, "replica" | "onError" | "settleMs" | "onSettled">
    >
    & {
      onSettled?: () => void;
      replica?: SqliteIngest;
      onError?: (error: unknown) => void;
    };
  #replicaId: string;
  /** The Redis generation this instance's parts were put into. */
  #generation?: string;
  /** Until when (monotonic ms) reads wait for the others' parts. */
  #settleUntil = -Infinity;
  #settleMs: number;
  #settleTimer?: TimerId;
  #checking?: Promise<void>;
  /** The others' parts as last copied, per source, so a read writes only news. */
  #copied = new Map<string, string>();

  /** Creates the store over a Redis connection. */
  constructor(options: RedisIngestOptions) {
    this.#o = {
      dedupeMs: 30 * 86_400_000,
      lockWaitMs: 5_000,
      checkMs: 1_000,
      random: systemRandom,
      ...options,
    };
    this.#settleMs = options.settleMs ?? 2 * this.#o.checkMs;
    this.#replicaId = options.replica?.replicaId() ?? `mem-${randomId(8)}`;
  }

  /** The name of this instance's part. */
  get replicaId(): string {
    return this.#replicaId;
  }

  #keys(source: string) {
    const k = (...parts: string[]) =>
      this.#o.redis.key("ingest", source, ...parts);
    return {
      parts: k("parts"),
      lock: k("lock"),
      legacyValue: k("value"),
      legacyVersion: k("version"),
      event: (id: string) => k("event", id),
    };
  }

  /**
   * The figure a source's events add up to (every instance's part,
   * merged), or `undefined` before the first event.
   */
  async latest<T>(
    source: string,
    merge: IngestMerge<T>,
  ): Promise<T | undefined> {
    await this.check();
    const remaining = this.#settleUntil - this.#o.clock.monotonic();
    if (remaining > 0) throw new IngestSettlingError(source, remaining);
    const parts = await this.#parts(source);
    return this.#merged(parts, merge);
  }

  /**
   * Records `eventId` and adds it to this instance's part with
   * `next(part)`, one delivery at a time per source across every
   * instance; an id any instance took before changes nothing. Resolves
   * once the event is in this instance's SQLite and in Redis.
   *
   * @returns Whether it was a duplicate, and the figure after it.
   * @throws {IngestConflictError} When the source's queue stays busy past `lockWaitMs`.
   */
  async apply<T>(
    source: string,
    eventId: string,
    receivedAt: number,
    next: (previous: T | undefined) => T,
    merge: IngestMerge<T>,
  ): Promise<IngestOutcome<T>> {
    await this.check();
    const keys = this.#keys(source);
    const event = keys.event(eventId);
    const token = crypto.randomUUID();
    await this.#lock(source, keys.lock, token);
    try {
      await this.#settlePending(source);
      const [taken, flat] = await this.#o.redis.run(READ, [
        keys.parts,
        event,
      ], []) as [string, string[]];
      const parts = pairs(flat);
      this.#copy(source, parts);
      const local = this.#o.replica;
      if (taken) {
        return { duplicate: true, value: this.#merged(parts, merge) as T };
      }
      if (!local) {
        // No SQLite: the part lives in Redis alone.
        const own = parts.get(this.#replicaId);
        const value = next(own === undefined ? undefined : JSON.parse(own));
        const text = JSON.stringify(value);
        await this.#commit(source, event, token, text);
        parts.set(this.#replicaId, text);
        return { duplicate: false, value: this.#merged(parts, merge) as T };
      }
      // In SQLite first, marked pending until Redis has it too.
      const outcome = local.apply<T>(source, eventId, receivedAt, next, {
        pending: true,
      });
      const text = JSON.stringify(outcome.value);
      if (outcome.duplicate) {
        // This instance took it, and Redis lost it since: put it back.
        await this.#o.redis.run(PUT_PART, [keys.parts], [
          this.#replicaId,
          text,
          "1",
        ]);
        await this.#remember(keys, [{ id: eventId, at: receivedAt }]);
        parts.set(this.#replicaId, text);
        return { duplicate: true, value: this.#merged(parts, merge) as T };
      }
      try {
        await this.#commit(source, event, token, text);
      } catch (error) {
        local.retract(source);
        throw error;
      }
      local.confirm(source);
      parts.set(this.#replicaId, text);
      return { duplicate: false, value: this.#merged(parts, merge) as T };
    } finally {
      await this.#o.redis.run(UNLOCK, [keys.lock], [token]).catch(() => {});
    }
  }

  /**
   * Puts every part this instance keeps back into Redis when Redis has
   * been emptied since it last did (a generation key is gone): its own
   * parts and event ids, and its copies of the others' parts where their
   * owners have not put them back. Run at start, when Redis becomes
   * reachable, before each read and delivery, and by {@linkcode watch}.
   */
  check(): Promise<void> {
    return this.#checking ??= (async () => {
      try {
        const key = this.#o.redis.key("ingest", "generation");
        const fresh = randomId(12);
        const generation = await this.#o.redis.run(GENERATION, [key], [
          fresh,
        ]) as string;
        if (generation === this.#generation) return;
        // Emptied under us, or before we came with parts to put back: the
        // others are putting theirs back too, within a check or two.
        const emptied = this.#generation !== undefined ||
          (generation === fresh &&
            (this.#o.replica?.partSources().length ?? 0) > 0);
        await this.restoreAll();
        if (emptied) {
          const { clock } = this.#o;
          this.#settleUntil = clock.monotonic() + this.#settleMs;
          if (this.#settleTimer !== undefined) {
            clock.clearTimeout(this.#settleTimer);
          }
          this.#settleTimer = clock.setTimeout(() => {
            this.#settleTimer = undefined;
            this.#o.onSettled?.();
          }, this.#settleMs);
        }
        this.#generation = generation;
      } finally {
        this.#checking = undefined;
      }
    })();
  }

  /**
   * Runs {@linkcode check} every `checkMs` until disposed, so an instance
   * that takes no delivery still puts its part back within a second.
   */
  watch(): Disposable {
    let timer: TimerId | undefined;
    let stopped = false;
    const tick = () => {
      timer = undefined;
      this.check().catch((error) => this.#o.onError?.(error)).finally(() => {
        if (!stopped) timer = this.#o.clock.setTimeout(tick, this.#o.checkMs);
      });
    };
    timer = this.#o.clock.setTimeout(tick, this.#o.checkMs);
    return {
      [Symbol.dispose]: () => {
        stopped = true;
        if (timer !== undefined) this.#o.clock.clearTimeout(timer);
        if (this.#settleTimer !== undefined) {
          this.#o.clock.clearTimeout(this.#settleTimer);
          this.#settleTimer = undefined;
        }
      },
    };
  }

  /**
   * {@linkcode restore} for every source this instance keeps a part or a
   * copy of; a source that fails is reported and the others go on.
   */
  async restoreAll(): Promise<void> {
    let failed: unknown;
    for (const source of this.#o.replica?.partSources() ?? []) {
      try {
        await this.restore(source);
      } catch (error) {
        this.#o.onError?.(error);
        failed ??= error;
      }
    }
    // Not done: the next check tries again.
    if (failed !== undefined) throw failed;
  }

  /**
   * Puts this instance's part of `source` and the event ids it took back
   * into Redis, and its copies of the others' parts where Redis has none,
   * after settling a delivery a crash left half-done.
   */
  async restore(source: string): Promise<void> {
    const local = this.#o.replica;
    if (!local) return;
    const keys = this.#keys(source);
    const token = crypto.randomUUID();
    await this.#lock(source, keys.lock, token);
    try {
      await this.#settlePending(source);
      await this.#o.redis.run(LEGACY, [
        keys.parts,
        keys.legacyValue,
        keys.legacyVersion,
      ], []);
      const own = local.ownPart(source);
      if (own !== undefined) {
        await this.#o.redis.run(PUT_PART, [keys.parts], [
          this.#replicaId,
          own,
          "1",
        ]);
      }
      const others = local.otherParts(source);
      // What an older version kept: the whole figure as it last saw it.
      const old = local.replica(source);
      if (old && others.size === 0 && own === undefined) {
        others.set("legacy", old.value);
      }
      for (const [replica, value] of others) {
        if (replica === this.#replicaId) continue;
        await this.#o.redis.run(PUT_PART, [keys.parts], [replica, value, "0"]);
      }
      const now = this.#o.clock.now();
      await this.#remember(
        keys,
        local.eventsSince(source, now - this.#o.dedupeMs),
      );
    } finally {
      await this.#o.redis.run(UNLOCK, [keys.lock], [token]).catch(() => {});
    }
  }

  /** The parts of a source in Redis, copied here as they change. */
  async #parts(source: string): Promise<Map<string, string>> {
    const keys = this.#keys(source);
    let [, flat] = await this.#o.redis.run(READ, [keys.parts], []) as [
      string,
      string[],
    ];
    if (flat.length === 0) {
      // A figure stored by an older version, as one value: one part now.
      await this.#o.redis.run(LEGACY, [
        keys.parts,
        keys.legacyValue,
        keys.legacyVersion,
      ], []);
      [, flat] = await this.#o.redis.run(READ, [keys.parts], []) as [
        string,
        string[],
      ];
    }
    const parts = pairs(flat);
    this.#copy(source, parts);
    return parts;
  }

  /** Keeps copies of the others' parts (only when they changed). */
  #copy(source: string, parts: ReadonlyMap<string, string>): void {
    const local = this.#o.replica;
    if (!local) return;
    const others = new Map(
      [...parts].filter(([replica]) => replica !== this.#replicaId),
    );
    const text = JSON.stringify([...others]);
    if (others.size === 0 || this.#copied.get(source) === text) return;
    try {
      local.keepOtherParts(source, others);
      this.#copied.set(source, text);
    } catch (error) {
      this.#o.onError?.(error);
    }
  }

  /**
   * A delivery stored here whose Redis commit was not seen (a crash in
   * between): kept when Redis has its id from this instance or from
   * nobody (claimed now: its sender never had an answer and will retry,
   * then hear "duplicate"); taken back when another instance counted it.
   */
  async #settlePending(source: string): Promise<void> {
    const local = this.#o.replica;
    for (const p of local?.pending(source) ?? []) {
      const keys = this.#keys(source);
      const holder = await this.#o.redis.run(CLAIM, [keys.event(p.eventId)], [
        this.#replicaId,
        String(this.#o.dedupeMs),
      ]);
      if (holder !== this.#replicaId) {
        local!.retract(source);
        continue;
      }
      const own = local!.ownPart(source);
      if (own !== undefined) {
        await this.#o.redis.run(PUT_PART, [keys.parts], [
          this.#replicaId,
          own,
          "1",
        ]);
      }
      local!.confirm(source);
    }
  }

  async #commit(
    source: string,
    event: string,
    token: string,
    part: string,
  ): Promise<void> {
    const keys = this.#keys(source);
    const status = await this.#o.redis.run(COMMIT, [
      keys.lock,
      event,
      keys.parts,
    ], [token, this.#replicaId, part, String(this.#o.dedupeMs)]);
    if (status !== "ok") {
      // The lock ran out under us (a stalled process): nothing was written.
      throw new IngestConflictError(source, this.#o.lockWaitMs);
    }
  }

  async #remember(
    keys: { event: (id: string) => string },
    events: readonly { id: string; at: number }[],
  ): Promise<void> {
    const now = this.#o.clock.now();
    for (let i = 0; i < events.length; i += 500) {
      const batch = events.slice(i, i + 500);
      await this.#o.redis.run(
        REMEMBER,
        batch.map((e) => keys.event(e.id)),
        [
          this.#replicaId,
          ...batch.map((e) =>
            String(Math.max(1, e.at + this.#o.dedupeMs - now))
          ),
        ],
      );
    }
  }

  #merged<T>(
    parts: ReadonlyMap<string, string>,
    merge: IngestMerge<T>,
  ): T | undefined {
    let value: T | undefined;
    // In a stable order, so every instance merges alike.
    for (const replica of [...parts.keys()].sort()) {
      const part = JSON.parse(parts.get(replica)!) as T;
      value = value === undefined ? part : merge(value, part);
    }
    return value;
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
}
