package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// emitter turns a change into queued notifications; the notifier implements it.
type emitter interface {
	// emit commits the change with its notifications (and the cursor, when set) and wakes the
	// workers concerned. It retries until it succeeds or ctx ends.
	emit(ctx context.Context, ev *Event, state []byte, cursor string) error
	// resumed tells that the watcher processes the changes after rv only: its cursor, or the
	// baseline of a first start.
	resumed(rv string)
	// epoch returns the generation of the store's epoch (epochs.current); wentBack starts a
	// new one (epochs.wentBack).
	epoch(ctx context.Context) (uint64, error)
	wentBack(ctx context.Context) (uint64, error)
	// rebaselined counts a re-baseline of kind.
	rebaselined(kind model.Kind)
}

// watcher follows one kind: it keeps the last state of every object it processed (in memory
// and, through the emitter's commits, in Redis) and the kind's cursor.
type watcher struct {
	src     kindSource
	store   *Store
	out     emitter
	backoff Backoff

	mu sync.RWMutex
	// state is the last state processed of each object, by namespace/name, as recorded in
	// Redis (encodeState's JSON, packed by codec): decoded only when a change needs the prior
	// object, so the notifier holds no decoded copy of the inventory.
	state  map[string]stateEntry
	codec  stateCodec
	cursor string
	// gen is the epoch generation that state and cursor belong to; only run uses it.
	gen uint64
	// era is the store's epoch value (Store.Epoch) the watcher's changes are processed in,
	// their Event.Epoch; read on load, before every list and by every re-baseline. Only run
	// uses it.
	era string
}

// readEra reads the store's epoch value into era (nothing without a store).
func (w *watcher) readEra(ctx context.Context) error {
	if w.store == nil {
		return nil
	}
	era, err := w.store.Epoch(ctx)
	if err != nil {
		return err
	}
	w.era = era
	return nil
}

func newWatcher(src kindSource, store *Store, out emitter, backoff Backoff) *watcher {
	return &watcher{src: src, store: store, out: out, backoff: backoff, state: map[string]stateEntry{}}
}

// stateEntry is a recorded state: its JSON packed by the watcher's codec, and the uid and
// resourceVersion read from it.
type stateEntry struct {
	version
	packed []byte
}

