package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/pkg/redistx"
)

// Store keeps the notifier's durable state in Redis. Every key shares one hash tag so that a
// change can be committed in one MULTI/EXEC on a cluster too:
//
//	{P:notify}:q:<subscription uid>   stream: the subscription's queue, oldest first;
//	                                   fields n (notificationId), b (body), o (observed, unix ns),
//	                                   k, s (kind, namespace), e (entries its commit evicted, if any)
//	{P:notify}:qbytes                 hash subscription uid -> bytes of the bodies in its queue
//	{P:notify}:state:<kind>           hash namespace/name -> JSON of the last object processed
//	{P:notify}:cursor:<kind>          last processed resourceVersion of the kind
//
// A queue is bounded (QueueLimits): the script that appends to it drops its oldest entries
// first when the new one would exceed the bound, keeping the byte count of each queue in
// qbytes so that it never reads the whole queue.
type Store struct {
	c      goredis.UniversalClient
	tag    string
	limits QueueLimits
	ack    ReplicasAck
}

// ReplicasAck makes a commit that queues notifications wait (Redis WAIT) until Replicas
// replicas have it, for at most Timeout, as the storage's writes do (--redis-min-replicas-ack):
// the object writes a failover keeps are then notified too. A commit not confirmed in time
// fails, and is committed again (Notifier.commitLocked) without queueing its items twice.
type ReplicasAck struct {
	Replicas int
	Timeout  time.Duration
}

// QueueLimits bound each subscription's queue; zero fields are unbounded.
type QueueLimits struct {
	// Bytes bounds the sum of the bodies' lengths of one queue.
	Bytes int64
	// Length bounds the number of entries of one queue.
	Length int64
	// NamespaceBytes bounds the sum of the queues of one namespace's subscriptions (one
	// owner's, in the default subscription namespace), split evenly among them (queueShares);
	// each queue keeps at most its share and at least its newest notification. 0: no bound.
	NamespaceBytes int64
}

// NewStore returns a Store for the keys of prefix (the server's --redis-key-prefix), with
// unbounded queues.
func NewStore(c goredis.UniversalClient, prefix string) *Store {
	return &Store{c: c, tag: "{" + prefix + ":notify}"}
}

// WithQueueLimits returns a Store on the same keys whose queues are bounded by l.
func (s *Store) WithQueueLimits(l QueueLimits) *Store {
	c := *s
	c.limits = l
	return &c
}

// WithReplicasAck returns a Store on the same keys whose commits wait for replicas as a says.
func (s *Store) WithReplicasAck(a ReplicasAck) *Store {
	c := *s
	c.ack = a
	return &c
}

func (s *Store) queueKey(subUID string) string { return s.tag + ":q:" + subUID }
func (s *Store) bytesKey() string              { return s.tag + ":qbytes" }
func (s *Store) stateKey(kind string) string   { return s.tag + ":state:" + kind }
func (s *Store) cursorKey(kind string) string  { return s.tag + ":cursor:" + kind }

// Item is one notification to queue.
type Item struct {
	SubscriptionUID string
	NotificationID  string
	Body            []byte
	Observed        time.Time
	// Kind and Namespace are the changed object's: the worker asks again, before each
	// delivery, whether the subscription's owner may still get it.
	Kind      string
	Namespace string
	// Handled is the stream id of the last entry of the queue that the subscription's worker
	// delivered or dropped ("" for none): the entries up to it only wait for the acknowledger
	// to remove them, so a bound that evicts them drops nothing undelivered (Queued.Evicted).
	Handled string
	// ShareBytes is the queue's share of its namespace's budget (queueShares; 0: none): past
	// it the oldest entries are evicted as past QueueLimits.Bytes, but a notification larger
	// than the share alone is still queued (only one larger than QueueLimits.Bytes is not).
	ShareBytes int64
}

// Entry is one queued notification.
type Entry struct {
	// StreamID is the entry's id in the queue.
	StreamID       string
	NotificationID string
	Body           []byte
	Observed       time.Time
	// Kind and Namespace are the changed object's (Item's); Kind is empty for an entry queued
	// by a version that did not record them.
	Kind      string
	Namespace string
}

