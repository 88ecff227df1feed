package notify

import (
	"context"
	"fmt"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/test/redisserver"
)

// rigEmitter is a replayRig's Notifier as a watcher's emitter, in a store whose epoch never
// changes; it records what it emits.
type rigEmitter struct {
	*Notifier
	events []*Event
}

func (e *rigEmitter) emit(ctx context.Context, ev *Event, state []byte, cursor string) error {
	if err := e.Notifier.emit(ctx, ev, state, cursor); err != nil {
		return err
	}
	e.events = append(e.events, ev)
	return nil
}

func (e *rigEmitter) epoch(context.Context) (uint64, error) { return 0, nil }

// relistRig is a watcher of resource pools that has processed pools (as its watch did) and
// whose next list answers listed at listRV, feeding a replayRig.
func relistRig(t *testing.T, processed []*v1alpha1.ResourcePool, listRV string, listed ...*v1alpha1.ResourcePool) (*replayRig, *rigEmitter, *watcher) {
	t.Helper()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rc.Close() })
	r := newReplayRig(t)
	out := &rigEmitter{Notifier: r.n}
	w := newWatcher(listSource(t, listRV, listed...), NewStore(rc, "t"), out, Backoff{})
	for _, p := range processed {
		if err := w.changed(context.Background(), p, true); err != nil {
			t.Fatal(err)
		}
	}
	out.events = nil
	return r, out, w
}

// TestRegressionRelistDeletionReachesLateSubscription: a pool recorded at 5 was deleted while
// the kind's watch was down (410 Gone), after a subscription was created at 8, and the re-list
// at 10 found it missing. Its DELETE was placed at 5, the pool's last recorded state, so the
// subscription, which the notifier learned of after the re-list, had it not replayed (5 is
// before its creation) and was not sent it live either: the SMO, which listed the pool when it
// subscribed, kept it for ever. A deletion found by a re-list happened before the list, at a
// revision the notifier does not know but after the state it recorded: it is placed at the
// list, so every subscription created before the list receives it.
func TestRegressionRelistDeletionReachesLateSubscription(t *testing.T) {
	ctx := context.Background()
	r, out, w := relistRig(t, []*v1alpha1.ResourcePool{poolAt("p", "a", "5", "x")}, "10")
	if err := w.relist(ctx); err != nil {
		t.Fatal(err)
	}
	if len(out.events) != 1 || out.events[0].Type != Delete {
		t.Fatalf("the re-list told %d changes, want one DELETE", len(out.events))
	}
	del := out.events[0]
	gap, _ := r.subscribe(t, "gap", "", "8")
	after, _ := r.subscribe(t, "after", "", "11")
	if got, want := r.queue(gap.UID), ids(gap, del); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("subscription created at 8 was sent %v, want the DELETE %v (told at resourceVersion %s)", got, want, del.ResourceVersion)
	}
	if got := r.queue(after.UID); len(got) != 0 {
		t.Errorf("subscription created after the list was sent %v, want nothing: its list did not show the pool", got)
	}
}

// TestRegressionRelistReplacementReachesLateSubscription: a pool recorded at 5 was deleted at 9
// and a namesake created at 11 while the watch was down; a subscription was created at 8. The
// re-list told the replaced pool's DELETE at 5, before the subscription, so a subscription the
// notifier learned of after the re-list was replayed the namesake's CREATE only, and the SMO
// kept the replaced pool (another O2 id) for ever. The DELETE is now placed at the namesake's
// resourceVersion, which the deletion preceded.
func TestRegressionRelistReplacementReachesLateSubscription(t *testing.T) {
	ctx := context.Background()
	namesake := poolAt("p", "b", "11", "y")
	namesake.Spec.ResourcePoolID = "id-p-again"
	r, out, w := relistRig(t, []*v1alpha1.ResourcePool{poolAt("p", "a", "5", "x")}, "13", namesake)
	if err := w.relist(ctx); err != nil {
		t.Fatal(err)
	}
	if len(out.events) != 2 || out.events[0].Type != Delete || out.events[1].Type != Create {
		t.Fatalf("the re-list told %d changes, want the DELETE of the replaced pool and the CREATE of its namesake", len(out.events))
	}
	gap, _ := r.subscribe(t, "gap", "", "8")
	after, _ := r.subscribe(t, "after", "", "12")
	if got, want := r.queue(gap.UID), ids(gap, out.events...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("subscription created at 8 was sent %v, want DELETE then CREATE %v (DELETE told at resourceVersion %s)", got, want, out.events[0].ResourceVersion)
	}
	if got := r.queue(after.UID); len(got) != 0 {
		t.Errorf("subscription created after the namesake was sent %v, want nothing: its list showed the namesake only", got)
	}
}
