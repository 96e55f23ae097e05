/**
 * Alerting's durable part in Redis, for a cluster: the rules' tracks and
 * the outbox, a transition and its notifications saved in one script, so
 * whichever instance leads next reads the alerts where the last leader
 * left them and sends what it had not sent, once. Commands fail at once
 * while Redis is down (the evaluator makes the same transition again at
 * its next evaluation, so nothing is lost).
 *
 * @module
 */
import type { OutboxItem, Settlement } from "../alerts/mod.ts";
import type { RedisConnection } from "../redis/mod.ts";

/** Items kept for the history shown (settled ones past it are dropped). */
const KEEP = 500;

// KEYS: tracks, outbox, due, recent; ARGV: rule, track json, keep, then
// (key, item json, nextAt, createdAt) for each item. An item already in
// the outbox is left as it is: never enqueued twice.
const COMMIT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
for i = 4, #ARGV, 4 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[3], ARGV[i + 2], ARGV[i])
    redis.call('ZADD', KEYS[4], ARGV[i + 3], ARGV[i])
  end
end
local keep = tonumber(ARGV[3])
local n = redis.call('ZCARD', KEYS[4])
if n > keep then
  for _, k in ipairs(redis.call('ZRANGE', KEYS[4], 0, n - keep - 1)) do
    if not redis.call('ZSCORE', KEYS[3], k) then
      redis.call('HDEL', KEYS[2], k)
      redis.call('ZREM', KEYS[4], k)
    end
  end
end
return 1
`;

// KEYS: outbox, due; ARGV: key, item json, nextAt ("" once settled).
const SETTLE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
return 1
`;

/** Options for {@linkcode RedisAlerts}. */
export interface RedisAlertsOptions {
  /** The process's Redis connection (its key prefix). */
  redis: RedisConnection;
}

/** The Redis alert store. */
export class RedisAlerts {
  #redis: RedisConnection;
  #keys: { tracks: string; outbox: string; due: string; recent: string };

  /** Creates the store. */
  constructor(options: RedisAlertsOptions) {
    this.#redis = options.redis;
    const key = (name: string) => options.redis.key("alerts", name);
    this.#keys = {
      tracks: key("tracks"),
      outbox: key("outbox"),
      due: key("due"),
      recent: key("recent"),
    };
  }

  /** Every saved track, by rule id. */
  async tracks(): Promise<Record<string, unknown>> {
    const all = await this.#redis.command(
      "reading alert state",
      (c) => c.hGetAll(this.#keys.tracks),
    ) as Record<string, string>;
    return Object.fromEntries(
      Object.entries(all).map(([rule, json]) => [rule, JSON.parse(json)]),
    );
  }

  /** Saves a track and enqueues its notifications, in one script. */
  async commit(
    rule: string,
    track: unknown,
    items: readonly OutboxItem[],
  ): Promise<void> {
    const k = this.#keys;
    await this.#redis.run(
      COMMIT,
      [k.tracks, k.outbox, k.due, k.recent],
      [
        rule,
        JSON.stringify(track),
        String(KEEP),
        ...items.flatMap((i) => [
          i.key,
          JSON.stringify(i),
          String(i.nextAt),
          String(i.createdAt),
        ]),
      ],
    );
  }

  /** Items due and not settled, oldest first. */
  async due(now: number, limit: number): Promise<OutboxItem[]> {
    const k = this.#keys;
    const keys = await this.#redis.command(
      "reading due alerts",
      (c) =>
        c.zRangeByScore(k.due, "-inf", now, {
          LIMIT: { offset: 0, count: limit },
        }),
    ) as string[];
    return await this.#items(keys);
  }

  /** Records an attempt's outcome. */
  async settle(item: OutboxItem, outcome: Settlement): Promise<void> {
    const k = this.#keys;
    const { attempts } = outcome;
    const next: OutboxItem = "deliveredAt" in outcome
      ? { ...item, attempts, deliveredAt: outcome.deliveredAt }
      : "failedAt" in outcome
      ? {
        ...item,
        attempts,
        failedAt: outcome.failedAt,
        lastError: outcome.error,
      }
      : { ...item, attempts, nextAt: outcome.nextAt, lastError: outcome.error };
    await this.#redis.run(SETTLE, [k.outbox, k.due], [
      item.key,
      JSON.stringify(next),
      "nextAt" in outcome ? String(outcome.nextAt) : "",
    ]);
  }

  /** The latest items, newest first. */
  async recent(limit: number): Promise<OutboxItem[]> {
    const keys = await this.#redis.command(
      "reading recent alerts",
      (c) => c.zRange(this.#keys.recent, 0, limit - 1, { REV: true }),
    ) as string[];
    return await this.#items(keys);
  }

  async #items(keys: string[]): Promise<OutboxItem[]> {
    if (keys.length === 0) return [];
    const values = await this.#redis.command(
      "reading alert notifications",
      (c) => c.hmGet(this.#keys.outbox, keys),
    ) as (string | null)[];
    return values.flatMap((v) => v === null ? [] : [JSON.parse(v)]);
  }
}
