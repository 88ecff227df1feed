package redis

import goredis "github.com/redis/go-redis/v9"

// Shared Lua fragments. Scripts bump the revision before any other write so
// that a failing XADD (the only command that can reject its input) leaves at
// most a harmless gap in the revision sequence, never a half-applied write.
const (
	// nextRevision initialises the counter at 1 so the first write gets 2 and
	// an empty store still reports a non-zero list resourceVersion.
	luaNextRevision = `
local function nextRevision(revKey)
  if redis.call('EXISTS', revKey) == 0 then redis.call('SET', revKey, 1) end
  return redis.call('INCR', revKey)
end
`
	// trimHistory keeps roughly maxLen stream entries and records the new
	// compaction point so readers can tell "no change" from "forgotten".
	luaTrimHistory = `
local function trimHistory(streamKey, compactedKey, maxLen, slack)
  if maxLen <= 0 then return end
  local n = redis.call('XLEN', streamKey)
  if n <= maxLen + slack then return end
  local old = redis.call('XRANGE', streamKey, '-', '+', 'COUNT', n - maxLen)
  local last = old[#old][1]
  local c = tonumber(string.match(last, '^(%d+)')) + 1
  redis.call('XTRIM', streamKey, 'MINID', c)
  if c > (tonumber(redis.call('GET', compactedKey)) or 0) then
    redis.call('SET', compactedKey, c)
  end
end
`
	// setTTL attaches or detaches an expiry, like putting a key with or
	// without an etcd lease.
	luaSetTTL = `
local function setTTL(ttlKey, key, ttl)
  if ttl > 0 then
    local now = redis.call('TIME')
    redis.call('ZADD', ttlKey, tonumber(now[1]) + ttl, key)
  else
    redis.call('ZREM', ttlKey, key)
  end
end
`
	// deleteObject removes a key and records the deletion; shared by Delete
	// and the TTL reaper.
	luaDeleteObject = `
local function deleteObject(K, key, objKey, curValue, curRev, curUnique)
  local rev = nextRevision(K.rev)
  redis.call('XADD', K.stream, rev .. '-0', 't', 'd', 'k', key, 'p', curValue, 'pr', curRev)
  redis.call('DEL', objKey)
  redis.call('ZREM', K.index, key)
  redis.call('ZREM', K.ttl, key)
  redis.call('INCRBY', K.size, -#curValue)
  releaseUnique(K.unique, curUnique, key)
  return rev
end
`
	// uniqueHolder and releaseUnique maintain the unique index (value ->
	// storage key; Config.UniqueIndex). The holder check is a read, done with
	// the precondition check before the first write; releasing only a value
	// that still maps to this key keeps a stale release from freeing the
	// value of the object that holds it now.
	luaUnique = `
local function uniqueHolder(uniqueKey, value, key)
  if value == '' then return false end
  local holder = redis.call('HGET', uniqueKey, value)
  if holder and holder ~= key then return holder end
  return false
end
local function releaseUnique(uniqueKey, value, key)
  if value and value ~= '' and redis.call('HGET', uniqueKey, value) == key then
    redis.call('HDEL', uniqueKey, value)
  end
end
`
	luaKeys = `
local K = {rev = KEYS[1], index = KEYS[2], stream = KEYS[3], compacted = KEYS[4], size = KEYS[5], ttl = KEYS[6], unique = KEYS[7], epoch = KEYS[9]}
`
	// ensureEpoch returns the install epoch, creating it when the store has
	// none (first use, or wiped). TIME to the microsecond is unique enough
	// to tell one life of a store from the next.
	luaEnsureEpoch = `
local function ensureEpoch(epochKey)
  local e = redis.call('GET', epochKey)
  if not e then
    local t = redis.call('TIME')
    e = t[1] .. '.' .. t[2]
    redis.call('SET', epochKey, e)
  end
  return e
end
`
)

