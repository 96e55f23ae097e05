/**
 * The Lua scripts behind {@linkcode RedisIngest}: each runs atomically in
 * Redis, so a source's lock, its parts and its event ids never disagree.
 *
 * @module
 */

// KEYS: lock; ARGV: token, ttl ms
export const LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`;
// KEYS: lock; ARGV: token
export const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;
// KEYS: parts, event (optional)
export const READ = `
local taken = ''
if KEYS[2] then taken = redis.call('GET', KEYS[2]) or '' end
return {taken, redis.call('HGETALL', KEYS[1])}
`;
// KEYS: lock, event, parts; ARGV: token, replica, part, dedupe ms
export const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'lost' end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
return 'ok'
`;
// KEYS: parts; ARGV: replica, part, own ('1': the owner's, overwrites)
export const PUT_PART = `
if ARGV[3] == '1' then return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
`;
// KEYS: event keys; ARGV: replica, then the ttl ms of each
export const REMEMBER = `
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[i + 1])
end
return #KEYS
`;
// KEYS: event; ARGV: replica, ttl ms. Who holds the event id, claiming it if nobody does.
export const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder then return holder end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`;
// KEYS: generation; ARGV: a new one, used when there is none
export const GENERATION = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`;
// KEYS: parts, value, version (the single value an older version stored)
export const LEGACY = `
if redis.call('HLEN', KEYS[1]) == 0 then
  local old = redis.call('GET', KEYS[2])
  if old then redis.call('HSET', KEYS[1], 'legacy', old) end
end
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`;

/** HGETALL's flat `[field, value, ...]` as a map. */
export function pairs(flat: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
  return map;
}
