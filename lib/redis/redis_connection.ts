/**
 * One process's connection to Redis, shared by everything that uses it
 * (the cluster bus, the leader lease, the L2 cache tier, the ingest
 * store): a command client and a subscriber client, whether Redis is
 * reachable, bounded commands that fail at once while it is not, pub/sub
 * channels that survive reconnections, and small notices between
 * instances. Owned and closed by whoever built it (main.ts); the users
 * only borrow it.
 *
 * @module
 */
import { withTimeout } from "../resilience/mod.ts";
import type { Clock } from "../time/mod.ts";
import {
  closeRedisClient,
  createRedisClient,
  onRedisEvent,
  type RedisClient,
} from "./redis_client.ts";

/** Options for {@linkcode RedisConnection}. */
export interface RedisConnectionOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Time source for command time limits. */
  clock: Clock;
  /**
   * Prefix of every key and channel, so several boards can share a Redis.
   * @default {"pulse:"}
   */
  prefix?: string;
  /**
   * Time limit of one command unless the caller gives its own, ms.
   * @default {1000}
   */
  commandTimeoutMs?: number;
  /** Told about connection and protocol errors (logs). */
  onError?: (error: unknown) => void;
  /** Told when Redis becomes reachable or unreachable. */
  onUpChange?: (up: boolean) => void;
}

/** A command was not sent because Redis is unreachable. */
export class RedisDownError extends Error {
  /** What was not sent, such as "Redis script". */
  readonly operation: string;
  /** Creates the error. */
  constructor(operation: string) {
    super(`Cannot run ${operation}: Redis is unreachable`);
    this.name = "RedisDownError";
    this.operation = operation;
  }
}

type Listener = (text: string) => void;

/**
 * The shared connection (see the module text).
 *
 * @example Keys carry the prefix; nothing is sent before connecting
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisConnection, RedisDownError } from "@/lib/redis/mod.ts";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * await using redis = new RedisConnection({
 *   url: "redis://127.0.0.1:1", clock: new FakeClock(), prefix: "b1:",
 * });
 * assert.equal(redis.key("t", "pnl", "seq"), "b1:t:pnl:seq");
 * assert.equal(redis.up, false);
 * await assert.rejects(redis.run("return 1", [], []), RedisDownError);
 * ```
 */
export class RedisConnection implements AsyncDisposable {
  #url: string;
  /** Both clients, made by connect(). */
  #clients?: { client: RedisClient; subscriber: RedisClient };
  #closed = false;
  #clock: Clock;
  #prefix: string;
  #timeoutMs: number;
  #onError?: (error: unknown) => void;
  #onUpChange?: (up: boolean) => void;
  #channels = new Map<string, Set<Listener>>();
  #subscribed = new Set<string>();
  #readyListeners = new Set<() => void>();
  #wasUp = false;
  #connected = false;

  /** Checks the options; the clients are made and connected by {@linkcode RedisConnection.connect}. */
  constructor(options: RedisConnectionOptions) {
    const { url, clock, prefix = "pulse:", commandTimeoutMs = 1000 } = options;
    if (!(commandTimeoutMs > 0)) {
      throw new RangeError(
        `Cannot create Redis connection: 'commandTimeoutMs' must be a positive number, received ${commandTimeoutMs}`,
      );
    }
    this.#clock = clock;
    this.#prefix = prefix;
    this.#timeoutMs = commandTimeoutMs;
    this.#onError = options.onError;
    this.#onUpChange = options.onUpChange;
    this.#url = url;
  }

  /** Whether both clients are connected and ready. */
  get up(): boolean {
    const clients = this.#clients;
    return clients !== undefined && clients.client.isReady &&
      clients.subscriber.isReady;
  }

  /** `parts` joined with `:` after the prefix. */
  key(...parts: string[]): string {
    return this.#prefix + parts.join(":");
  }