// putScript writes ARGV[3] at ARGV[1] if the current mod revision equals
// ARGV[2] (0 meaning "must not exist") and the object's unique value ARGV[7]
// ("" for none) is free or already its own. On a revision mismatch it
// returns the current state so the caller can retry without another round
// trip (etcd's GetOnFailure); on a unique clash, the key holding the value.
// The object hash keeps its unique value in field u, so updates and deletes
// know which value to release without decoding the object.
//
// KEYS: rev index stream compacted size ttl unique object epoch
// ARGV: key expectedRev value ttlSeconds maxLen slack uniqueValue
// Returns {1, rev, nil, epoch}, {0, curRev, curValue} or {2, 0, holderKey}.
var putScript = goredis.NewScript(luaNextRevision + luaTrimHistory + luaSetTTL + luaUnique + luaEnsureEpoch + luaKeys + `
local key, objKey, unique = ARGV[1], KEYS[8], ARGV[7]
local cur = redis.call('HMGET', objKey, 'v', 'r', 'u')
local curRev = tonumber(cur[2]) or 0
if curRev ~= tonumber(ARGV[2]) then
  if cur[1] then return {0, curRev, cur[1]} end
  return {0, 0}
end
local curUnique = cur[3] or ''
if unique ~= curUnique then
  local holder = uniqueHolder(K.unique, unique, key)
  if holder then return {2, 0, holder} end
end
local value = ARGV[3]
local rev = nextRevision(K.rev)
if cur[1] then
  redis.call('XADD', K.stream, rev .. '-0', 't', 'u', 'k', key, 'v', value, 'p', cur[1], 'pr', curRev)
  redis.call('INCRBY', K.size, #value - #cur[1])
else
  redis.call('XADD', K.stream, rev .. '-0', 't', 'c', 'k', key, 'v', value)
  redis.call('ZADD', K.index, 0, key)
  redis.call('INCRBY', K.size, #value)
end
redis.call('HSET', objKey, 'v', value, 'r', rev)
if unique ~= curUnique then
  releaseUnique(K.unique, curUnique, key)
  if unique ~= '' then
    redis.call('HSET', objKey, 'u', unique)
    redis.call('HSET', K.unique, unique, key)
  else
    redis.call('HDEL', objKey, 'u')
  end
end
setTTL(K.ttl, key, tonumber(ARGV[4]))
trimHistory(K.stream, K.compacted, tonumber(ARGV[5]), tonumber(ARGV[6]))
return {1, rev, false, ensureEpoch(K.epoch)}
`)

// deleteScript removes ARGV[1] if its mod revision equals ARGV[2].
//
// KEYS: rev index stream compacted size ttl unique object epoch
// ARGV: key expectedRev maxLen slack
// Returns {1, rev, deletedValue, epoch} or {0, curRev, curValue} ({0, 0} if absent).
var deleteScript = goredis.NewScript(luaNextRevision + luaTrimHistory + luaUnique + luaDeleteObject + luaEnsureEpoch + luaKeys + `
local key, objKey = ARGV[1], KEYS[8]
local cur = redis.call('HMGET', objKey, 'v', 'r', 'u')
if not cur[1] then return {0, 0} end
local curRev = tonumber(cur[2])
if curRev ~= tonumber(ARGV[2]) then return {0, curRev, cur[1]} end
local rev = deleteObject(K, key, objKey, cur[1], curRev, cur[3])
trimHistory(K.stream, K.compacted, tonumber(ARGV[3]), tonumber(ARGV[4]))
return {1, rev, cur[1], ensureEpoch(K.epoch)}
`)