// Change is the commit of one processed change: the notifications it produced, the object's
// new state (nil to forget it) and, when Cursor is set, the kind's new cursor.
type Change struct {
	Kind   string
	Key    string
	State  []byte
	Forget bool
	Cursor string
	Items  []Item
}

// Queued is what became of one item of a commit.
type Queued struct {
	// StreamID is the item's entry in its queue; "" when the item was refused: its body alone
	// is larger than a whole queue may be (QueueLimits.Bytes).
	StreamID string
	// Evicted is how many of the oldest entries of the queue were dropped, undelivered, to
	// make room for the item. Entries evicted that were already delivered or dropped (up to
	// Item.Handled, waiting for their removal) are not counted: they were not lost, and a
	// dropped one was counted when it was dropped.
	Evicted int64
}

// commitScript appends a change's items to their queues, dropping the oldest entries of a
// queue that would exceed its bounds, and records the object's state and the kind's cursor,
// atomically (a script runs alone) and in one round trip.
//
// KEYS: qbytes, state (or ""), cursor (or ""), then one queue per item.
// ARGV: maxBytes, maxLength, stateOp ("set", "del" or ""), field, state, cursor, then per item
// uid, notificationId, body, observed, kind, namespace, handled, share (the item's
// ShareBytes, 0 for none).
// Returns per item {stream id or "", evicted undelivered}.
//
// Each queue's byte count lives in qbytes; an empty queue counts 0 whatever qbytes says (a
// queue from before qbytes existed, or a count that drifted, heals when the queue drains).
// A key the script writes that holds another type is deleted first (see ours).
// Entries are evicted oldest first, read a few at a time (never the whole queue).
// An item whose notification is already among the last entries of its queue, as many as the
// commit has items for that queue (an earlier attempt of the same commit landed: commits are
// serialized, so nothing was appended after it), is not queued again; its stream id is
// returned. Looking at the last entry only, a commit of several items for one queue (an alarm's
// CLEAR and ACKNOWLEDGE, a replay) queued all but the last again on every retry.
var commitScript = goredis.NewScript(`
local maxBytes = tonumber(ARGV[1])
local maxLen = tonumber(ARGV[2])
local bkey = KEYS[1]
local function fieldOf(fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return nil
end
local function bodySize(fields)
  local b = fieldOf(fields, 'b')
  if b then return #b end
  return 0
end
-- over reports whether a queue of used bytes and len entries has no room for size more bytes:
-- bytes is the queue's bound, the smaller of maxBytes and its share.
local function over(used, len, size, bytes)
  return (bytes > 0 and used + size > bytes) or (maxLen > 0 and len + 1 > maxLen)
end
-- handledBy reports whether stream id id is at or before last ('' is before everything): an
-- entry the worker already delivered or dropped, waiting for its removal.
local function handledBy(id, last)
  if last == '' then return false end
  local ims, iseq = string.match(id, '^(%d+)-(%d+)$')
  local lms, lseq = string.match(last, '^(%d+)-(%d+)$')
  if not ims or not lms then return false end
  ims, iseq, lms, lseq = tonumber(ims), tonumber(iseq), tonumber(lms), tonumber(lseq)
  return ims < lms or (ims == lms and iseq <= lseq)
end
local out = {}
local nitems = #KEYS - 3
-- A key of ours that holds another type (a hand edit, another program under the prefix) would
-- fail the script midway, after some queues were appended to (a script's writes are not undone),
-- and the same commit, retried until it lands, would fail the same way forever. Nothing in it
-- can be read as what it should be: it goes, before anything is written.
local function ours(key, want)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then redis.call('DEL', key) end
end
if nitems > 0 then ours(bkey, 'hash') end
if ARGV[3] ~= '' then ours(KEYS[2], 'hash') end
for i = 1, nitems do ours(KEYS[3 + i], 'stream') end
-- queuedAlready returns the stream id of nid among the last entries of q, as many as this
-- commit has items for q, read once per queue before anything is appended to it.
local counts = {}
for i = 1, nitems do
  local q = KEYS[3 + i]
  counts[q] = (counts[q] or 0) + 1
end
local recent = {}
local function queuedAlready(q, nid)
  local r = recent[q]
  if r == nil then
    r = {}
    for _, e in ipairs(redis.call('XREVRANGE', q, '+', '-', 'COUNT', counts[q])) do
      local n = fieldOf(e[2], 'n')
      if n then r[n] = {e[1], tonumber(fieldOf(e[2], 'e') or '0') or 0} end
    end
    recent[q] = r
  end
  return r[nid]
end
for i = 1, nitems do
  local q = KEYS[3 + i]
  local a = 6 + (i - 1) * 8
  local uid, nid, body, observed, kind, ns = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  local handled = ARGV[a + 7]
  local bytes = maxBytes
  local share = tonumber(ARGV[a + 8]) or 0
  if share > 0 and (bytes <= 0 or share < bytes) then bytes = share end
  local size = #body
  local already = queuedAlready(q, nid)
  if already then
    -- Queued already, by an attempt of this commit whose outcome its sender could not tell (a
    -- reply lost, replicas that did not confirm it): not queued twice. The byte count is
    -- written again so that this attempt writes, and a WAIT after it covers that entry too.
    redis.call('HSET', bkey, uid, tonumber(redis.call('HGET', bkey, uid) or '0') or 0)
    -- What its landed attempt evicted, recorded with the entry ('e'): reported by no reply
    -- yet, it is counted now.
    out[i] = {already[1], already[2]}
  elseif maxBytes > 0 and size > maxBytes then
    out[i] = {'', 0}
  else
    local len = redis.call('XLEN', q)
    local used = 0
    if len > 0 then used = tonumber(redis.call('HGET', bkey, uid) or '0') or 0 end
    local evicted = 0
    local batch = 1
    while over(used, len, size, bytes) do
      local old = redis.call('XRANGE', q, '-', '+', 'COUNT', batch)
      if #old == 0 then
        used, len = 0, 0
        break
      end
      for _, e in ipairs(old) do
        redis.call('XDEL', q, e[1])
        used = used - bodySize(e[2])
        len = len - 1
        if not handledBy(e[1], handled) then evicted = evicted + 1 end
        if not over(used, len, size, bytes) then break end
      end
      if batch < 64 then batch = batch * 2 end
    end
    if len <= 0 or used < 0 then used = 0 end
    local id
    if evicted > 0 then
      id = redis.call('XADD', q, '*', 'n', nid, 'b', body, 'o', observed, 'k', kind, 's', ns, 'e', evicted)
    else
      id = redis.call('XADD', q, '*', 'n', nid, 'b', body, 'o', observed, 'k', kind, 's', ns)
    end
    redis.call('HSET', bkey, uid, used + size)
    out[i] = {id, evicted}
  end
end
if ARGV[3] == 'set' then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
elseif ARGV[3] == 'del' then
  redis.call('HDEL', KEYS[2], ARGV[4])
end
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[3], ARGV[6])
end
return out
`)

