package notify

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionRebaselineRetryDoesNotTellAgain: a re-baseline tells its differences (each
// committed, with its notification, as it goes) and then records the list as the kind's
// baseline. When that last write fails (Redis answering again after a restart, and failing
// once more), the watcher re-lists and re-baselines, comparing the new list with the state in
// memory, which the told changes had not touched: every difference was told again, under new
// notificationIds (they carry the list's resourceVersion, which the inventory sync's writes
// moved meanwhile), so receivers could not drop them as duplicates.
func TestRegressionRebaselineRetryDoesNotTellAgain(t *testing.T) {
	ctx := context.Background()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t")
	// A client whose server is gone: the baseline write fails.
	dead := redisserver.Start(t)
	dc := goredis.NewClient(&goredis.Options{Addr: dead.Addr(), MaxRetries: -1})
	defer dc.Close()
	dead.Stop()

	em := &storeEmitter{store: store}
	w := newWatcher(kindSource{kind: model.KindResourcePool}, store, em, Backoff{})
	for _, p := range []*v1alpha1.ResourcePool{poolAt("changed", "b", "41", "old"), poolAt("vanished", "a", "40", "x")} {
		if err := w.changed(ctx, p, true); err != nil {
			t.Fatal(err)
		}
	}
	em.events = nil

	// The store was wiped; the inventory sync re-created "changed" with other content.
	items := []runtime.Object{poolAt("changed", "b2", "4", "new")}
	w.store = NewStore(dc, "t")
	if err := w.rebaseline(ctx, items, "6"); err == nil {
		t.Fatal("the re-baseline did not fail on its baseline write")
	}
	told := len(em.events)
	if told != 2 {
		t.Fatalf("first re-baseline told %d changes, want 2 (MODIFY changed, DELETE vanished)", told)
	}

	// Redis answers again; the watcher re-lists, the inventory sync having written elsewhere.
	w.store = store
	if err := w.rebaseline(ctx, items, "9"); err != nil {
		t.Fatal(err)
	}
	for _, ev := range em.events[told:] {
		t.Errorf("retried re-baseline told %s %s again (resourceVersion %q, rebaseline %q): a new notificationId for a change already sent",
			ev.Type, ev.Name, ev.ResourceVersion, ev.Rebaseline)
	}
}