  /**
   * Calls `listener` each time Redis becomes reachable again (both
   * clients ready), when messages may have been missed or Redis may have
   * come back empty.
   *
   * @returns A function that removes the listener.
   */
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => {
      this.#readyListeners.delete(listener);
    };
  }

  /**
   * Connects both clients. Resolves once connected, or once the first
   * attempt failed (reported through `onError`; they keep trying).
   */
  async connect(): Promise<void> {
    if (this.#connected) return;
    this.#connected = true;
    const [client, subscriber] = await Promise.all([
      createRedisClient(this.#url),
      createRedisClient(this.#url),
    ]);
    if (this.#closed) return; // closed while node-redis loaded
    for (const c of [client, subscriber]) {
      onRedisEvent(c, "error", (error) => this.#onError?.(error));
      onRedisEvent(c, "end", () => this.#upChanged());
      onRedisEvent(c, "reconnecting", () => this.#upChanged());
    }
    onRedisEvent(client, "ready", () => this.#upChanged());
    onRedisEvent(subscriber, "ready", () => {
      this.#upChanged();
      void this.#subscribePending();
    });
    this.#clients = { client, subscriber };
    await Promise.all([client, subscriber].map((c) => firstAttempt(c)));
  }

  /**
   * Sends one command through the command client, bounded in time.
   *
   * @param operation Names the command in errors ("Redis GET").
   * @param send Sends it.
   * @param timeoutMs Its time limit, ms (default: the connection's).
   * @returns The reply.
   * @throws {RedisDownError} At once while Redis is unreachable.
   * @throws {TimeoutError} When Redis does not answer in time.
   */
  command<T>(
    operation: string,
    send: (client: RedisClient) => Promise<T>,
    timeoutMs: number = this.#timeoutMs,
  ): Promise<T> {
    const client = this.#clients?.client;
    if (!client?.isReady) {
      return Promise.reject(new RedisDownError(operation));
    }
    return withTimeout(() => send(client), timeoutMs, {
      clock: this.#clock,
      operation,
    });
  }

  /**
   * Runs a Lua script.
   *
   * @throws {RedisDownError} At once while Redis is unreachable.
   */
  run(script: string, keys: string[], args: string[]): Promise<unknown> {
    return this.command(
      "Redis script",
      (c) => c.eval(script, { keys, arguments: args }),
    );
  }

  /**
   * The `msg` field of each entry of Stream `key` whose id is above
   * `after`-0, oldest first (the bus's kept deltas).
   */
  async readLog(key: string, after: number): Promise<string[]> {
    const entries = await this.command(
      "Redis XRANGE",
      (c) => c.xRange(key, after > 0 ? `${after + 1}-0` : "-", "+"),
    );
    return (entries ?? []).map((entry) => String(entry.message.msg));
  }

  /**
   * Listens to a pub/sub channel (a full name: use {@linkcode RedisConnection.key}).
   * Kept across reconnections; before the subscriber is ready, the
   * subscription is made as soon as it is.
   *
   * @returns A function that stops listening.
   */
  listen(channel: string, listener: Listener): () => void {
    let set = this.#channels.get(channel);
    if (!set) this.#channels.set(channel, set = new Set());
    set.add(listener);
    void this.#subscribePending();
    return () => {
      set.delete(listener);
    };
  }

  async #subscribePending(): Promise<void> {
    const subscriber = this.#clients?.subscriber;
    if (!subscriber?.isReady) return;
    for (const channel of this.#channels.keys()) {
      if (this.#subscribed.has(channel)) continue;
      this.#subscribed.add(channel);
      try {
        await subscriber.subscribe(channel, (text: string) => {
          for (const listener of this.#channels.get(channel) ?? []) {
            listener(text);
          }
        });
      } catch (error) {
        this.#subscribed.delete(channel); // tried again at the next ready
        this.#onError?.(error);
      }
    }
  }

  /**
   * Publishes `text` on `channel`; a failure is reported, not thrown,
   * because a lost publish is repaired by the listeners' resync.
   */
  async publish(channel: string, text: string): Promise<void> {
    try {
      await this.command("Redis PUBLISH", (c) => c.publish(channel, text));
    } catch (error) {
      if (!(error instanceof RedisDownError)) this.#onError?.(error);
    }
  }

  /**
   * Tells every instance (this one included) something small, such as
   * "source shop has a new event". Lost while Redis is unreachable, so
   * only for what the next poll would find anyway.
   */
  notify(kind: string, payload: string): Promise<void> {
    return this.publish(this.key("notice"), JSON.stringify({ kind, payload }));
  }

  /**
   * Receives every instance's {@linkcode RedisConnection.notify}.
   *
   * @returns A function that stops listening.
   */
  onNotice(listener: (kind: string, payload: string) => void): () => void {
    return this.listen(this.key("notice"), (text) => {
      try {
        const { kind, payload } = JSON.parse(text);
        if (typeof kind === "string" && typeof payload === "string") {
          listener(kind, payload);
          return;
        }
        throw new TypeError(
          `Ignored Redis notice: expected {"kind": string, "payload": string}, received ${
            text.slice(0, 200)
          }`,
        );
      } catch (error) {
        this.#onError?.(error);
      }
    });
  }

  #upChanged(): void {
    const up = this.up;
    if (up !== this.#wasUp) {
      this.#wasUp = up;
      this.#onUpChange?.(up);
      if (up) { for (const listener of this.#readyListeners) listener(); }
    }
  }

  /** Closes both clients (a polite QUIT when Redis answers, bounded). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#readyListeners.clear();
    const clients = this.#clients;
    if (!clients) return;
    await Promise.all(
      [clients.subscriber, clients.client].map((c) =>
        closeRedisClient(c, this.#clock)
      ),
    );
  }

  /** Closes both clients. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts connecting `client` and settles at its first outcome. node-redis's
 * `connect()` stays pending while it retries, which would hold a start up
 * for as long as Redis is down; the first error ends the wait instead.
 */
function firstAttempt(client: RedisClient): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  onRedisEvent(client, "error", () => resolve());
  client.connect().then(() => resolve(), () => resolve());
  return promise;
}
