/**
 * A value the whole cluster agrees on: the first instance's candidate
 * stays, every later one reads it (the session key, for one).
 *
 * @module
 */
import type { RedisConnection } from "./redis_connection.ts";

const SET_ONCE = `redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])`;

/**
 * Stores `candidate` under `key` unless a value is there, atomically, and
 * answers the value kept.
 *
 * @param redis The connection.
 * @param key The key.
 * @param candidate This instance's value.
 * @returns The value every instance now reads.
 * @throws {RedisDownError} While Redis is unreachable.
 */
export async function setOnce(
  redis: RedisConnection,
  key: string,
  candidate: string,
): Promise<string> {
  const kept = await redis.run(SET_ONCE, [key], [candidate]);
  if (typeof kept !== "string") {
    throw new TypeError(`Redis kept no string under ${key}`);
  }
  return kept;
}