// entryOf reads the uid and resourceVersion of a recorded state without decoding the object.
func entryOf(data []byte) (stateEntry, error) {
	var m struct {
		Metadata struct {
			UID             string `json:"uid"`
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return stateEntry{}, err
	}
	return stateEntry{version: versionOf(m.Metadata.UID, m.Metadata.ResourceVersion)}, nil
}

// object decodes a recorded state.
func (w *watcher) object(e stateEntry) (runtime.Object, error) {
	data, err := w.codec.unpack(e.packed)
	if err != nil {
		return nil, fmt.Errorf("the recorded state of a %s: %w", w.src.kind, err)
	}
	obj, err := w.src.decode(data)
	if err != nil {
		return nil, fmt.Errorf("decode the recorded state of a %s: %w", w.src.kind, err)
	}
	return obj, nil
}

// readable decodes the recorded state of the object at key; a state that does not decode (a hand
// edit, a key written by something else, a type an upgrade changed) is logged and reported as
// missing, so that one unreadable state in Redis does not stop every notification of the kind:
// the object's next change is told without a prior state.
func (w *watcher) readable(key string, e stateEntry) (runtime.Object, bool) {
	obj, err := w.object(e)
	if err != nil {
		klog.ErrorS(err, "Recorded state unreadable: the object's next change is told without it", "kind", w.src.kind, "object", key)
		return nil, false
	}
	return obj, true
}

// errGone says the cursor is outside the server's history: older than it, or newer than the
// store (which went back).
type errGone struct{ err error }

func (e errGone) Error() string { return "resourceVersion outside the history: " + e.err.Error() }

// load restores the recorded state and cursor.
func (w *watcher) load(ctx context.Context) error {
	states, cursor, err := w.store.Load(ctx, string(w.src.kind))
	if err != nil {
		return err
	}
	state := make(map[string]stateEntry, len(states))
	for key, data := range states {
		raw := []byte(data)
		e, err := entryOf(raw)
		if err != nil {
			// Left out: a start that fails on it fails at every start, for good.
			klog.ErrorS(err, "Recorded state unreadable: the object's next change is told without it", "kind", w.src.kind, "object", key)
			continue
		}
		e.packed = w.codec.pack(raw, len(states))
		state[key] = e
	}
	w.mu.Lock()
	w.state, w.cursor = state, cursor
	w.mu.Unlock()
	return nil
}

// run loads the recorded state, then lists (when it has no cursor or the cursor expired) and
// watches until ctx ends.
func (w *watcher) run(ctx context.Context) {
	failures := 0
	loaded := false
	relist := false
	for ctx.Err() == nil {
		var err error
		switch {
		case !loaded:
			if w.gen, err = w.out.epoch(ctx); err != nil {
				break
			}
			if err = w.readEra(ctx); err != nil {
				break
			}
			if err = w.load(ctx); err == nil {
				loaded = true
				// No cursor: a first start. A re-baseline's: a previous leader stopped in the
				// middle of it, and this one finishes it.
				relist = w.cursor == "" || w.cursor == rebaselinePending
				w.out.resumed(w.cursor)
			}
		case relist:
			if err = w.relist(ctx); err == nil {
				relist = false
			}
		default:
			err = w.watch(ctx)
			if _, gone := err.(errGone); gone {
				klog.InfoS("Notifier cursor expired; re-listing", "kind", w.src.kind, "cursor", w.cursor)
				relist, err = true, nil
			}
		}
		if err == nil {
			failures = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		failures++
		klog.V(2).InfoS("Notifier watch failed", "kind", w.src.kind, "err", err)
		t := time.NewTimer(w.backoff.Delay(failures, nil))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// watch follows the kind from the cursor until the watch ends. A closed watch returns nil.
func (w *watcher) watch(ctx context.Context) error {
	w.mu.RLock()
	cursor := w.cursor
	w.mu.RUnlock()
	wi, err := w.src.watch(ctx, metav1.ListOptions{ResourceVersion: cursor, AllowWatchBookmarks: true})
	if err != nil {
		if outsideHistory(err) {
			return errGone{err}
		}
		return fmt.Errorf("watch %s: %w", w.src.kind, err)
	}
	defer wi.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-wi.ResultChan():
			if !ok {
				return nil
			}
			if err := w.handle(ctx, e); err != nil {
				return err
			}
		}
	}
}

// outsideHistory reports whether err says the watch's resourceVersion is outside the store's
// history: compacted (410 Gone), or not reached, which for a cursor means the store went back.
func outsideHistory(err error) bool {
	return apierrors.IsResourceExpired(err) || apierrors.IsGone(err) ||
		apierrors.HasStatusCause(err, metav1.CauseTypeResourceVersionTooLarge)
}

func (w *watcher) handle(ctx context.Context, e watch.Event) error {
	switch e.Type {
	case watch.Error:
		err := apierrors.FromObject(e.Object)
		if outsideHistory(err) {
			return errGone{err}
		}
		return fmt.Errorf("watch %s: %w", w.src.kind, err)
	case watch.Bookmark:
		m, err := meta.Accessor(e.Object)
		if err != nil {
			return err
		}
		return w.advance(ctx, m.GetResourceVersion())
	case watch.Added, watch.Modified:
		return w.changed(ctx, e.Object, true)
	case watch.Deleted:
		return w.deleted(ctx, e.Object, "", true)
	}
	return nil
}

// changed processes the current state of an object.
func (w *watcher) changed(ctx context.Context, obj runtime.Object, moveCursor bool) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	key := m.GetNamespace() + "/" + m.GetName()
	w.mu.RLock()
	prior, seen := w.state[key]
	objects := len(w.state)
	w.mu.RUnlock()
	state, err := encodeState(obj)
	if err != nil {
		return err
	}
	ev := &Event{Type: Create, Kind: w.src.kind, Namespace: m.GetNamespace(), Name: m.GetName(), UID: string(m.GetUID()),
		ResourceVersion: m.GetResourceVersion(), Epoch: w.era, Post: obj, Observed: time.Now(), codec: &w.codec}
	if seen && prior.is(string(m.GetUID()), m.GetResourceVersion()) {
		// Already processed (a watch replaying what a list showed).
		return w.advanceIf(ctx, m.GetResourceVersion(), moveCursor)
	}
	var priorObj runtime.Object
	if seen {
		priorObj, seen = w.readable(key, prior)
	}
	if seen {
		if prior.sameUID(string(m.GetUID())) {
			ev.Type, ev.Prior, ev.priorState = Modify, priorObj, prior.packed
		} else if err := w.deleted(ctx, priorObj, m.GetResourceVersion()+"-gone-"+prior.resourceVersion(), false); err != nil {
			// A namesake replaced the object while we were not looking: deleted at a revision
			// we do not know, before the namesake's, where the deletion is placed so that a
			// subscription created in between (which saw the object) is replayed it.
			return err
		}
	}
	cursor := ""
	if moveCursor && w.newer(m.GetResourceVersion()) {
		cursor = m.GetResourceVersion()
	}
	wasPacking := w.codec.packing()
	packed := w.codec.pack(state, objects)
	ev.postState = packed
	if err := w.out.emit(ctx, ev, state, cursor); err != nil {
		return err
	}
	w.mu.Lock()
	if !wasPacking && w.codec.packing() {
		w.repackLocked(objects)
	}
	w.state[key] = stateEntry{version: versionOf(string(m.GetUID()), m.GetResourceVersion()), packed: packed}
	if cursor != "" {
		w.cursor = cursor
	}
	w.mu.Unlock()
	return nil
}

// repackLocked packs the states recorded plain before the kind reached the codec's threshold
// (once, when it does), so that a kind that grew past it holds all its states packed, not only
// those that changed since. Events and the history holding the plain bytes keep them. Callers
// hold w.mu.
func (w *watcher) repackLocked(objects int) {
	for key, e := range w.state {
		if len(e.packed) > 0 && e.packed[0] == packedRaw {
			e.packed = w.codec.pack(e.packed[1:], objects)
			w.state[key] = e
		}
	}
}

// deleted processes the deletion of obj. rv overrides the resourceVersion that identifies the
// change (deletions found by a re-list have none of their own).
func (w *watcher) deleted(ctx context.Context, obj runtime.Object, rv string, moveCursor bool) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	key := m.GetNamespace() + "/" + m.GetName()
	w.mu.RLock()
	entry, seen := w.state[key]
	w.mu.RUnlock()
	// Never seen (created and deleted while we were away): nothing to tell about it beyond
	// its final state.
	prior := obj
	var priorState []byte
	if seen {
		if recorded, ok := w.readable(key, entry); ok {
			prior, priorState = recorded, entry.packed
		}
	}
	if rv == "" {
		rv = m.GetResourceVersion()
	}
	ev := &Event{Type: Delete, Kind: w.src.kind, Namespace: m.GetNamespace(), Name: m.GetName(), UID: string(m.GetUID()),
		ResourceVersion: rv, Epoch: w.era, Prior: prior, Observed: time.Now(), priorState: priorState, codec: &w.codec}
	cursor := ""
	if moveCursor && w.newer(m.GetResourceVersion()) {
		cursor = m.GetResourceVersion()
	}
	if err := w.out.emit(ctx, ev, nil, cursor); err != nil {
		return err
	}
	w.mu.Lock()
	delete(w.state, key)
	if cursor != "" {
		w.cursor = cursor
	}
	w.mu.Unlock()
	return nil
}

