package notify

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// The bounds of the replay history: the last historySize changes, and none older than
// historyAge, whichever is fewer.
const (
	historySize = 10000
	historyAge  = 10 * time.Minute
)

// pastChange is a change the notifier processed, kept for subscriptions it learns of later.
type pastChange struct {
	rv uint64
	ev *Event
}

// history is the bounded record of recently processed changes, in commit order. It is guarded
// by Notifier.commitMu: a change is recorded in the same critical section as its commit, and a
// new subscription joins the set and reads the history in one too, so every change is either
// in the history a subscription replays or fanned out to it live, never both, never neither.
type history struct {
	size int
	age  time.Duration
	// items are oldest first; trimmed ones are cleared so their objects can be collected.
	items []pastChange
	// floor is the highest resourceVersion of a change that may be missing: trimmed, or
	// processed before this notifier (a previous leader, or a kind's baseline). Every change
	// with a higher resourceVersion that this notifier processed is in items.
	floor uint64
}

func newHistory(size int, age time.Duration) *history {
	return &history{size: size, age: age}
}

// parseRV reads a netweave resourceVersion: the global revision counter. Deletions found by a
// re-list carry the object's last resourceVersion with a "-gone" suffix; that number bounds
// the deletion from below.
func parseRV(rv string) (uint64, bool) {
	rv, _, _ = strings.Cut(rv, "-")
	n, err := strconv.ParseUint(rv, 10, 64)
	return n, err == nil
}

// record adds a processed change. Changes without a numeric resourceVersion cannot be placed
// and are not kept.
func (h *history) record(ev *Event) {
	rv, ok := parseRV(ev.ResourceVersion)
	if !ok {
		return
	}
	h.items = append(h.items, pastChange{rv: rv, ev: ev})
	if len(h.items) > h.size {
		h.drop(len(h.items) - h.size)
	}
}

// raise records that changes up to rv may be missing from the history.
func (h *history) raise(rv uint64) {
	h.floor = max(h.floor, rv)
}

// drop forgets the n oldest changes.
func (h *history) drop(n int) {
	for i := range n {
		h.raise(h.items[i].rv)
		h.items[i] = pastChange{}
	}
	h.items = h.items[n:]
}

// trim forgets the changes observed before now minus the age bound.
func (h *history) trim(now time.Time) {
	n := 0
	for n < len(h.items) && now.Sub(h.items[n].ev.Observed) > h.age {
		n++
	}
	if n > 0 {
		h.drop(n)
	}
}

// since returns the recorded changes with a resourceVersion above c, in resourceVersion order,
// and whether the history covers everything processed after c.
func (h *history) since(c uint64, now time.Time) ([]*Event, bool) {
	h.trim(now)
	var out []pastChange
	for _, p := range h.items {
		if p.rv > c {
			out = append(out, p)
		}
	}
	// Kinds are watched independently: commit order is resourceVersion order per object, not
	// across kinds.
	sort.SliceStable(out, func(i, j int) bool { return out[i].rv < out[j].rv })
	evs := make([]*Event, len(out))
	for i, p := range out {
		evs[i] = p.ev
	}
	return evs, c >= h.floor
}
