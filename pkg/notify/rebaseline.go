package notify

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// rebaselineSettle is how long a kind waits, once it found the store wiped, before it lists:
// the owners of what the wipe took (the inventory sync) re-create it meanwhile, so that an
// object they bring back as it was is not notified as a DELETE followed by a CREATE.
const rebaselineSettle = 5 * time.Second

// rebaselinePending is the cursor of a kind whose re-baseline is under way (beginRebaseline):
// not a resourceVersion, so nothing watches from it, and a leader that finds it finishes the
// re-baseline against the recorded state.
const rebaselinePending = "rebaseline"

// settle waits rebaselineSettle, or until ctx ends.
func settle(ctx context.Context) error { return sleepCtx(ctx, rebaselineSettle) }

// rebaselineDiff is what a re-baseline tells: the difference between prior, the objects the
// notifier last processed (by namespace/name), and items, what the store holds after it was
// wiped or rolled back. Objects are matched by name, not uid: what a wipe took and its owner
// (the inventory sync) re-created is the same object to an SMO. So: a name only in prior is a
// DELETE, only in items a CREATE, in both with a different content a MODIFY, in both with the
// same content nothing. A DELETE is placed at the re-baseline, rv (its notificationId stays
// unique through the prior resourceVersion it carries); a CREATE or MODIFY carries rv as its
// Rebaseline, which keeps its notificationId apart from the one of the change that made the
// object's resourceVersion (after a rollback, notified before with other content). Events are
// in name order.
func rebaselineDiff(kind model.Kind, prior map[string]runtime.Object, items []runtime.Object, rv string, now time.Time) ([]*Event, error) {
	var out []*Event
	seen := make(map[string]bool, len(items))
	for _, obj := range items {
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, err
		}
		key := m.GetNamespace() + "/" + m.GetName()
		seen[key] = true
		ev := &Event{Type: Create, Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName(), UID: string(m.GetUID()),
			ResourceVersion: m.GetResourceVersion(), Rebaseline: rv, Post: obj, Observed: now}
		if p := prior[key]; p != nil {
			if sameContent(p, obj) {
				continue
			}
			ev.Type, ev.Prior = Modify, p
		}
		out = append(out, ev)
	}
	for key, p := range prior {
		if seen[key] {
			continue
		}
		m, err := meta.Accessor(p)
		if err != nil {
			return nil, err
		}
		out = append(out, &Event{Type: Delete, Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName(), UID: string(m.GetUID()),
			ResourceVersion: rv + "-gone-" + m.GetResourceVersion(), Prior: p, Observed: now})
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
	})
	return out, nil
}

// sameContent reports whether a and b differ only in what the store assigns (uid,
// resourceVersion, creation time, generation, managed fields) or in their apiVersion and kind
// (a list's items and a watch's objects need not carry them): a re-created object the SMO
// would see unchanged.
func sameContent(a, b runtime.Object) bool {
	return equality.Semantic.DeepEqual(withoutStoreFields(a), withoutStoreFields(b))
}

func withoutStoreFields(obj runtime.Object) runtime.Object {
	obj = obj.DeepCopyObject()
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	m, err := meta.Accessor(obj)
	if err != nil {
		return obj
	}
	m.SetUID("")
	m.SetResourceVersion("")
	m.SetCreationTimestamp(metav1.Time{})
	m.SetGeneration(0)
	m.SetManagedFields(nil)
	return obj
}

