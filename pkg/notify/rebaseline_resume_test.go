package notify

import (
	"context"
	"sort"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/test/redisserver"
)

// goingBack is a storeEmitter whose store may go back: a rollback noticed starts a new epoch.
type goingBack struct{ *storeEmitter }

func (e goingBack) wentBack(context.Context) (uint64, error) {
	e.gen++
	return e.gen, nil
}

// TestRegressionInterruptedRebaselineTellsTheRestOnce: a leader that stopped in the middle of a
// re-baseline (the lease lost) had told some of the differences and committed their states,
// and nothing else of what it held in memory. Its successor could not finish it: after a wipe
// it found no cursor and took the list as a fresh baseline, and after a rollback it found the
// replica's cursor and took the replica's states, partly overwritten by the told changes, for
// what the notifier last processed. Either way the deletions the stopped leader had not told
// yet were never told (the subscriptions kept objects that no longer exist), and after a
// rollback what the replica had of an object stood for what the subscriptions were told of it.
// Each difference is now told once, by one leader or the other.
func TestRegressionInterruptedRebaselineTellsTheRestOnce(t *testing.T) {
	encode := func(t *testing.T, p *v1alpha1.ResourcePool) string {
		t.Helper()
		b, err := encodeState(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct {
		name string
		// after is what the store holds once it went back.
		after func(t *testing.T, ctx context.Context, rc *goredis.Client, store *Store)
		// listed is the inventory then: a as it was and b changed; y and z are gone.
		listed []*v1alpha1.ResourcePool
	}{
		{"wipe", func(t *testing.T, ctx context.Context, rc *goredis.Client, _ *Store) {
			if err := rc.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}, []*v1alpha1.ResourcePool{poolAt("a", "a2", "2", "same"), poolAt("b", "b2", "3", "new")}},
		{"rollback", func(t *testing.T, ctx context.Context, rc *goredis.Client, store *Store) {
			// A failover to a replica that lagged at 11: it has a and b as they were then,
			// and the cursor 11.
			if err := rc.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if err := store.Baseline(ctx, string(model.KindResourcePool), map[string]any{
				"ns/a": encode(t, poolAt("a", "a", "10", "same")), "ns/b": encode(t, poolAt("b", "b", "11", "old")),
			}, "11"); err != nil {
				t.Fatal(err)
			}
		}, []*v1alpha1.ResourcePool{poolAt("a", "a", "10", "same"), poolAt("b", "b", "12", "new")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			srv := redisserver.Start(t)
			rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
			defer rc.Close()
			store := NewStore(rc, "t")

			// The first leader told a, b (modified since), y and z.
			first := &storeEmitter{store: store}
			w1 := newWatcher(kindSource{kind: model.KindResourcePool}, store, first, Backoff{})
			for _, p := range []*v1alpha1.ResourcePool{poolAt("a", "a", "10", "same"), poolAt("b", "b", "11", "old"),
				poolAt("b", "b", "13", "mid"), poolAt("y", "y", "14", "x"), poolAt("z", "z", "15", "x")} {
				if err := w1.changed(ctx, p, true); err != nil {
					t.Fatal(err)
				}
			}
			c.after(t, ctx, rc, store)
			listed := c.listed
			items := []runtime.Object{listed[0], listed[1]}
			// The re-baseline tells b's MODIFY and y's DELETE, then the lease is lost.
			first.events, first.failAt, first.n = nil, 3, 0
			if err := w1.rebaseline(ctx, items, "14"); err == nil {
				t.Fatal("the interrupted re-baseline did not fail")
			}

			// The next leader lists (the cursor it finds, if any, is not one to watch from).
			next := &storeEmitter{store: store}
			w2 := newWatcher(listSource(t, "15", listed...), store, goingBack{next}, Backoff{})
			if err := w2.load(ctx); err != nil {
				t.Fatal(err)
			}
			if err := w2.relist(ctx); err != nil {
				t.Fatal(err)
			}
			var told []string
			for _, ev := range append(first.events, next.events...) {
				told = append(told, ev.Type.String()+" "+ev.Name)
			}
			sort.Strings(told)
			if got, want := strings.Join(told, ", "), "DELETE y, DELETE z, MODIFY b"; got != want {
				t.Errorf("told over both leaders: %s; want %s, each once", got, want)
			}
		})
	}
}
