package notify

import (
	"context"
	"fmt"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// replayRig is a Notifier whose commits land in memory instead of Redis.
type replayRig struct {
	n    *Notifier
	subs *subscriptions

	mu sync.Mutex
	// queues are the notification ids committed per subscription uid, in stream order.
	queues map[string][]string
	seq    int
}

func newReplayRig(t *testing.T) *replayRig {
	t.Helper()
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &replayRig{queues: map[string][]string{}}
	r.n = &Notifier{
		cfg:      Config{Retry: Backoff{Base: time.Millisecond, Max: time.Millisecond}},
		delivery: &deliveryConfig{metrics: m, changed: func(string, bool) {}, depth: new(atomic.Int64)},
		vis:      newVisibility(authorizerfactory.NewAlwaysAllowAuthorizer(), nil),
		hist:     newHistory(historySize, historyBytes, historyAge),
	}
	r.n.commit = func(_ context.Context, c Change) ([]Queued, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		ids := make([]Queued, len(c.Items))
		for i, it := range c.Items {
			r.seq++
			ids[i].StreamID = "1-" + strconv.Itoa(r.seq)
			r.queues[it.SubscriptionUID] = append(r.queues[it.SubscriptionUID], it.NotificationID)
		}
		return ids, nil
	}
	r.subs = &subscriptions{workers: map[string]*worker{}, delivery: r.n.delivery, admit: r.n.admit}
	r.n.subs[inventoryFamily] = r.subs
	return r
}

func (r *replayRig) queue(uid string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.queues[uid]...)
}

// subscribe adds a subscription created at resourceVersion rv, as subscriptions.sync does.
func (r *replayRig) subscribe(t *testing.T, uid, filter, rv string) (*Subscription, *worker) {
	t.Helper()
	sub := compile(t, filter, 1)
	sub.UID, sub.Name = uid, uid
	w := newWorker(r.n.delivery, sub, v1alpha1.InventorySubscriptionStatus{})
	w.share = shareKey(sub)
	// As if it had read its (empty) queue already: a worker due to read keeps nothing it is
	// handed, and the tests follow what is handed over, in order.
	w.synced = true
	r.subs.admit(context.Background(), w, rv, func() { r.subs.insert(sub.Key(), w) })
	return sub, w
}

// evictEveryCommit makes every queue of every commit report its n oldest entries evicted, as
// a queue at its bound does.
func (r *replayRig) evictEveryCommit(n int64) {
	commit := r.n.commit
	r.n.commit = func(ctx context.Context, c Change) ([]Queued, error) {
		q, err := commit(ctx, c)
		for i := range q {
			q[i].Evicted = n
		}
		return q, err
	}
}

// change emits a change of the pool (or of the resource, when resource is set) at rv.
func (r *replayRig) change(t *testing.T, rv int, resource bool) *Event {
	t.Helper()
	var obj runtime.Object
	if resource {
		o := resourceIn(poolID, "d"+strconv.Itoa(rv))
		o.ResourceVersion = strconv.Itoa(rv)
		obj = o
	} else {
		o := pool("d" + strconv.Itoa(rv))
		o.ResourceVersion = strconv.Itoa(rv)
		obj = o
	}
	// The prior state differs: a MODIFY without a visible change is not sent.
	ev := event(Modify, prior(obj), obj)
	ev.Observed = time.Now()
	if err := r.n.emit(context.Background(), ev, []byte("{}"), ""); err != nil {
		t.Fatal(err)
	}
	return ev
}

// prior is obj as it was before a change: another description.
func prior(obj runtime.Object) runtime.Object {
	switch o := obj.(type) {
	case *v1alpha1.ResourcePool:
		c := o.DeepCopy()
		c.Spec.Description = "before"
		return c
	case *v1alpha1.O2Resource:
		c := o.DeepCopy()
		c.Spec.Description = "before"
		return c
	}
	return obj
}

func ids(sub *Subscription, evs ...*Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = NotificationID(sub.UID, ev)
	}
	return out
}

func TestReplayOrderFilterBound(t *testing.T) {
	r := newReplayRig(t)
	e5 := r.change(t, 5, false)
	// Kinds are watched independently: 12 is committed before 11.
	e12 := r.change(t, 12, false)
	e11 := r.change(t, 11, false)
	r.change(t, 13, true) // a Resource: excluded by the filter
	// All-seeing subscription created at 4: everything, in resourceVersion order.
	all, _ := r.subscribe(t, "all", "", "4")
	// Pools-only subscription created at 10: 11 and 12, not 5 (before it), not the resource.
	pools, w := r.subscribe(t, "pools", "(eq,objectType,ResourcePool)", "10")
	e14 := r.change(t, 14, false)
	r.change(t, 15, true)

	got := r.queue("pools")
	want := ids(pools, e11, e12, e14)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pools queue = %v, want %v", got, want)
	}
	if n := len(r.queue("all")); n != 6 {
		t.Errorf("all-seeing queue holds %d, want 6 (4 replayed, 2 live)", n)
	}
	if got := r.queue("all")[:2]; fmt.Sprint(got) != fmt.Sprint(ids(all, e5, e11)) {
		t.Errorf("all-seeing replay starts %v, want 5 then 11", got)
	}
	// The replayed entries are handed to the worker too, before the live ones.
	var handed []string
	for _, e := range w.pending {
		handed = append(handed, e.NotificationID)
	}
	if fmt.Sprint(handed) != fmt.Sprint(want) {
		t.Errorf("handed over %v, want %v", handed, want)
	}
}

