package redis

import goredis "github.com/redis/go-redis/v9"

// historyTrimChunk is how many history entries trimHistory reads per call.
const historyTrimChunk = "256"

// revisionRingSlots is how many of the latest revisions keep their
// fingerprint (revision r in slot r mod revisionRingSlots). A process
// checks the fingerprint of the newest revision it saw on every revision
// read and write, so it can tell a rollback from progress as long as fewer
// revisions than this were written since it last looked.
const revisionRingSlots = "1024"

// Shared Lua fragments. Scripts bump the revision before any other write so
// that a failing XADD (the only command that can reject its input) leaves at
// most a harmless gap in the revision sequence, never a half-applied write.
const (
	// nextRevision initialises the counter at 1 so the first write gets 2 and
	// an empty store still reports a non-zero list resourceVersion. It also
	// records which write made the revision: token, a random value per
	// script call, goes into the revision's slot of the fingerprint ring
	// (revisionRing slots, "rev:token"), the one extra command a write pays.
	luaNextRevision = `
local function nextRevision(revKey, idsKey, token)
  if redis.call('EXISTS', revKey) == 0 then redis.call('SET', revKey, 1) end
  local rev = redis.call('INCR', revKey)
  redis.call('HSET', idsKey, rev % ` + revisionRingSlots + `, string.format('%d:%s', rev, token))
  return rev
end
`
	// seenRevisionID returns the fingerprint slot of revision seen (the
	// newest the caller had seen, 0 for none) as it is before this script
	// writes, so the caller can tell whether that revision is still the one
	// it saw.
	luaSeenRevisionID = `
local function seenRevisionID(idsKey, seen)
  if seen <= 0 then return false end
  return redis.call('HGET', idsKey, seen % ` + revisionRingSlots + `)
end
`
	// appendHistory adds a change to the stream and counts its bytes (field
	// names and values) in the history byte counter. A change that starts an
	// empty stream resets the counter, so a stream removed behind the store's
	// back cannot leave a stale total that would trim everything after it.
	luaAppendHistory = `
local function appendHistory(K, rev, ...)
  local args, n = {...}, 0
  for _, a in ipairs(args) do n = n + #tostring(a) end
  redis.call('XADD', K.stream, rev .. '-0', unpack(args))
  if redis.call('XLEN', K.stream) == 1 then
    redis.call('SET', K.hbytes, n)
  else
    redis.call('INCRBY', K.hbytes, n)
  end
end
`
	// trimHistory bounds the stream by count (maxLen) and by approximate
	// bytes (maxBytes, as counted by appendHistory); 0 disables a bound. Each
	// bound is let overshoot by its slack (a tenth of it for bytes) so that
	// trimming, which reads the entries it drops to subtract their bytes, is
	// amortised. Entries are read oldest first in chunks of historyTrimChunk,
	// so no call reads more than a chunk; the newest entry always stays. The
	// new compaction point is recorded so readers can tell "no change" from
	// "forgotten".
	luaTrimHistory = `
local function entrySize(e)
  local n = 0
  for _, f in ipairs(e[2]) do n = n + #f end
  return n
end
local function trimHistory(K, maxLen, slack, maxBytes)
  local n = redis.call('XLEN', K.stream)
  local b = tonumber(redis.call('GET', K.hbytes)) or 0
  local function over()
    return n > 1 and ((maxLen > 0 and n > maxLen) or (maxBytes > 0 and b > maxBytes))
  end
  if not ((maxLen > 0 and n > maxLen + slack) or (maxBytes > 0 and b > maxBytes + math.floor(maxBytes / 10))) then return end
  local from, last = '-', nil
  while over() do
    local chunk = redis.call('XRANGE', K.stream, from, '+', 'COUNT', ` + historyTrimChunk + `)
    if #chunk == 0 then break end
    for _, e in ipairs(chunk) do
      if not over() then break end
      b, n, last = b - entrySize(e), n - 1, e[1]
    end
    from = (tonumber(string.match(last, '^(%d+)')) + 1) .. '-0'
  end
  if not last then return end
  if n == 1 then
    -- Only the newest entry is left: count it exactly, which also heals a
    -- total that drifted (history written before bytes were counted).
    b = entrySize(redis.call('XRANGE', K.stream, from, '+', 'COUNT', 1)[1])
  end
  local c = tonumber(string.match(last, '^(%d+)')) + 1
  redis.call('XTRIM', K.stream, 'MINID', c)
  redis.call('SET', K.hbytes, math.max(b, 0))
  if c > (tonumber(redis.call('GET', K.compacted)) or 0) then
    redis.call('SET', K.compacted, c)
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
  local rev = nextRevision(K.rev, K.ids, K.token)
  appendHistory(K, rev, 't', 'd', 'k', key, 'p', curValue, 'pr', curRev)
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
local K = {rev = KEYS[1], index = KEYS[2], stream = KEYS[3], compacted = KEYS[4], size = KEYS[5], ttl = KEYS[6], unique = KEYS[7], epoch = KEYS[9], hbytes = KEYS[10], ids = KEYS[11]}
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

// luaWentBack is the writers' fence: a write based on what its writer read must not land in
// a store that went back since (wiped, or rolled back and then written past), where the same
// key at the same mod revision may be another object. epoch is the install epoch the writer
// knew (empty for none yet), seenRev the newest revision it saw (0 for none) and seenSlot that
// revision's fingerprint slot as it knew it (empty when unknown). wentBack returns false, or the
// reply of a refused write: {3, currentRev, false, epoch, seenRevSlot, currentRevSlot}. It
// needs ensureEpoch and K.
const luaWentBack = `
local function wentBack(K, epoch, seenRev, seenSlot)
  local e = ensureEpoch(K.epoch)
  local cur = tonumber(redis.call('GET', K.rev)) or 1
  local back = epoch ~= '' and e ~= epoch
  if not back and seenRev > 0 then
    back = cur < seenRev
    if not back and seenSlot ~= '' then
      local slot = redis.call('HGET', K.ids, seenRev % ` + revisionRingSlots + `)
      local prefix = string.match(seenSlot, '^[^:]*:')
      back = slot and prefix and string.sub(slot, 1, #prefix) == prefix and slot ~= seenSlot
    end
  end
  if not back then return false end
  local ids = redis.call('HMGET', K.ids, cur % ` + revisionRingSlots + `, math.max(seenRev, 0) % ` + revisionRingSlots + `)
  return {3, cur, false, e, ids[2], ids[1]}
end
`

// putScript writes ARGV[3] at ARGV[1] if the current mod revision equals
// ARGV[2] (0 meaning "must not exist") and the object's unique value ARGV[7]
// ("" for none) is free or already its own. On a revision mismatch it
// returns the current state so the caller can retry without another round
// trip (etcd's GetOnFailure); on a unique clash, the key holding the value.
// The object hash keeps its unique value in field u, so updates and deletes
// know which value to release without decoding the object.
//
// An update is fenced (ARGV[11] is "1"): it is refused, as luaWentBack says, when the store
// went back since the writer's epoch ARGV[12] and fingerprint slot ARGV[13] of seenRev; a
// create writes what the client sent, based on nothing stored, and is not.
//
// KEYS: rev index stream compacted size ttl unique object epoch historyBytes revIDs
// ARGV: key expectedRev value ttlSeconds maxLen slack uniqueValue maxBytes token seenRev fenced epoch seenSlot
// Returns {1, rev, nil, epoch, seenRevisionID}, {0, curRev, curValue}, {2, 0, holderKey} or
// luaWentBack's {3, ...}.
var putScript = goredis.NewScript(luaNextRevision + luaSeenRevisionID + luaAppendHistory + luaTrimHistory + luaSetTTL + luaUnique + luaEnsureEpoch + luaKeys + luaWentBack + `
local key, objKey, unique = ARGV[1], KEYS[8], ARGV[7]
K.token = ARGV[9]
if ARGV[11] == '1' then
  local back = wentBack(K, ARGV[12], tonumber(ARGV[10]), ARGV[13])
  if back then return back end
end
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
local seenID = seenRevisionID(K.ids, tonumber(ARGV[10]))
local rev = nextRevision(K.rev, K.ids, K.token)
if cur[1] then
  appendHistory(K, rev, 't', 'u', 'k', key, 'v', value, 'p', cur[1], 'pr', curRev)
  redis.call('INCRBY', K.size, #value - #cur[1])
else
  appendHistory(K, rev, 't', 'c', 'k', key, 'v', value)
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
trimHistory(K, tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[8]))
return {1, rev, false, ensureEpoch(K.epoch), seenID}
`)

// deleteScript removes ARGV[1] if its mod revision equals ARGV[2], fenced as an update is.
//
// KEYS: rev index stream compacted size ttl unique object epoch historyBytes revIDs
// ARGV: key expectedRev maxLen slack maxBytes token seenRev epoch seenSlot
// Returns {1, rev, deletedValue, epoch, seenRevisionID}, {0, curRev, curValue} ({0, 0} if
// absent) or luaWentBack's {3, ...}.
var deleteScript = goredis.NewScript(luaNextRevision + luaSeenRevisionID + luaAppendHistory + luaTrimHistory + luaUnique + luaDeleteObject + luaEnsureEpoch + luaKeys + luaWentBack + `
local key, objKey = ARGV[1], KEYS[8]
K.token = ARGV[6]
local back = wentBack(K, ARGV[8], tonumber(ARGV[7]), ARGV[9])
if back then return back end
local cur = redis.call('HMGET', objKey, 'v', 'r', 'u')
if not cur[1] then return {0, 0} end
local curRev = tonumber(cur[2])
if curRev ~= tonumber(ARGV[2]) then return {0, curRev, cur[1]} end
local seenID = seenRevisionID(K.ids, tonumber(ARGV[7]))
local rev = deleteObject(K, key, objKey, cur[1], curRev, cur[3])
trimHistory(K, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
return {1, rev, cur[1], ensureEpoch(K.epoch), seenID}
`)

// expireScript deletes up to ARGV[4] objects whose TTL has passed, emitting
// ordinary DELETED events for them.
//
// KEYS: rev index stream compacted size ttl unique (unused) epoch historyBytes revIDs
// ARGV: objectKeyPrefix maxLen slack batch maxBytes token
// Returns the number of expired entries handled.
var expireScript = goredis.NewScript(luaNextRevision + luaAppendHistory + luaTrimHistory + luaUnique + luaDeleteObject + luaKeys + `
K.token = ARGV[6]
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
if #due > 0 then trimHistory(K, tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])) end
return #due
`)

// currentScript reads the revision counter and the install epoch, creating
// the epoch when missing so that every process adopts the same one, and the
// fingerprints of the current revision and of ARGV[1], the newest revision
// the caller had seen.
//
// KEYS: rev epoch revIDs
// ARGV: seenRev
// Returns {currentRev, epoch, currentRevisionID, seenRevisionID}.
var currentScript = goredis.NewScript(luaEnsureEpoch + `
local cur = tonumber(redis.call('GET', KEYS[1])) or 1
local seen = tonumber(ARGV[1])
if seen <= 0 then seen = cur end
local ids = redis.call('HMGET', KEYS[3], cur % ` + revisionRingSlots + `, seen % ` + revisionRingSlots + `)
return {cur, ensureEpoch(KEYS[2]), ids[1], ids[2]}
`)

// rebaseScript moves the revision counter past ARGV[1] and the store's current revision and
// marks the resource's history compacted there (Store.rebase). With ARGV[3] "1" it gives the
// store a new install epoch if it still has ARGV[2], the one the caller knew.
//
// KEYS: rev compacted epoch
// ARGV: prior knownEpoch newEpoch
// Returns {floor, epoch}.
var rebaseScript = goredis.NewScript(luaEnsureEpoch + `
local cur = tonumber(redis.call('GET', KEYS[1])) or 1
local floor = math.max(cur, tonumber(ARGV[1])) + 1
redis.call('SET', KEYS[1], string.format('%d', floor))
if (tonumber(redis.call('GET', KEYS[2])) or 0) < floor then
  redis.call('SET', KEYS[2], string.format('%d', floor))
end
local e = ensureEpoch(KEYS[3])
if ARGV[3] == '1' and e == ARGV[2] then
  local t = redis.call('TIME')
  e = t[1] .. '.' .. t[2] .. '.r'
  redis.call('SET', KEYS[3], e)
end
return {floor, e}
`)

// luaRevisionRead reads what the guard checks a revision read with (as currentScript does):
// the install epoch and the fingerprint slots of the current revision cur and of seen, the
// newest revision the caller had seen (0 for none). Unlike currentScript it does not create a
// missing epoch: that is a write, and reads must go on while Redis refuses writes (MISCONF).
const luaRevisionRead = `
local function revisionRead(epochKey, idsKey, cur, seen)
  if seen <= 0 then seen = cur end
  local ids = redis.call('HMGET', idsKey, cur % ` + revisionRingSlots + `, seen % ` + revisionRingSlots + `)
  return redis.call('GET', epochKey), ids[1], ids[2]
end
`

// getScript reads one object together with the current revision, so
// "not older than" checks compare against a revision the object is at least
// as new as, and with what the guard checks that revision with (luaRevisionRead).
//
// KEYS: rev object epoch revIDs
// ARGV: seenRev
// Returns {currentRev, value|nil, modRev|nil, epoch|nil, currentRevisionID, seenRevisionID}.
var getScript = goredis.NewScript(luaRevisionRead + `
local cur = tonumber(redis.call('GET', KEYS[1])) or 1
local o = redis.call('HMGET', KEYS[2], 'v', 'r')
local e, curID, seenID = revisionRead(KEYS[3], KEYS[4], cur, tonumber(ARGV[1]))
return {cur, o[1], o[2], e, curID, seenID}
`)

// listScript reads one window of keys in [ARGV[1], ARGV[2]] (ZRANGEBYLEX
// syntax) at the current revision. A read pinned to an older revision ARGV[4]
// then reads the changes after it in chunks (Store.readHistory), never the
// whole history in one call.
//
// It also returns what the guard checks the current revision with (luaRevisionRead).
//
// KEYS: rev index stream compacted epoch revIDs
// ARGV: min max limit withRev objectKeyPrefix seenRev
// Returns {status, currentRev, compactedRev, count, {key, value, modRev, ...}, epoch|nil,
// currentRevisionID, seenRevisionID} where status is 0 (ok), -1 (withRev compacted) or -2
// (withRev in the future).
var listScript = goredis.NewScript(luaRevisionRead + `
local cur = tonumber(redis.call('GET', KEYS[1])) or 1
local comp = tonumber(redis.call('GET', KEYS[4])) or 0
local e, curID, seenID = revisionRead(KEYS[5], KEYS[6], cur, tonumber(ARGV[6]))
local withRev = tonumber(ARGV[4])
if withRev > 0 then
  if withRev < comp then return {-1, cur, comp, 0, {}, e, curID, seenID} end
  if withRev > cur then return {-2, cur, comp, 0, {}, e, curID, seenID} end
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
return {0, cur, comp, count, items, e, curID, seenID}
`)

// compactScript forgets history below ARGV[1]. Like etcd compaction
// (which records its progress with a write) it advances the revision, so a
// later consistent read is distinguishable from reads before it.
//
// The history byte count is scaled by the share of entries kept rather
// than summed over the entries dropped: compaction may drop the whole
// history, which this script must not read in one call, and the count is
// approximate anyway (trimHistory makes it exact again when one entry is
// left).
//
// KEYS: stream compacted rev historyBytes revIDs
// ARGV: rev token
// Returns the effective compacted revision.
var compactScript = goredis.NewScript(luaNextRevision + `
nextRevision(KEYS[3], KEYS[5], ARGV[2])
local c = tonumber(ARGV[1])
local prev = tonumber(redis.call('GET', KEYS[2])) or 0
if c <= prev then return prev end
local before = redis.call('XLEN', KEYS[1])
redis.call('XTRIM', KEYS[1], 'MINID', c)
redis.call('SET', KEYS[2], c)
if before > 0 then
  local b = tonumber(redis.call('GET', KEYS[4])) or 0
  redis.call('SET', KEYS[4], math.floor(b * redis.call('XLEN', KEYS[1]) / before))
end
return c
`)

// statsScript returns {objectCount, totalBytes}.
//
// KEYS: index size
var statsScript = goredis.NewScript(`
return {redis.call('ZCARD', KEYS[1]), tonumber(redis.call('GET', KEYS[2])) or 0}
`)
