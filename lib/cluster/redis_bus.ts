/**
 * The Redis bus: several instances behave as one server. Publishing a
 * change runs one Lua script that checks the epoch and the leader's
 * fencing value, assigns the next seq, stores the state, appends the delta
 * to a Redis Stream (trimmed by count) and publishes it, atomically. Every
 * instance subscribes and fans out to its own clients; on (re)connection
 * an instance catches up from the stream, and when Redis comes back empty
 * the first instance back starts a new epoch with its current state.
 *
 * It lives outside `lib/stream/` because that area is also bundled for the
 * browser, and this one needs a Redis client.
 *
 * @module
 */
import {
  closeRedisClient,
  createRedisClient,
  onRedisEvent as on,
  type RedisClient,
} from "../cache/mod.ts";
import { withTimeout } from "../resilience/mod.ts";
import type { Clock } from "../time/mod.ts";
import {
  type BusChange,
  type BusEvent,
  deltaMessage,
  type HubBus,
  type HubMessage,
  hubMessageFromText,
  type JsonObject,
} from "../stream/mod.ts";

/** A shared topic's position in Redis, as handed to `Hub.sync`. */
export interface SharedTopic {
  state: JsonObject;
  seq: number;
  log: HubMessage[];
}

/** The bus refused a change; `reason` says why, for metrics and logs. */
export class BusPublishError extends Error {
  /** `down`, `not_leader`, `epoch` (Redis has another) or `conflict`. */
  readonly reason: "down" | "not_leader" | "epoch" | "conflict";
  /** Creates the error. */
  constructor(reason: BusPublishError["reason"], message: string) {
    super(message);
    this.name = "BusPublishError";
    this.reason = reason;
  }
}

/** Options for {@linkcode RedisBus}. */
export interface RedisBusOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Time source for command time limits. */
  clock: Clock;
  /** Topics shared through Redis; others stay in this process. */
  shared: readonly string[];
  /** The current state of a topic (to seed a new epoch). */
  states: (topic: string) => JsonObject;
  /** Makes a fresh epoch (when Redis has none). */
  newEpoch: () => string;
  /** Applies Redis's position to the hub (`Hub.sync`). */
  onSync: (epoch: string, topics: Record<string, SharedTopic>) => void;
  /**
   * Key prefix, so several boards can share one Redis.
   * @default {"pulse:"}
   */
  prefix?: string;
  /**
   * Deltas kept per topic in the Redis Stream (approximate trim).
   * @default {1000}
   */
  historyCount?: number;
  /**
   * Time limit of one command, ms.
   * @default {1000}
   */
  commandTimeoutMs?: number;
  /** Told about connection and protocol errors (logs). */
  onError?: (error: unknown) => void;
  /** Told when the connection goes up or down. */
  onUpChange?: (up: boolean) => void;
  /** Receives notices from {@linkcode RedisBus.notify} (any instance's). */
  onNotice?: (kind: string, payload: string) => void;
}

// KEYS: epoch, seq, state, log, leader
// ARGV: epoch, base, fence, patch, state, ts, maxlen, topic, channel
const PUBLISH = `
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {'epoch', epoch or ''} end
if redis.call('GET', KEYS[5]) ~= ARGV[3] then return {'fenced', ''} end
local seq = tonumber(redis.call('GET', KEYS[2]) or '1')
if seq ~= tonumber(ARGV[2]) then return {'conflict', tostring(seq)} end
local nextSeq = seq + 1
local text = '{"type":"delta","topic":' .. cjson.encode(ARGV[8]) ..
  ',"epoch":' .. cjson.encode(ARGV[1]) .. ',"seq":' .. nextSeq ..
  ',"base":' .. seq .. ',"ts":' .. cjson.encode(ARGV[6]) ..
  ',"patch":' .. ARGV[4] .. '}'
redis.call('SET', KEYS[2], nextSeq)
redis.call('SET', KEYS[3], ARGV[5])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], nextSeq .. '-0', 'msg', text)
redis.call('PUBLISH', ARGV[9], text)
return {'ok', text}
`;