// expireScript deletes up to ARGV[4] objects whose TTL has passed, emitting
// ordinary DELETED events for them.
//
// KEYS: rev index stream compacted size ttl unique
// ARGV: objectKeyPrefix maxLen slack batch
// Returns the number of expired entries handled.
var expireScript = goredis.NewScript(luaNextRevision + luaTrimHistory + luaUnique + luaDeleteObject + luaKeys + `
local now = redis.call('TIME')
local due = redis.call('ZRANGEBYSCORE', K.ttl, '-inf', now[1], 'LIMIT', 0, tonumber(ARGV[4]))
for _, key in ipairs(due) do
  local objKey = ARGV[1] .. key
  local cur = redis.call('HMGET', objKey, 'v', 'r', 'u')
  if cur[1] then
    deleteObject(K, key, objKey, cur[1], tonumber(cur[2]), cur[3])
  else
    redis.call('ZREM', K.ttl, key)
  end
end
if #due > 0 then trimHistory(K.stream, K.compacted, tonumber(ARGV[2]), tonumber(ARGV[3])) end
return #due
`)

// currentScript reads the revision counter and the install epoch, creating
// the epoch when missing so that every process adopts the same one.
//
// KEYS: rev epoch
// Returns {currentRev, epoch}.
var currentScript = goredis.NewScript(luaEnsureEpoch + `
return {tonumber(redis.call('GET', KEYS[1])) or 1, ensureEpoch(KEYS[2])}
`)

// getScript reads one object together with the current revision, so
// "not older than" checks compare against a revision the object is at least
// as new as.
//
// KEYS: rev object
// Returns {currentRev, value|nil, modRev|nil}.
var getScript = goredis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1])) or 1
local o = redis.call('HMGET', KEYS[2], 'v', 'r')
return {cur, o[1], o[2]}
`)

// listScript reads one window of keys in [ARGV[1], ARGV[2]] (ZRANGEBYLEX
// syntax) plus, for reads pinned to an older revision ARGV[4], the change
// events after it, all from the same atomic snapshot.
//
// KEYS: rev index stream compacted
// ARGV: min max limit withRev objectKeyPrefix
// Returns {status, currentRev, compactedRev, count, {key, value, modRev, ...}, events}
// where status is 0 (ok), -1 (withRev compacted) or -2 (withRev in the future).
var listScript = goredis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1])) or 1
local comp = tonumber(redis.call('GET', KEYS[4])) or 0
local withRev = tonumber(ARGV[4])
if withRev > 0 then
  if withRev < comp then return {-1, cur, comp} end
  if withRev > cur then return {-2, cur, comp} end
end
local keys
local limit = tonumber(ARGV[3])
if limit > 0 then
  keys = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, limit)
else
  keys = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], ARGV[2])
end
local count = redis.call('ZLEXCOUNT', KEYS[2], ARGV[1], ARGV[2])
local items = {}
for _, k in ipairs(keys) do
  local o = redis.call('HMGET', ARGV[5] .. k, 'v', 'r')
  items[#items + 1] = k
  items[#items + 1] = o[1] or ''
  items[#items + 1] = o[2] or 0
end
local events = {}
if withRev > 0 and withRev < cur then
  events = redis.call('XRANGE', KEYS[3], (withRev + 1) .. '-0', '+')
end
return {0, cur, comp, count, items, events}
`)

// compactScript forgets history below ARGV[1]. Like etcd compaction
// (which records its progress with a write) it advances the revision, so a
// later consistent read is distinguishable from reads before it.
//
// KEYS: stream compacted rev
// Returns the effective compacted revision.
var compactScript = goredis.NewScript(luaNextRevision + `
nextRevision(KEYS[3])
local c = tonumber(ARGV[1])
local prev = tonumber(redis.call('GET', KEYS[2])) or 0
if c <= prev then return prev end
redis.call('XTRIM', KEYS[1], 'MINID', c)
redis.call('SET', KEYS[2], c)
return c
`)

// statsScript returns {objectCount, totalBytes}.
//
// KEYS: index size
var statsScript = goredis.NewScript(`
return {redis.call('ZCARD', KEYS[1]), tonumber(redis.call('GET', KEYS[2])) or 0}
`)