// regressed reports whether items, a list whose resourceVersion did not show the store going
// back (it is past the cursor), show it anyway: an object, by uid, at a resourceVersion below
// the one recorded for it, or at the recorded one with other content. An object's
// resourceVersion only grows, so either means revisions were discarded and made again: a
// rollback (a failover to a replica that lacked writes) that other writes carried past the
// cursor before this list. Treated as an ordinary relist it would tell a reverted object under
// the notificationId of an earlier change, or nothing when its resourceVersion was made again.
func (w *watcher) regressed(items []runtime.Object) (bool, error) {
	for _, obj := range items {
		m, err := meta.Accessor(obj)
		if err != nil {
			return false, err
		}
		w.mu.RLock()
		prior, ok := w.state[m.GetNamespace()+"/"+m.GetName()]
		w.mu.RUnlock()
		if !ok || !prior.sameUID(string(m.GetUID())) {
			continue
		}
		now, okNow := parseRV(m.GetResourceVersion())
		then, okThen := parseRV(prior.resourceVersion())
		switch {
		case !okNow || !okThen || now > then:
			continue
		case now < then:
			return true, nil
		}
		state, err := encodeState(obj)
		if err != nil {
			return false, err
		}
		recorded, err := w.codec.unpack(prior.packed)
		if err != nil {
			// Unreadable (logged when it is next needed): it shows nothing either way.
			continue
		}
		if bytes.Equal(state, recorded) {
			continue
		}
		// The bytes may differ in what says nothing about the object (its apiVersion and kind);
		// uid and resourceVersion are the same here, so sameContent compares the rest.
		priorObj, err := w.src.decode(recorded)
		if err != nil {
			continue
		}
		if !sameContent(priorObj, obj) {
			return true, nil
		}
	}
	return false, nil
}

// rebaseline follows a wipe or rollback of the store: it emits rebaselineDiff against the
// state in memory (its Redis copy went with the wipe) to the subscriptions the notifier has,
// then records the list as the kind's state and rv as its cursor, whatever the old cursor was:
// the revisions restarted.
func (w *watcher) rebaseline(ctx context.Context, items []runtime.Object, rv string) error {
	prior, err := w.priorObjects()
	if err != nil {
		return err
	}
	if err := w.beginRebaseline(ctx); err != nil {
		return err
	}
	// What it tells, and every change after it, belongs to the store as it is now.
	if err := w.readEra(ctx); err != nil {
		return err
	}
	evs, err := rebaselineDiff(w.src.kind, prior, items, rv, time.Now())
	if err != nil {
		return err
	}
	for _, ev := range evs {
		ev.Epoch = w.era
		var state []byte
		if ev.Post != nil {
			if state, err = encodeState(ev.Post); err != nil {
				return err
			}
		}
		if err := w.out.emit(ctx, ev, state, ""); err != nil {
			return err
		}
		// Told: it is what the notifier last processed of the object, in Redis too (emit
		// committed it). Should the baseline write below fail, or the leader stop before it,
		// the re-baseline that follows, this leader's or the next one's, compares with it and
		// does not tell the change again (under another notificationId: a new list's
		// resourceVersion).
		key := ev.Namespace + "/" + ev.Name
		w.mu.Lock()
		if state == nil {
			delete(w.state, key)
		} else {
			w.state[key] = stateEntry{version: versionOf(ev.UID, ev.ResourceVersion), packed: w.codec.pack(state, len(w.state))}
		}
		w.mu.Unlock()
	}
	// The history keeps its floor: the diff stands for every change up to rv, so a subscription
	// created meanwhile replays what it is to see of them.
	if err := w.storeBaseline(ctx, items, rv); err != nil {
		return err
	}
	w.out.rebaselined(w.src.kind)
	klog.InfoS("Notifier re-baselined after the store was wiped or rolled back", "kind", w.src.kind,
		"objects", len(items), "changes", len(evs), "resourceVersion", rv)
	return nil
}

// beginRebaseline records what the notifier last processed of the kind (the state in memory,
// which a wipe took from Redis and a rollback replaced there with a replica's) as its state in
// Redis, and rebaselinePending as its cursor, in one transaction, before the re-baseline tells
// anything. Each change told then updates that state as it is committed, so that at any point
// Redis holds what the subscriptions were told: a leader that stops in the middle leaves its
// successor the rest to tell, once, instead of a state that says neither what was told (after
// a rollback, the replica's) nor that a re-baseline is unfinished (after a wipe, no cursor).
func (w *watcher) beginRebaseline(ctx context.Context) error {
	w.mu.RLock()
	states := make(map[string]any, len(w.state))
	for key, e := range w.state {
		data, err := w.codec.unpack(e.packed)
		if err != nil {
			// Left out, as priorObjects leaves it out of the comparison.
			continue
		}
		states[key] = data
	}
	w.mu.RUnlock()
	if err := w.store.Baseline(ctx, string(w.src.kind), states, rebaselinePending); err != nil {
		return fmt.Errorf("begin the %s re-baseline: %w", w.src.kind, err)
	}
	w.mu.Lock()
	w.cursor = rebaselinePending
	w.mu.Unlock()
	return nil
}
