/**
 * The bus's Lua scripts. Each runs atomically in Redis, so the epoch
 * check, the fencing check, the seq and the append never interleave with
 * another instance's.
 *
 * @module
 */

/**
 * Publishes one delta: refuses it unless the epoch and the leader's
 * fencing value match and `base` is Redis's seq, then assigns the next
 * seq, stores the state, appends the delta to the topic's Stream (entry
 * id = seq, trimmed by count) and publishes it.
 *
 * KEYS: epoch, seq, state, log, leader.
 * ARGV: epoch, base, fence, patch, state, ts, maxlen, topic, channel.
 * Returns `{status, detail}`: `ok` + the delta's text, `epoch` + Redis's
 * epoch, `fenced`, or `conflict` + Redis's seq.
 */
export const PUBLISH_SCRIPT = `
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

/**
 * Joins the shared epoch, creating it (seq 1, this instance's states,
 * empty logs) when Redis has none, as after a restart that lost its data.
 *
 * KEYS: epoch, then seq, state and log of each topic.
 * ARGV: the new epoch, then the state of each topic.
 * Returns `{epoch, seq1, state1, seq2, state2, ...}`.
 */
export const JOIN_SCRIPT = `
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
