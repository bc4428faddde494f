#include "server/store/redis_store_scripts.hpp"

#include <string>

namespace gw::redis_scripts {

namespace {

// Shared by the scripts that write: images kept once, expiry, deletion.
constexpr const char* kCommon = R"lua(
local P = ARGV[1]

-- Pushes a key's expiry out to `at` (ms), never pulls it in: an image outlives every
-- session that uses it. No expiry yet (-1): a key just made.
local function extend(key, at)
  if at <= 0 then return end
  local current = redis.call('PEXPIRETIME', key)
  if current == -1 or current < at then redis.call('PEXPIREAT', key, at) end
end

local function expire_session(id, at)
  if at <= 0 then return end
  redis.call('PEXPIREAT', P .. 'session:' .. id, at)
  redis.call('PEXPIREAT', P .. 'messages:' .. id, at)
  extend(P .. 'images:' .. id, at)
end

-- ARGV[first..] are (hash, base64 data) pairs taken from the messages just written.
local function keep_images(id, at, first)
  for i = first, #ARGV, 2 do
    local sha = ARGV[i]
    local image = P .. 'image:' .. sha
    local users = P .. 'image-users:' .. sha
    redis.call('SET', image, ARGV[i + 1], 'NX')
    redis.call('SADD', users, id)
    redis.call('SADD', P .. 'images:' .. id, sha)
    extend(image, at)
    extend(users, at)
  end
end

-- True when the session existed.
local function delete_session(id)
  local s = P .. 'session:' .. id
  local owner = redis.call('HGET', s, 'owner')
  if owner then redis.call('ZREM', P .. 'owner:' .. owner, id) end
  redis.call('ZREM', P .. 'updated', id)
  for _, sha in ipairs(redis.call('SMEMBERS', P .. 'images:' .. id)) do
    local users = P .. 'image-users:' .. sha
    redis.call('SREM', users, id)
    -- Sessions that Redis expired never said goodbye: they do not keep an image.
    for _, other in ipairs(redis.call('SMEMBERS', users)) do
      if redis.call('EXISTS', P .. 'session:' .. other) == 0 then redis.call('SREM', users, other) end
    end
    if redis.call('SCARD', users) == 0 then redis.call('DEL', users, P .. 'image:' .. sha) end
  end
  redis.call('DEL', P .. 'messages:' .. id, P .. 'images:' .. id)
  return redis.call('DEL', s) == 1
end
)lua";

// The common part goes before every script (an unused local function costs nothing).
RedisScript make(const char* body) {
  return RedisScript(std::string(kCommon) + body);
}

}  // namespace

// ARGV: P, id, owner, updated_at, expire_at, n, n field/value pairs, m, m messages,
// image pairs.
const RedisScript& create_session() {
  static const RedisScript s = make(R"lua(
local id, owner, updated, at = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local s = P .. 'session:' .. id
local n = tonumber(ARGV[6])
local seq = redis.call('INCR', P .. 'seq')
redis.call('DEL', s, P .. 'messages:' .. id)
redis.call('HSET', s, 'seq', seq, 'owner', owner, unpack(ARGV, 7, 6 + 2 * n))
local i = 7 + 2 * n
local m = tonumber(ARGV[i])
if m > 0 then redis.call('RPUSH', P .. 'messages:' .. id, unpack(ARGV, i + 1, i + m)) end
keep_images(id, at, i + m + 1)
redis.call('ZADD', P .. 'owner:' .. owner, seq, id)
redis.call('ZADD', P .. 'updated', updated, id)
expire_session(id, at)
return 1
)lua");
  return s;
}

// ARGV: P, id, recent. Returns {hash fields, pinned messages, recent messages} or nil.
const RedisScript& context() {
  static const RedisScript s = make(R"lua(
local id, recent = ARGV[2], tonumber(ARGV[3])
local h = redis.call('HGETALL', P .. 'session:' .. id)
if #h == 0 then return false end
local m = P .. 'messages:' .. id
local pinned = tonumber(redis.call('HGET', P .. 'session:' .. id, 'pinned_count'))
local count = redis.call('LLEN', m)
local first = pinned
if recent > 0 and count - pinned > recent then first = count - recent end
local head = {}
if pinned > 0 then head = redis.call('LRANGE', m, 0, pinned - 1) end
return {h, head, redis.call('LRANGE', m, first, -1)}
)lua");
  return s;
}