// Commit applies a change atomically: queued notifications (each queue kept within its
// bounds), state and cursor together. It returns what became of each item, in the order of
// c.Items.
func (s *Store) Commit(ctx context.Context, c Change) ([]Queued, error) {
	keys := make([]string, 0, 3+len(c.Items))
	keys = append(keys, s.bytesKey(), s.stateKey(c.Kind), s.cursorKey(c.Kind))
	stateOp, state := "", []byte(nil)
	switch {
	case c.Forget:
		stateOp = "del"
	case c.State != nil:
		stateOp, state = "set", c.State
	}
	args := make([]any, 0, 6+8*len(c.Items))
	args = append(args, s.limits.Bytes, s.limits.Length, stateOp, c.Key, state, c.Cursor)
	for _, it := range c.Items {
		keys = append(keys, s.queueKey(it.SubscriptionUID))
		args = append(args, it.SubscriptionUID, it.NotificationID, it.Body, strconv.FormatInt(it.Observed.UnixNano(), 10), it.Kind, it.Namespace, it.Handled, it.ShareBytes)
	}
	res, err := s.commitRun(ctx, keys, args, len(c.Items) > 0)
	if err != nil {
		return nil, fmt.Errorf("commit %s %s: %w", c.Kind, c.Key, err)
	}
	if len(res) != len(c.Items) {
		return nil, fmt.Errorf("commit %s %s: %d results for %d notifications", c.Kind, c.Key, len(res), len(c.Items))
	}
	out := make([]Queued, len(res))
	for i, r := range res {
		pair, _ := r.([]any)
		if len(pair) != 2 {
			return nil, fmt.Errorf("commit %s %s: unexpected result %v", c.Kind, c.Key, r)
		}
		out[i].StreamID, _ = pair[0].(string)
		out[i].Evicted, _ = pair[1].(int64)
	}
	return out, nil
}

