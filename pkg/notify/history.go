package notify

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// The bounds of the replay history: the last historySize changes, holding at most historyBytes
// of recorded object states, and none older than historyAge, whichever is fewer.
const (
	historySize  = 10000
	historyBytes = 16 << 20
	historyAge   = 10 * time.Minute
)

// historyEntryOverhead is what a change costs the history besides its states' bytes: the
// event's fields and the slice slot, roughly.
const historyEntryOverhead = 256

// pastChange is a change the notifier processed, kept for subscriptions it learns of later.
// The event is kept without its objects, which prior and post hold as recorded (encodeState),
// packed by codec when it is set (the watcher's: the bytes its recorded states share): a change
// replayed to a late subscription is decoded again, and the history holds no decoded copy of
// what changed.
type pastChange struct {
	rv          uint64
	ev          *Event
	prior, post []byte
	codec       *stateCodec
	size        int
}

// history is the bounded record of recently processed changes, in commit order. It is guarded
// by Notifier.commitMu: a change is recorded in the same critical section as its commit, and a
// new subscription joins the set and reads the history in one too, so every change is either
// in the history a subscription replays or fanned out to it live, never both, never neither.
type history struct {
	size     int
	maxBytes int
	age      time.Duration
	// bytes is the sum of the items' sizes.
	bytes int
	// items are oldest first; trimmed ones are cleared so their objects can be collected.
	items []pastChange
	// floor is the highest resourceVersion of a change that may be missing: trimmed, or
	// processed before this notifier (a previous leader, or a kind's baseline). Every change
	// with a higher resourceVersion that this notifier processed is in items.
	floor uint64
}

func newHistory(size, maxBytes int, age time.Duration) *history {
	return &history{size: size, maxBytes: maxBytes, age: age}
}

// parseRV reads a netweave resourceVersion: the global revision counter. Deletions found by a
// re-list are "<list resourceVersion>-gone-<last resourceVersion>": the list bounds the
// deletion from above, and a change is placed at the number before the first "-".
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
	p, err := compact(ev)
	if err != nil {
		// Not replayable: what a subscription created before it may miss.
		klog.ErrorS(err, "Change not kept for replay", "kind", ev.Kind, "object", ev.Namespace+"/"+ev.Name)
		h.raise(rv)
		return
	}
	p.rv = rv
	h.items = append(h.items, p)
	h.bytes += p.size
	n := 0
	for bytes := h.bytes; n < len(h.items) && (len(h.items)-n > h.size || bytes > h.maxBytes); n++ {
		bytes -= h.items[n].size
	}
	if n > 0 {
		h.drop(n)
	}
}

// compact is ev as the history keeps it: its objects as recorded.
func compact(ev *Event) (pastChange, error) {
	p := pastChange{prior: ev.priorState, post: ev.postState, codec: ev.codec}
	var err error
	if ev.Prior != nil && p.prior == nil {
		if p.prior, err = p.record(ev.Prior); err != nil {
			return pastChange{}, err
		}
	}
	if ev.Post != nil && p.post == nil {
		if p.post, err = p.record(ev.Post); err != nil {
			return pastChange{}, err
		}
	}
	c := *ev
	c.Prior, c.Post, c.priorState, c.postState, c.codec = nil, nil, nil, nil, nil
	p.ev = &c
	p.size = historyEntryOverhead + len(p.prior) + len(p.post)
	return p, nil
}

// record is obj as the history keeps it.
func (p pastChange) record(obj runtime.Object) ([]byte, error) {
	data, err := encodeState(obj)
	if err != nil || p.codec == nil {
		return data, err
	}
	// Packed only if the watcher's encoder exists already (a kind past its threshold).
	return p.codec.pack(data, 0), nil
}

// event decodes a kept change; its states are plain JSON (no codec).
func (p pastChange) event() (*Event, error) {
	ev := *p.ev
	var err error
	if ev.priorState, ev.Prior, err = p.decode(ev.Kind, p.prior); err != nil {
		return nil, err
	}
	if ev.postState, ev.Post, err = p.decode(ev.Kind, p.post); err != nil {
		return nil, err
	}
	return &ev, nil
}

// decode returns the JSON and the object of a kept state (nil, nil for none).
func (p pastChange) decode(kind model.Kind, kept []byte) ([]byte, runtime.Object, error) {
	if kept == nil {
		return nil, nil, nil
	}
	data := kept
	if p.codec != nil {
		var err error
		if data, err = p.codec.unpack(kept); err != nil {
			return nil, nil, err
		}
	}
	obj, err := decodeState(kind, data)
	if err != nil {
		return nil, nil, err
	}
	return data, obj, nil
}

// raise records that changes up to rv may be missing from the history.
func (h *history) raise(rv uint64) {
	h.floor = max(h.floor, rv)
}

// drop forgets the n oldest changes.
func (h *history) drop(n int) {
	for i := range n {
		h.raise(h.items[i].rv)
		h.bytes -= h.items[i].size
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
	evs := make([]*Event, 0, len(out))
	covered := c >= h.floor
	for _, p := range out {
		ev, err := p.event()
		if err != nil {
			klog.ErrorS(err, "Kept change not replayable", "kind", p.ev.Kind, "object", p.ev.Namespace+"/"+p.ev.Name)
			covered = false
			continue
		}
		evs = append(evs, ev)
	}
	return evs, covered
}
