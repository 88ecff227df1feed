// Package redis implements k8s.io/apiserver's storage.Interface on Redis.
//
// Data model (all keys share one hash tag so a script touches a single slot):
//
//	{P}:rev                 global revision counter; its value is the resourceVersion
//	{P}:epoch               install epoch, created with the counter: a wiped
//	                        store has a new one (see epochGuard)
//	{P}:revid               hash rev mod 1024 -> "rev:token": which write made each of
//	                        the latest revisions, so a reader can tell a revision it
//	                        saw from the same number made again after a rollback
//	{P}:o:<key>             hash {v: encoded object, r: mod revision,
//	                        u: unique value, when Config.UniqueIndex gives one}
//	{P}:idx:<resource>      ZSET of the resource's keys, score 0, for ordered prefix scans
//	{P}:ev:<resource>       stream of changes, entry id "<revision>-0"
//	{P}:cmp:<resource>      compacted revision: history below it is gone
//	{P}:sz:<resource>       total stored bytes, for size estimation
//	{P}:ttl:<resource>      ZSET key -> unix expiry, for objects created with a TTL
//	{P}:uniq:<resource>     hash unique value (lower-cased) -> key; the O2 id index
//
// Every write is one Lua script that checks the precondition, bumps the
// counter, appends the change to the stream and updates the object and the
// indexes, so a crash or a Redis error never leaves a half-applied write.
// The unique index is one of those indexes: its check is a read done
// together with the precondition check, before the first write.
// Reads at a past revision are answered by undoing the stream entries newer
// than that revision, which is why history retention bounds how far back
// Exact reads, continue tokens and watches can go.
package redis