// commitRun runs the commit script; when queued is true and replicas must confirm, it waits
// for them too. Only commits that queue notifications wait: a recorded state or cursor a
// failover loses is made again from the object writes it kept.
func (s *Store) commitRun(ctx context.Context, keys []string, args []any, queued bool) ([]any, error) {
	if !queued || s.ack.Replicas <= 0 {
		return commitScript.Run(ctx, s.c, keys, args...).Slice()
	}
	res, acked, err := redistx.EvalAndWait(ctx, s.c, commitScript, keys, args, s.ack.Replicas, s.ack.Timeout)
	if err != nil {
		return nil, err
	}
	if acked < int64(s.ack.Replicas) {
		return nil, fmt.Errorf("the commit reached %d of %d replicas within %s: the primary has it, a failover may lose it",
			acked, s.ack.Replicas, s.ack.Timeout)
	}
	return res, nil
}

// SetCursor records the kind's last processed resourceVersion.
func (s *Store) SetCursor(ctx context.Context, kind, rv string) error {
	if err := s.c.Set(ctx, s.cursorKey(kind), rv, 0).Err(); err != nil {
		return fmt.Errorf("save %s cursor: %w", kind, err)
	}
	return nil
}

// Load returns the recorded states of kind and its cursor ("" when none).
func (s *Store) Load(ctx context.Context, kind string) (map[string]string, string, error) {
	states, err := s.c.HGetAll(ctx, s.stateKey(kind)).Result()
	if err != nil {
		return nil, "", fmt.Errorf("load %s state: %w", kind, err)
	}
	cursor, err := s.c.Get(ctx, s.cursorKey(kind)).Result()
	if errors.Is(err, goredis.Nil) {
		cursor, err = "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("load %s cursor: %w", kind, err)
	}
	return states, cursor, nil
}