// relist compares the kind's current objects with the recorded state and emits the
// differences; without a cursor (first start) the list is only recorded; after the store was
// wiped or rolled back (a new epoch, or a list older than the cursor), or when a re-baseline
// is unfinished (rebaselinePending: this leader's, or one a previous leader stopped in the
// middle of), it re-baselines.
//
// A recorded state without a cursor is not compared either: every baseline records both at
// once, and a re-baseline records rebaselinePending first, so that state is not what the
// notifier last processed (a re-baseline interrupted by a leader change under a version that
// did not record it first committed only its changes); compared, every other object would be
// notified as created.
func (w *watcher) relist(ctx context.Context) error {
	gen, err := w.out.epoch(ctx)
	if err != nil {
		return err
	}
	if err := w.readEra(ctx); err != nil {
		return err
	}
	w.mu.RLock()
	baseline := w.cursor == ""
	resuming := w.cursor == rebaselinePending
	w.mu.RUnlock()
	if gen != w.gen && !baseline {
		if err := settle(ctx); err != nil {
			return err
		}
	}
	list, err := w.src.list(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list %s: %w", w.src.kind, err)
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return err
	}
	if baseline {
		w.gen = gen
		return w.recordBaseline(ctx, items, lm.GetResourceVersion())
	}
	if gen == w.gen && !resuming {
		// The store went back without losing the epoch: a rollback, shown by a list older
		// than the cursor or, when other writes carried it past the cursor, by the objects
		// themselves. A new epoch makes every kind re-baseline, this one first.
		back := w.older(lm.GetResourceVersion())
		if !back {
			if back, err = w.regressed(items); err != nil {
				return err
			}
		}
		if back {
			if _, err := w.out.wentBack(ctx); err != nil {
				return err
			}
			return w.relist(ctx)
		}
	}
	if gen != w.gen || resuming {
		// A re-baseline a previous leader began is finished without settling again: it
		// settled before it began.
		if err := w.rebaseline(ctx, items, lm.GetResourceVersion()); err != nil {
			return err
		}
		w.gen = gen
		return nil
	}
	seen := make(map[string]bool, len(items))
	for _, obj := range items {
		m, err := meta.Accessor(obj)
		if err != nil {
			return err
		}
		seen[m.GetNamespace()+"/"+m.GetName()] = true
		if err := w.changed(ctx, obj, false); err != nil {
			return err
		}
	}
	w.mu.RLock()
	gone := map[string]stateEntry{}
	for key, e := range w.state {
		if !seen[key] {
			gone[key] = e
		}
	}
	w.mu.RUnlock()
	for key, e := range gone {
		obj, ok := w.readable(key, e)
		if !ok {
			// Nothing to tell of it: forgotten.
			if _, err := w.store.Commit(ctx, Change{Kind: string(w.src.kind), Key: key, Forget: true}); err != nil {
				return err
			}
			w.mu.Lock()
			delete(w.state, key)
			w.mu.Unlock()
			continue
		}
		// Deleted at a revision the list does not tell, after the recorded state and before
		// the list: placed at the list, so that a subscription created in between (which saw
		// the object) is replayed it; the last resourceVersion keeps the id the deletion's own.
		if err := w.deleted(ctx, obj, lm.GetResourceVersion()+"-gone-"+e.resourceVersion(), false); err != nil {
			return err
		}
	}
	return w.advance(ctx, lm.GetResourceVersion())
}