// ARGV: P, owner, after_id ("" for the newest), how many. Returns the sessions' fields,
// newest first; ids whose session expired are dropped from the owner's index on the way.
const RedisScript& list_sessions() {
  static const RedisScript s = make(R"lua(
local z = P .. 'owner:' .. ARGV[2]
local max = '+inf'
if ARGV[3] ~= '' then
  local score = redis.call('ZSCORE', z, ARGV[3])
  if not score then return {} end
  max = '(' .. score
end
local want = tonumber(ARGV[4])
local out = {}
while #out < want do
  local found = redis.call('ZREVRANGEBYSCORE', z, max, '-inf', 'WITHSCORES', 'LIMIT', 0, want - #out)
  if #found == 0 then break end
  for i = 1, #found, 2 do
    local h = redis.call('HGETALL', P .. 'session:' .. found[i])
    if #h == 0 then redis.call('ZREM', z, found[i]) else out[#out + 1] = h end
    max = '(' .. found[i + 1]
  end
end
return out
)lua");
  return s;
}

// ARGV: P, id, updated_at, expire_at, field/value pairs. Returns the fields, or nil.
const RedisScript& update_session() {
  static const RedisScript s = make(R"lua(
local id, updated, at = ARGV[2], ARGV[3], tonumber(ARGV[4])
local s = P .. 'session:' .. id
if redis.call('EXISTS', s) == 0 then return false end
redis.call('HSET', s, 'updated_at', updated, unpack(ARGV, 5))
redis.call('ZADD', P .. 'updated', updated, id)
expire_session(id, at)
return redis.call('HGETALL', s)
)lua");
  return s;
}

// ARGV: P, id. Returns 1 when the session existed.
const RedisScript& delete_session() {
  static const RedisScript s = make(R"lua(
if delete_session(ARGV[2]) then return 1 end
return 0
)lua");
  return s;
}

// ARGV: P, id, expected count, updated_at, expire_at, lock key ("" for none; else deleted
// with the commit), lock token,
// input, output, cache creation, cache read tokens, m, m messages, image pairs.
// Returns 'ok', 'not_found', 'conflict' or 'lock_lost'.
const RedisScript& commit_turn() {
  static const RedisScript s = make(R"lua(
local id, updated, at = ARGV[2], ARGV[4], tonumber(ARGV[5])
local s = P .. 'session:' .. id
local count = redis.call('HGET', s, 'message_count')
if not count then return 'not_found' end
if count ~= ARGV[3] then return 'conflict' end
if ARGV[6] ~= '' then
  if redis.call('GET', ARGV[6]) ~= ARGV[7] then return 'lock_lost' end
  -- The commit is the turn's end: the lock goes in the same step, so the client's next
  -- turn, on any gateway, never meets it.
  redis.call('DEL', ARGV[6])
end
local m = tonumber(ARGV[12])
if m > 0 then redis.call('RPUSH', P .. 'messages:' .. id, unpack(ARGV, 13, 12 + m)) end
redis.call('HINCRBY', s, 'message_count', m)
redis.call('HINCRBY', s, 'input_tokens', ARGV[8])
redis.call('HINCRBY', s, 'output_tokens', ARGV[9])
redis.call('HINCRBY', s, 'cache_creation_input_tokens', ARGV[10])
redis.call('HINCRBY', s, 'cache_read_input_tokens', ARGV[11])
redis.call('HSET', s, 'updated_at', updated)
redis.call('ZADD', P .. 'updated', updated, id)
keep_images(id, at, 13 + m)
expire_session(id, at)
return 'ok'
)lua");
  return s;
}

// ARGV: P, idle_before (exclusive), batch. Returns {ids looked at, sessions deleted}.
const RedisScript& purge_idle() {
  static const RedisScript s = make(R"lua(
local ids = redis.call('ZRANGEBYSCORE', P .. 'updated', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local deleted = 0
for _, id in ipairs(ids) do
  if delete_session(id) then deleted = deleted + 1 end
end
return {#ids, deleted}
)lua");
  return s;
}

}  // namespace gw::redis_scripts
