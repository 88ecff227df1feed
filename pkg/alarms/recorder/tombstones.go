package recorder

import (
	"container/list"
	"sync"
	"time"
)

// The bounds of the tombstones: how long a resolution that found nothing to clear is
// remembered, and how many are. A firing notification overtaken by its own resolution comes
// from HA Alertmanager peers whose gossip lagged or from a retried delivery, both within
// Alertmanager's group_interval (5m by default); a firing that arrives later is raised, and
// only the resync (--alertmanager-url) or a new resolution clears it. Each entry is a fault
// key and two times, so the memory stays within a few MiB.
const (
	tombstoneTTL = 15 * time.Minute
	maxTombstone = 10000
)

// tombstones remembers, for a short while, the occurrences whose resolution arrived when there
// was nothing to clear (its firing had not arrived yet), so the firing that follows does not
// raise an alarm for an occurrence already reported over. They live in the leader's memory:
// a new leader starts without them.
type tombstones struct {
	mu    sync.Mutex
	byKey map[string]*list.Element
	// order holds the entries oldest first; all live tombstoneTTL, so it is also the order in
	// which they expire.
	order *list.List
}

type tombstone struct {
	key string
	// at is when the resolution was recorded (the recorder's clock).
	at time.Time
}

func newTombstones() *tombstones {
	return &tombstones{byKey: map[string]*list.Element{}, order: list.New()}
}

// occurrenceKey identifies one occurrence of fault source/key, begun at started.
func occurrenceKey(source, key string, started time.Time) string {
	return faultKey(source, key) + "\x00" + started.UTC().Format(time.RFC3339Nano)
}

// put remembers, at now, that the occurrence of source/key begun at started ended.
func (t *tombstones) put(source, key string, started, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expireLocked(now)
	k := occurrenceKey(source, key, started)
	if e, ok := t.byKey[k]; ok {
		t.order.Remove(e)
	}
	t.byKey[k] = t.order.PushBack(&tombstone{key: k, at: now})
	for t.order.Len() > maxTombstone {
		t.removeLocked(t.order.Front())
	}
}

// ended reports whether the occurrence of source/key begun at started was reported ended
// (within tombstoneTTL before now) after asOf, when a source read it active; a zero asOf (a
// webhook's notification, read when it arrives) is before any resolution recorded.
func (t *tombstones) ended(source, key string, started, asOf, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expireLocked(now)
	e, ok := t.byKey[occurrenceKey(source, key, started)]
	return ok && (asOf.IsZero() || asOf.Before(e.Value.(*tombstone).at))
}

func (t *tombstones) expireLocked(now time.Time) {
	for e := t.order.Front(); e != nil && now.Sub(e.Value.(*tombstone).at) >= tombstoneTTL; e = t.order.Front() {
		t.removeLocked(e)
	}
}

func (t *tombstones) removeLocked(e *list.Element) {
	delete(t.byKey, e.Value.(*tombstone).key)
	t.order.Remove(e)
}

// len is how many are remembered, for tests.
func (t *tombstones) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.order.Len()
}
