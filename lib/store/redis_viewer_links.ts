/**
 * Share links kept in Redis, for a cluster: the links, their revocations
 * and their last uses in three hashes (updated alone, so a use never
 * undoes a revocation), so a link revoked on one instance stops on all.
 *
 * @module
 */
import type { RedisConnection } from "../redis/mod.ts";
import type { ViewerLinkRecord, ViewerLinkStore } from "../security/mod.ts";

// KEYS: links, revoked, used.
const ALL = `return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('HGETALL', KEYS[3]),
}`;
// KEYS: links, revoked; ARGV: id, at.
const REVOKE =
  `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
return 1`;
// KEYS: links, used; ARGV: id, at.
const TOUCH = `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local was = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[2]) > was then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return 1`;

/** The Redis share-link store. */
export class RedisViewerLinks implements ViewerLinkStore {
  #redis: RedisConnection;
  #keys: [links: string, revoked: string, used: string];

  /** Uses the process's Redis connection (its key prefix). */
  constructor(redis: RedisConnection) {
    this.#redis = redis;
    this.#keys = [
      redis.key("viewer-links"),
      redis.key("viewer-links", "revoked"),
      redis.key("viewer-links", "used"),
    ];
  }

  /** Keeps a new link. */
  async add(link: ViewerLinkRecord): Promise<void> {
    const { revokedAt: _r, lastUsedAt: _u, ...fixed } = link;
    await this.#redis.run(
      "return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])",
      [this.#keys[0]],
      [link.id, JSON.stringify(fixed)],
    );
  }

  /** Every link, newest first. */
  async all(): Promise<ViewerLinkRecord[]> {
    const [links, revoked, used] = await this.#redis.run(
      ALL,
      [...this.#keys],
      [],
    ) as [
      string[],
      string[],
      string[],
    ];
    const map = (flat: string[]) => {
      const m = new Map<string, number>();
      for (let i = 0; i + 1 < flat.length; i += 2) {
        m.set(flat[i]!, Number(flat[i + 1]));
      }
      return m;
    };
    const revokedAt = map(revoked);
    const usedAt = map(used);
    const out: ViewerLinkRecord[] = [];
    for (let i = 0; i + 1 < links.length; i += 2) {
      const id = links[i]!;
      out.push({
        ...JSON.parse(links[i + 1]!) as ViewerLinkRecord,
        ...(revokedAt.has(id) ? { revokedAt: revokedAt.get(id)! } : {}),
        ...(usedAt.has(id) ? { lastUsedAt: usedAt.get(id)! } : {}),
      });
    }
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Marks one revoked (the first revocation's time stays). */
  async revoke(id: string, at: number): Promise<boolean> {
    return await this.#redis.run(
      REVOKE,
      [this.#keys[0], this.#keys[1]],
      [id, String(at)],
    ) === 1;
  }

  /** Notes a use. */
  async touch(id: string, at: number): Promise<void> {
    await this.#redis.run(TOUCH, [this.#keys[0], this.#keys[2]], [
      id,
      String(at),
    ]);
  }
}
