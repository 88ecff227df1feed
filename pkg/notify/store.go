package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Store keeps the notifier's durable state in Redis. Every key shares one hash tag so that a
// change can be committed in one MULTI/EXEC on a cluster too:
//
//	{P:notify}:q:<subscription uid>   stream: the subscription's queue, oldest first;
//	                                   fields n (notificationId), b (body), o (observed, unix ns)
//	{P:notify}:state:<kind>           hash namespace/name -> JSON of the last object processed
//	{P:notify}:cursor:<kind>          last processed resourceVersion of the kind
type Store struct {
	c   goredis.UniversalClient
	tag string
}

// NewStore returns a Store for the keys of prefix (the server's --redis-key-prefix).
func NewStore(c goredis.UniversalClient, prefix string) *Store {
	return &Store{c: c, tag: "{" + prefix + ":notify}"}
}

func (s *Store) queueKey(subUID string) string { return s.tag + ":q:" + subUID }
func (s *Store) stateKey(kind string) string   { return s.tag + ":state:" + kind }
func (s *Store) cursorKey(kind string) string  { return s.tag + ":cursor:" + kind }

// Item is one notification to queue.
type Item struct {
	SubscriptionUID string
	NotificationID  string
	Body            []byte
	Observed        time.Time
}

// Entry is one queued notification.
type Entry struct {
	// StreamID is the entry's id in the queue.
	StreamID       string
	NotificationID string
	Body           []byte
	Observed       time.Time
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

// Commit applies a change atomically: queued notifications, state and cursor together. It
// returns the stream id of each item's queue entry, in the order of c.Items.
func (s *Store) Commit(ctx context.Context, c Change) ([]string, error) {
	adds := make([]*goredis.StringCmd, 0, len(c.Items))
	_, err := s.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for _, it := range c.Items {
			adds = append(adds, p.XAdd(ctx, &goredis.XAddArgs{Stream: s.queueKey(it.SubscriptionUID), Values: []any{
				"n", it.NotificationID, "b", it.Body, "o", strconv.FormatInt(it.Observed.UnixNano(), 10),
			}}))
		}
		switch {
		case c.Forget:
			p.HDel(ctx, s.stateKey(c.Kind), c.Key)
		case c.State != nil:
			p.HSet(ctx, s.stateKey(c.Kind), c.Key, c.State)
		}
		if c.Cursor != "" {
			p.Set(ctx, s.cursorKey(c.Kind), c.Cursor, 0)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("commit %s %s: %w", c.Kind, c.Key, err)
	}
	ids := make([]string, len(adds))
	for i, a := range adds {
		ids[i] = a.Val()
	}
	return ids, nil
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

// Ack removes delivered (or expired) notifications from their queues, in one pipeline: ids by
// subscription uid.
func (s *Store) Ack(ctx context.Context, ids map[string][]string) error {
	_, err := s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for uid, sids := range ids {
			p.XDel(ctx, s.queueKey(uid), sids...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove delivered notifications from %d queues: %w", len(ids), err)
	}
	return nil
}

// Depth is the number of queued notifications of a subscription.
func (s *Store) Depth(ctx context.Context, subUID string) (int64, error) {
	n, err := s.c.XLen(ctx, s.queueKey(subUID)).Result()
	if err != nil {
		return 0, fmt.Errorf("queue depth of %s: %w", subUID, err)
	}
	return n, nil
}

// Drop deletes a subscription's queue.
func (s *Store) Drop(ctx context.Context, subUID string) error {
	if err := s.c.Del(ctx, s.queueKey(subUID)).Err(); err != nil {
		return fmt.Errorf("drop the queue of %s: %w", subUID, err)
	}
	return nil
}

// QueueOwners returns the subscription uids that have a queue.
func (s *Store) QueueOwners(ctx context.Context) ([]string, error) {
	prefix := s.queueKey("")
	var out []string
	iter := s.c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		out = append(out, strings.TrimPrefix(iter.Val(), prefix))
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	return out, nil
}

// Baseline replaces the recorded state of a kind and sets its cursor, in one transaction.
func (s *Store) Baseline(ctx context.Context, kind string, states map[string]any, cursor string) error {
	_, err := s.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
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
