package notify

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionUnreadableRecordedStateDoesNotStallTheKind: one recorded state in Redis the notifier
// cannot read (not JSON, or JSON whose fields do not decode as the kind's object: a hand edit, a
// key written by something else under the prefix, a type changed by an upgrade) stopped every
// notification of the kind for good: load failed on it at every start, or the next change of
// that object failed on its prior state, the watcher went back to its cursor and failed on the
// same change again, forever, logged at -v=2 only. Now such a state is skipped (logged as an
// error): the object's next change is told without a prior state, and the kind goes on.
func TestRegressionUnreadableRecordedStateDoesNotStallTheKind(t *testing.T) {
	ctx := context.Background()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t")
	stateKey := store.stateKey(string(model.KindResourcePool))

	seed := func(t *testing.T, states map[string]string) {
		t.Helper()
		if err := rc.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		good, err := encodeState(poolAt("good", "g", "5", "x"))
		if err != nil {
			t.Fatal(err)
		}
		if err := rc.HSet(ctx, stateKey, "ns/good", good).Err(); err != nil {
			t.Fatal(err)
		}
		for k, v := range states {
			if err := rc.HSet(ctx, stateKey, k, v).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := store.SetCursor(ctx, string(model.KindResourcePool), "7"); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("not JSON", func(t *testing.T) {
		seed(t, map[string]string{"ns/bad": "\x00garbage"})
		em := &storeEmitter{store: store}
		w := newWatcher(kindSource{kind: model.KindResourcePool}, store, em, Backoff{})
		if err := w.load(ctx); err != nil {
			t.Fatalf("load: %v: no notification of the kind is ever sent again", err)
		}
		if err := w.changed(ctx, poolAt("good", "g", "8", "y"), true); err != nil {
			t.Fatal(err)
		}
		if len(em.events) != 1 || em.events[0].Type != Modify {
			t.Errorf("events after load: %+v, want the MODIFY of the readable pool", em.events)
		}
	})

	t.Run("fields of the wrong type", func(t *testing.T) {
		seed(t, map[string]string{"ns/bad": `{"metadata":{"namespace":"ns","name":"bad","uid":"uid-b","resourceVersion":"6"},"spec":"not an object"}`})
		em := &storeEmitter{store: store}
		w := newWatcher(kindSource{kind: model.KindResourcePool}, store, em, Backoff{})
		if err := w.load(ctx); err != nil {
			t.Fatal(err)
		}
		// The watch's next event is a change of that pool; it fails each time it is handled.
		if err := w.changed(ctx, poolAt("bad", "b", "8", "y"), true); err != nil {
			t.Fatalf("change of the pool with an unreadable recorded state: %v: the watcher resumes from its cursor, meets it again, and the kind stalls", err)
		}
		if err := w.changed(ctx, poolAt("good", "g", "9", "y"), true); err != nil {
			t.Fatal(err)
		}
		if len(em.events) != 2 || em.events[0].Name != "bad" || em.events[1].Name != "good" {
			t.Errorf("events: %+v, want a change of bad then of good", em.events)
		}
	})
}