// recordBaseline records the list of a first start: the notifier processes what comes after
// it only.
func (w *watcher) recordBaseline(ctx context.Context, items []runtime.Object, rv string) error {
	if err := w.storeBaseline(ctx, items, rv); err != nil {
		return err
	}
	w.out.resumed(rv)
	klog.V(2).InfoS("Notifier baseline recorded", "kind", w.src.kind, "objects", len(items), "resourceVersion", rv)
	return nil
}

// storeBaseline makes items the kind's state and rv its cursor, in Redis and in memory.
func (w *watcher) storeBaseline(ctx context.Context, items []runtime.Object, rv string) error {
	states := make(map[string]any, len(items))
	state := make(map[string]stateEntry, len(items))
	for _, obj := range items {
		m, err := meta.Accessor(obj)
		if err != nil {
			return err
		}
		data, err := encodeState(obj)
		if err != nil {
			return err
		}
		key := m.GetNamespace() + "/" + m.GetName()
		states[key] = data
		state[key] = stateEntry{version: versionOf(string(m.GetUID()), m.GetResourceVersion()), packed: w.codec.pack(data, len(items))}
	}
	if err := w.store.Baseline(ctx, string(w.src.kind), states, rv); err != nil {
		return err
	}
	w.mu.Lock()
	w.state, w.cursor = state, rv
	w.mu.Unlock()
	return nil
}