// KEYS: epoch, then seq and state and log of each topic
// ARGV: new epoch, then the state of each topic
const JOIN = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
  local n = (#KEYS - 1) / 3
  for i = 0, n - 1 do
    redis.call('SET', KEYS[2 + i * 3], 1)
    redis.call('SET', KEYS[3 + i * 3], ARGV[2 + i])
    redis.call('DEL', KEYS[4 + i * 3])
  end
end
local out = {epoch}
local n = (#KEYS - 1) / 3
for i = 0, n - 1 do
  table.insert(out, redis.call('GET', KEYS[2 + i * 3]) or '1')
  table.insert(out, redis.call('GET', KEYS[3 + i * 3]) or '{}')
end
return out
`;

/**
 * A {@linkcode HubBus} over Redis (see the module text).
 *
 * Publishing needs the leader's fencing value in {@linkcode RedisBus.fence};
 * without it, or with a stale one, a change is refused, so an instance
 * that lost its lease cannot write over the new leader's figures.
 */
export class RedisBus implements HubBus {
  #o:
    & Required<
      Omit<RedisBusOptions, "onError" | "onUpChange" | "onNotice">
    >
    & Pick<RedisBusOptions, "onError" | "onUpChange" | "onNotice">;
  #client: RedisClient;
  #subscriber: RedisClient;
  #handlers = new Set<(event: BusEvent) => void>();
  #seen = new Map<string, number>();
  #epoch?: string;
  #syncing?: Promise<void>;
  #closed = false;
  #wasUp = false;
  /** The leader's fencing value, or `undefined` on a follower. */
  fence?: string;

  /** Creates the bus; call {@linkcode RedisBus.connect}. */
  constructor(options: RedisBusOptions) {
    this.#o = {
      prefix: "pulse:",
      historyCount: 1000,
      commandTimeoutMs: 1000,
      ...options,
    };
    this.#client = createRedisClient(options.url);
    this.#subscriber = createRedisClient(options.url);
    for (const c of [this.#client, this.#subscriber]) {
      on(c, "error", (error) => this.#o.onError?.(error));
    }
    // Every (re)connection may have missed deltas, or found Redis empty.
    on(this.#client, "ready", () => {
      this.#upChanged();
      void this.resync();
    });
    on(this.#client, "end", () => this.#upChanged());
    on(this.#client, "reconnecting", () => this.#upChanged());
  }

  /** Whether Redis is reachable. */
  get up(): boolean {
    return this.#client.isReady && this.#subscriber.isReady;
  }

  /** The shared epoch, once joined. */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** The channel deltas are published on. */
  get #channel(): string {
    return `${this.#o.prefix}bus`;
  }

  #key(...parts: string[]): string {
    return this.#o.prefix + parts.join(":");
  }

  #upChanged(): void {
    const up = this.#client.isReady;
    if (up !== this.#wasUp) {
      this.#wasUp = up;
      this.#o.onUpChange?.(up);
    }
  }

  /**
   * Connects, subscribes, and joins the shared epoch (creating it when
   * Redis has none). Resolves once joined, or when the first attempt to
   * reach Redis failed (it keeps trying in the background).
   */
  async connect(): Promise<void> {
    await Promise.all([
      this.#client.connect().catch(() => {}),
      this.#subscriber.connect().catch(() => {}),
    ]);
    if (this.#subscriber.isOpen) {
      await this.#subscriber.subscribe(
        this.#channel,
        (text: string) => this.#onMessage(text),
      ).catch((error: unknown) => this.#o.onError?.(error));
      await this.#subscriber.subscribe(
        this.#key("notice"),
        (text: string) => {
          try {
            const { kind, payload } = JSON.parse(text);
            if (typeof kind === "string" && typeof payload === "string") {
              this.#o.onNotice?.(kind, payload);
            }
          } catch (error) {
            this.#o.onError?.(error);
          }
        },
      ).catch((error: unknown) => this.#o.onError?.(error));
    }
    if (this.#client.isReady) await this.resync();
  }

  /** Runs a Lua script (also used by the leader lease). */
  run(script: string, keys: string[], args: string[]): Promise<unknown> {
    if (!this.#client.isReady) {
      return Promise.reject(
        new BusPublishError("down", "Redis is unreachable"),
      );
    }
    return withTimeout(
      () => this.#client.eval(script, { keys, arguments: args }),
      this.#o.commandTimeoutMs,
      { clock: this.#o.clock, operation: "Redis script" },
    );
  }

  /**
   * Tells every instance (this one included) something small, such as
   * "source shop has a new event"; lost when Redis is unreachable.
   */
  async notify(kind: string, payload: string): Promise<void> {
    if (!this.#client.isReady) return;
    try {
      await withTimeout(
        () =>
          this.#client.publish(
            this.#key("notice"),
            JSON.stringify({ kind, payload }),
          ),
        this.#o.commandTimeoutMs,
        { clock: this.#o.clock, operation: "Redis PUBLISH" },
      );
    } catch (error) {
      this.#o.onError?.(error);
    }
  }

  /** Key of the leader lease, for {@linkcode RedisBus.fence} checks. */
  get leaderKey(): string {
    return this.#key("leader");
  }

  /**
   * Reads Redis's position (joining or creating the epoch) and the kept
   * deltas, and hands them to `onSync`. Runs once at a time.
   */
  resync(): Promise<void> {
    return this.#syncing ??= this.#doResync().finally(() => {
      this.#syncing = undefined;
    });
  }

  async #doResync(): Promise<void> {
    if (this.#closed) return;
    try {
      const { shared } = this.#o;
      const keys = [this.#key("epoch")];
      for (const t of shared) {
        keys.push(
          this.#key("t", t, "seq"),
          this.#key("t", t, "state"),
          this.#key("t", t, "log"),
        );
      }
      const reply = await this.run(JOIN, keys, [
        this.#o.newEpoch(),
        ...shared.map((t) => JSON.stringify(this.#o.states(t))),
      ]) as string[];
      const epoch = reply[0] as string;
      const topics: Record<string, SharedTopic> = {};
      for (const [i, t] of shared.entries()) {
        const entries = await withTimeout(
          () => this.#client.xRange(this.#key("t", t, "log"), "-", "+"),
          this.#o.commandTimeoutMs,
          { clock: this.#o.clock, operation: "Redis XRANGE" },
        );
        const log: HubMessage[] = [];
        for (const entry of entries ?? []) {
          try {
            log.push(hubMessageFromText(String(entry.message.msg)));
          } catch (error) {
            this.#o.onError?.(error);
          }
        }
        const seq = Number(reply[1 + i * 2]);
        topics[t] = {
          seq,
          state: JSON.parse(reply[2 + i * 2] as string) as JsonObject,
          log: log.filter((m) => m.envelope.epoch === epoch),
        };
        this.#seen.set(t, seq);
      }
      this.#epoch = epoch;
      this.#o.onSync(epoch, topics);
    } catch (error) {
      this.#o.onError?.(error);
    }
  }

  /**
   * The deltas of `topic` after `since` still in the Redis Stream (its
   * entry ids are the seqs), in this epoch; `undefined` when Redis cannot
   * answer. Serves resumes older than an instance's own history.
   */
  async readAfter(
    topic: string,
    since: number,
  ): Promise<HubMessage[] | undefined> {
    if (!this.#client.isReady || !this.#o.shared.includes(topic)) {
      return undefined;
    }
    try {
      const entries = await withTimeout(
        () =>
          this.#client.xRange(
            this.#key("t", topic, "log"),
            `${since + 1}-0`,
            "+",
          ),
        this.#o.commandTimeoutMs,
        { clock: this.#o.clock, operation: "Redis XRANGE" },
      );
      const out: HubMessage[] = [];
      for (const entry of entries ?? []) {
        const m = hubMessageFromText(String(entry.message.msg));
        if (m.envelope.epoch === this.#epoch) out.push(m);
      }
      return out;
    } catch (error) {
      this.#o.onError?.(error);
      return undefined;
    }
  }

  /** Sequences a shared change in Redis; a local one is delivered at once. */
  async publish(change: BusChange): Promise<void> {
    if (!this.#o.shared.includes(change.topic)) {
      this.#deliver({
        topic: change.topic,
        message: deltaMessage(change, change.seqHint),
        state: change.state,
      });
      return;
    }
    if (!this.fence) {
      throw new BusPublishError(
        "not_leader",
        "only the leader publishes shared topics",
      );
    }
    const t = change.topic;
    const reply = await this.run(PUBLISH, [
      this.#key("epoch"),
      this.#key("t", t, "seq"),
      this.#key("t", t, "state"),
      this.#key("t", t, "log"),
      this.leaderKey,
    ], [
      change.epoch,
      String(change.base),
      this.fence,
      JSON.stringify(change.patch),
      JSON.stringify(change.state),
      change.ts,
      String(this.#o.historyCount),
      t,
      this.#channel,
    ]) as [string, string];
    const [status, detail] = reply;
    if (status === "ok") {
      const message = hubMessageFromText(detail);
      this.#seen.set(t, message.envelope.seq);
      this.#deliver({ topic: t, message, state: change.state });
      return;
    }
    if (status === "fenced") {
      this.fence = undefined;
      throw new BusPublishError(
        "not_leader",
        "the leader lease is held by another instance",
      );
    }
    // Redis has another epoch or seq than this hub: catch up, then retry.
    await this.resync();
    throw new BusPublishError(
      status === "epoch" ? "epoch" : "conflict",
      status === "epoch"
        ? `Redis holds epoch ${detail || "(none)"}, not ${change.epoch}`
        : `Redis is at seq ${detail}, not ${change.base}`,
    );
  }

  #onMessage(text: string): void {
    let message: HubMessage;
    try {
      message = hubMessageFromText(text);
    } catch (error) {
      this.#o.onError?.(error);
      return;
    }
    const { topic, epoch, seq } = message.envelope;
    if (!this.#o.shared.includes(topic) || epoch !== this.#epoch) {
      if (epoch !== this.#epoch) void this.resync();
      return;
    }
    const seen = this.#seen.get(topic) ?? 0;
    if (seq <= seen) return; // our own, delivered when the script returned
    if (message.envelope.type === "delta" && message.envelope.base !== seen) {
      void this.resync(); // a gap: fill it from the stream
      return;
    }
    this.#seen.set(topic, seq);
    this.#deliver({ topic, message });
  }

  #deliver(event: BusEvent): void {
    for (const handler of this.#handlers) handler(event);
  }

  /** Adds a handler. */
  subscribe(handler: (event: BusEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => {
      this.#handlers.delete(handler);
    };
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [this.#subscriber, this.#client].map((c) =>
        closeRedisClient(c, this.#o.clock)
      ),
    );
  }
}
