package redis

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Stream entry types.
const (
	eventCreated  = "c"
	eventUpdated  = "u"
	eventDeleted  = "d"
	fieldType     = "t"
	fieldKey      = "k"
	fieldValue    = "v"
	fieldPrev     = "p"
	fieldPrevRev  = "pr"
	streamIDSuffx = "-0"
)

// change is one decoded stream entry.
type change struct {
	rev       int64
	typ       string
	key       string
	value     []byte
	prevValue []byte
	prevRev   int64
}

func newChange(id string, values map[string]string) (change, error) {
	rev, err := revisionFromID(id)
	if err != nil {
		return change{}, err
	}
	c := change{rev: rev, typ: values[fieldType], key: values[fieldKey]}
	if v, ok := values[fieldValue]; ok {
		c.value = []byte(v)
	}
	if p, ok := values[fieldPrev]; ok {
		c.prevValue = []byte(p)
		if c.prevRev, err = strconv.ParseInt(values[fieldPrevRev], 10, 64); err != nil {
			return change{}, fmt.Errorf("stream entry %s: bad prev revision: %w", id, err)
		}
	}
	switch c.typ {
	case eventCreated, eventUpdated, eventDeleted:
	default:
		return change{}, fmt.Errorf("stream entry %s: unknown type %q", id, c.typ)
	}
	return c, nil
}

func revisionFromID(id string) (int64, error) {
	ms, _, ok := strings.Cut(id, "-")
	if !ok {
		return 0, fmt.Errorf("malformed stream id %q", id)
	}
	return strconv.ParseInt(ms, 10, 64)
}

func streamID(rev int64) string { return strconv.FormatInt(rev, 10) + streamIDSuffx }

// kv is one stored object as of some revision.
type kv struct {
	key   string
	value []byte
	rev   int64
}

// keyRange is a half-open key interval [start, end); an empty end means
// unbounded. A single-key range has exact set.
type keyRange struct {
	start, end string
	exact      bool
}

func (r keyRange) contains(k string) bool {
	if r.exact {
		return k == r.start
	}
	return k >= r.start && (r.end == "" || k < r.end)
}

// window is one atomic read of the key index: the first keys of a range at
// the current revision plus every change after the requested revision.
type window struct {
	// status is 0, statusCompacted or statusFuture.
	status    int64
	current   int64
	compacted int64
	// count of keys in the whole range at the current revision.
	count int64
	items []kv
	// touched holds, for every key of the range changed after the requested revision, its
	// first change after it and the type of its last: all a rewind needs, so a window holds
	// one change per key whatever the length of the history it reads.
	touched   map[string]*touch
	truncated bool
}

// touch is what a window keeps of one key's changes after the requested revision.
type touch struct {
	first   change
	lastTyp string
}

// note records c, a change after the requested revision, if its key is in r.
func (w *window) note(c *change, r keyRange) {
	if !r.contains(c.key) {
		return
	}
	if t := w.touched[c.key]; t != nil {
		t.lastTyp = c.typ
		return
	}
	if w.touched == nil {
		w.touched = map[string]*touch{}
	}
	first := *c
	first.value = nil // only the state before it is needed
	w.touched[c.key] = &touch{first: first, lastTyp: c.typ}
}

// rewind returns the window's items as they were at rev, and the number of
// keys the whole range held at rev. Only keys up to the last item read are
// authoritative when the read was truncated; later keys belong to the next
// window. Undoing works because each change records the previous value:
// the state at rev of a key changed later is the "before" of its first
// change after rev.
func (w *window) rewind(rev int64) (items []kv, count int64) {
	touched := w.touched
	if rev >= w.current || len(touched) == 0 {
		return w.items, w.count
	}
	limitKey := ""
	if w.truncated && len(w.items) > 0 {
		limitKey = w.items[len(w.items)-1].key
	}
	items = make([]kv, 0, len(w.items)+len(touched))
	for _, it := range w.items {
		if _, ok := touched[it.key]; !ok {
			items = append(items, it)
		}
	}
	count = w.count
	for key, h := range touched {
		existsNow := h.lastTyp != eventDeleted
		existedThen := h.first.typ != eventCreated
		if existsNow {
			count--
		}
		if !existedThen {
			continue
		}
		count++
		if limitKey != "" && key > limitKey {
			continue
		}
		items = append(items, kv{key: key, value: h.first.prevValue, rev: h.first.prevRev})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	return items, count
}