// A subscription admitted while changes are being processed gets every change after its
// creation exactly once, in order: from the history what was committed before it joined, live
// what was committed after, including changes whose fan-out started before it joined.
func TestReplayNoGapNoDuplicate(t *testing.T) {
	for round := range 20 {
		r := newReplayRig(t)
		const total, created = 1000, 300
		evs := make([]*Event, total+1)
		reached := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for rv := 1; rv <= total; rv++ {
				evs[rv] = r.change(t, rv, false)
				if rv == created+round*20 {
					close(reached)
				}
			}
		}()
		<-reached
		sub, _ := r.subscribe(t, "late", "", strconv.Itoa(created))
		<-done
		got := r.queue("late")
		want := ids(sub, evs[created+1:]...)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d: %d notifications, want %d (first %v)", round, len(got), len(want), got[:min(3, len(got))])
		}
	}
}

func TestHistoryBounds(t *testing.T) {
	h := newHistory(3, 1<<20, time.Minute)
	now := time.Now()
	at := func(rv string, age time.Duration) *Event {
		return &Event{ResourceVersion: rv, Observed: now.Add(-age)}
	}
	rvs := func(evs []*Event) string {
		var out []string
		for _, ev := range evs {
			out = append(out, ev.ResourceVersion)
		}
		return fmt.Sprint(out)
	}
	h.record(at("1", 2*time.Minute))
	h.record(at("x", 0)) // not a revision: not kept
	h.record(at("2", 0))
	h.record(at("3-gone-1", 0)) // a deletion found by a re-list at 3: placed at 3
	// 1 is too old: trimmed, so the history covers subscriptions created at 1 or later only.
	if evs, covered := h.since(0, now); rvs(evs) != "[2 3-gone-1]" || covered {
		t.Errorf("since(0) = %s, covered %v; want [2 3-gone-1], false", rvs(evs), covered)
	}
	if evs, covered := h.since(1, now); rvs(evs) != "[2 3-gone-1]" || !covered {
		t.Errorf("since(1) = %s, covered %v; want [2 3-gone-1], true", rvs(evs), covered)
	}
	// The size bound.
	h.record(at("4", 0))
	h.record(at("5", 0))
	if evs, covered := h.since(2, now); rvs(evs) != "[3-gone-1 4 5]" || !covered {
		t.Errorf("since(2) = %s, covered %v; want [3-gone-1 4 5], true", rvs(evs), covered)
	}
	h.record(at("6", 0))
	if evs, covered := h.since(2, now); rvs(evs) != "[4 5 6]" || covered {
		t.Errorf("since(2) after eviction = %s, covered %v; want [4 5 6], false", rvs(evs), covered)
	}
	// A watcher resuming after 9 (or a baseline at 9): nothing up to 9 is known.
	h.raise(9)
	if _, covered := h.since(8, now); covered {
		t.Error("since(8) after resuming at 9 claims coverage")
	}
	if evs, covered := h.since(9, now); len(evs) != 0 || !covered {
		t.Errorf("since(9) = %s, covered %v", rvs(evs), covered)
	}
}

// The history keeps changes as their recorded states, and within its byte bound: the oldest
// go first, and the history then no longer covers their resourceVersions.
func TestHistoryByteBound(t *testing.T) {
	now := time.Now()
	state := func(rv string) []byte {
		return []byte(`{"metadata":{"name":"p","namespace":"ns","resourceVersion":"` + rv + `"},"spec":{"description":"` + strings.Repeat("x", 1000) + `"}}`)
	}
	one := historyEntryOverhead + len(state("1"))
	h := newHistory(100, 2*one, time.Minute)
	for _, rv := range []string{"1", "2", "3"} {
		pool := &v1alpha1.ResourcePool{}
		pool.Name, pool.Namespace, pool.ResourceVersion = "p", "ns", rv
		h.record(&Event{Type: Create, Kind: model.KindResourcePool, Namespace: "ns", Name: "p", ResourceVersion: rv, Observed: now,
			Post: pool, postState: state(rv)})
	}
	if h.bytes != 2*one || len(h.items) != 2 {
		t.Fatalf("history holds %d changes in %d bytes, want 2 in %d", len(h.items), h.bytes, 2*one)
	}
	for _, p := range h.items {
		if p.ev.Post != nil || p.ev.Prior != nil {
			t.Fatal("the history keeps a decoded object")
		}
	}
	evs, covered := h.since(0, now)
	if covered || len(evs) != 2 {
		t.Fatalf("since(0): %d changes, covered %v; want 2, not covered", len(evs), covered)
	}
	pool, ok := evs[1].Post.(*v1alpha1.ResourcePool)
	if !ok || pool.ResourceVersion != "3" || len(pool.Spec.Description) != 1000 {
		t.Fatalf("replayed change decoded as %#v", evs[1].Post)
	}
	if _, covered := h.since(1, now); !covered {
		t.Error("since(1) is covered: only the change at 1 was dropped")
	}
}