// Head returns up to n of the oldest queued notifications of a subscription that come after
// the stream id after ("" for the very oldest).
func (s *Store) Head(ctx context.Context, subUID, after string, n int64) ([]Entry, error) {
	start := "-"
	if after != "" {
		start = "(" + after
	}
	msgs, err := s.c.XRangeN(ctx, s.queueKey(subUID), start, "+", n).Result()
	if err != nil {
		return nil, fmt.Errorf("read queue of %s: %w", subUID, err)
	}
	out := make([]Entry, 0, len(msgs))
	for _, m := range msgs {
		e := Entry{StreamID: m.ID}
		e.NotificationID, _ = m.Values["n"].(string)
		e.Kind, _ = m.Values["k"].(string)
		e.Namespace, _ = m.Values["s"].(string)
		body, _ := m.Values["b"].(string)
		e.Body = []byte(body)
		if o, ok := m.Values["o"].(string); ok {
			if ns, err := strconv.ParseInt(o, 10, 64); err == nil {
				e.Observed = time.Unix(0, ns)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Has reports whether the entry at stream id is still in a subscription's queue.
func (s *Store) Has(ctx context.Context, subUID, id string) (bool, error) {
	msgs, err := s.c.XRangeN(ctx, s.queueKey(subUID), id, id, 1).Result()
	if err != nil {
		return false, fmt.Errorf("read queue of %s: %w", subUID, err)
	}
	return len(msgs) > 0, nil
}

// Acked is one delivered (or expired) entry to remove from its queue.
type Acked struct {
	StreamID string
	// Size is the length of the entry's body, taken off the queue's byte count.
	Size int
}

// ackScript removes entries from one queue and takes the bytes of those it removed off the
// queue's count: an entry already gone (evicted, or acknowledged before a crash) counts
// nothing.
//
// KEYS: qbytes, queue. ARGV: uid, then stream id and body size of each entry.
var ackScript = goredis.NewScript(`
local removed = 0
for i = 2, #ARGV, 2 do
  if redis.call('XDEL', KEYS[2], ARGV[i]) == 1 then
    removed = removed + tonumber(ARGV[i + 1])
  end
end
if redis.call('XLEN', KEYS[2]) == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
elseif removed > 0 then
  local used = (tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') or 0) - removed
  if used < 0 then used = 0 end
  redis.call('HSET', KEYS[1], ARGV[1], used)
end
return removed
`)

// Ack removes delivered (or expired) notifications from their queues, in one pipeline: entries
// by subscription uid.
func (s *Store) Ack(ctx context.Context, acked map[string][]Acked) error {
	if len(acked) == 0 {
		return nil
	}
	run := func() error {
		_, err := s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for uid, es := range acked {
				args := make([]any, 0, 1+2*len(es))
				args = append(args, uid)
				for _, e := range es {
					args = append(args, e.StreamID, e.Size)
				}
				ackScript.EvalSha(ctx, p, []string{s.bytesKey(), s.queueKey(uid)}, args...)
			}
			return nil
		})
		return err
	}
	err := run()
	if err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		// In a pipeline EVALSHA cannot fall back to EVAL: load the script (a Redis that
		// restarted or failed over has lost it) and send again; removing twice is harmless.
		if err = ackScript.Load(ctx, s.c).Err(); err == nil {
			err = run()
		}
	}
	if err != nil {
		return fmt.Errorf("remove delivered notifications from %d queues: %w", len(acked), err)
	}
	return nil
}

// QueueBytes is the byte count the store keeps of a subscription's queue (the sum of its
// bodies' lengths).
func (s *Store) QueueBytes(ctx context.Context, subUID string) (int64, error) {
	n, err := s.c.HGet(ctx, s.bytesKey(), subUID).Int64()
	if errors.Is(err, goredis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("queue bytes of %s: %w", subUID, err)
	}
	return n, nil
}

// Depth is the number of queued notifications of a subscription.
func (s *Store) Depth(ctx context.Context, subUID string) (int64, error) {
	n, err := s.c.XLen(ctx, s.queueKey(subUID)).Result()
	if err != nil {
		return 0, fmt.Errorf("queue depth of %s: %w", subUID, err)
	}
	return n, nil
}

// dropScript deletes a queue and its byte count together. A script, not a MULTI/EXEC
// transaction: a Redis at its maxmemory refuses every command queued in a MULTI, deletions
// too, so deleting subscriptions, what an operator does to make room, freed nothing; a script
// without a shebang runs, and DEL and HDEL are not refused for memory.
//
// KEYS: queue, byte counts
// ARGV: subscription uid
var dropScript = goredis.NewScript(`
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`)

// Drop deletes a subscription's queue.
func (s *Store) Drop(ctx context.Context, subUID string) error {
	err := dropScript.Run(ctx, s.c, []string{s.queueKey(subUID), s.bytesKey()}, subUID).Err()
	if err != nil {
		return fmt.Errorf("drop the queue of %s: %w", subUID, err)
	}
	return nil
}

// QueueOwners returns the subscription uids that have a queue.
func (s *Store) QueueOwners(ctx context.Context) ([]string, error) {
	prefix := s.queueKey("")
	var out []string
	// The prefix is the operator's --redis-key-prefix, which may hold glob characters: unescaped,
	// "net*" matched another install's queues and "a[" none of its own.
	iter := s.c.Scan(ctx, 0, globEscape(prefix)+"*", 500).Iterator()
	for iter.Next(ctx) {
		if uid, ok := strings.CutPrefix(iter.Val(), prefix); ok {
			out = append(out, uid)
		}
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	return out, nil
}

// Baseline replaces the recorded state of a kind and sets its cursor, in one transaction.
func (s *Store) Baseline(ctx context.Context, kind string, states map[string]any, cursor string) error {
	_, err := redistx.Run(ctx, s.c, func(p goredis.Pipeliner) error {
		p.Del(ctx, s.stateKey(kind))
		if len(states) > 0 {
			p.HSet(ctx, s.stateKey(kind), states)
		}
		p.Set(ctx, s.cursorKey(kind), cursor, 0)
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %s baseline: %w", kind, err)
	}
	return nil
}

// globEscape quotes the characters special in a Redis MATCH pattern, so that s matches itself.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