func (w *watcher) advanceIf(ctx context.Context, rv string, move bool) error {
	if !move {
		return nil
	}
	return w.advance(ctx, rv)
}

// advance records rv as the cursor when it is newer.
func (w *watcher) advance(ctx context.Context, rv string) error {
	if rv == "" || !w.newer(rv) {
		return nil
	}
	if err := w.store.SetCursor(ctx, string(w.src.kind), rv); err != nil {
		return err
	}
	w.mu.Lock()
	w.cursor = rv
	w.mu.Unlock()
	return nil
}

// newer reports whether rv is after the cursor. Resource versions are opaque to clients, but
// netweave's are the Redis revision counter; anything else is taken as newer.
func (w *watcher) newer(rv string) bool {
	w.mu.RLock()
	cur := w.cursor
	w.mu.RUnlock()
	a, errA := strconv.ParseUint(rv, 10, 64)
	b, errB := strconv.ParseUint(cur, 10, 64)
	if errA != nil || errB != nil {
		return rv != cur
	}
	return a > b
}

// older reports whether rv is a revision below the cursor.
func (w *watcher) older(rv string) bool {
	w.mu.RLock()
	cur := w.cursor
	w.mu.RUnlock()
	a, okA := parseRV(rv)
	b, okB := parseRV(cur)
	return okA && okB && a < b
}

// each calls fn with every object of the kind, for related-id lookups (the kinds looked up
// are the few sites, pools and O-Clouds, decoded on each lookup). A state that does not decode
// is skipped and logged.
func (w *watcher) each(fn func(runtime.Object)) {
	w.mu.RLock()
	entries := make([]stateEntry, 0, len(w.state))
	for _, e := range w.state {
		entries = append(entries, e)
	}
	w.mu.RUnlock()
	for _, e := range entries {
		obj, err := w.object(e)
		if err != nil {
			klog.ErrorS(err, "Recorded state skipped in a lookup", "kind", w.src.kind)
			continue
		}
		fn(obj)
	}
}

// priorObjects decodes the whole recorded state, by namespace/name.
func (w *watcher) priorObjects() (map[string]runtime.Object, error) {
	w.mu.RLock()
	entries := make(map[string]stateEntry, len(w.state))
	for k, e := range w.state {
		entries[k] = e
	}
	w.mu.RUnlock()
	out := make(map[string]runtime.Object, len(entries))
	for k, e := range entries {
		if obj, ok := w.readable(k, e); ok {
			out[k] = obj
		}
	}
	return out, nil
}

// encodeState is what is recorded of an object: everything but managedFields.
func encodeState(obj runtime.Object) ([]byte, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	if len(m.GetManagedFields()) > 0 {
		obj = obj.DeepCopyObject()
		m, _ = meta.Accessor(obj)
		m.SetManagedFields(nil)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return data, nil
}
