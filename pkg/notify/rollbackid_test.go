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

// TestRegressionLiveChangeAfterRollbackGetsItsOwnID: after a rollback (a failover to a replica
// that lacked the last writes) the revision counter makes the discarded resourceVersions
// again. A live change of an object at a resourceVersion whose discarded change was notified
// before, with other content, was notified under that earlier change's notificationId: a
// receiver deduplicating by notificationId dropped it, and kept the discarded content.
func TestRegressionLiveChangeAfterRollbackGetsItsOwnID(t *testing.T) {
	ctx := context.Background()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t")
	out := &storeEmitter{store: store}
	w := newWatcher(kindSource{kind: model.KindResourcePool}, store, out, Backoff{})
	for _, p := range []*v1alpha1.ResourcePool{poolAt("p", "a", "10", "c0"), poolAt("p", "a", "11", "c1")} {
		if err := w.changed(ctx, p, true); err != nil {
			t.Fatal(err)
		}
	}
	discarded := out.events[len(out.events)-1]
	// The replica stopped at 10: p is back at c0. The notifier notices (a new epoch) and the
	// re-baseline tells it.
	if err := store.NewEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.rebaseline(ctx, []runtime.Object{poolAt("p", "a", "10", "c0")}, "10"); err != nil {
		t.Fatal(err)
	}
	// Then p changes again, to other content, at the resourceVersion made again.
	if err := w.changed(ctx, poolAt("p", "a", "11", "c2"), true); err != nil {
		t.Fatal(err)
	}
	live := out.events[len(out.events)-1]
	if live.Type != Modify || live.ResourceVersion != "11" {
		t.Fatalf("last event %s at %s, want the MODIFY at 11", live.Type, live.ResourceVersion)
	}
	if NotificationID("sub", live) == NotificationID("sub", discarded) {
		t.Error("the MODIFY to c2 after the rollback has the notificationId of the discarded MODIFY to c1")
	}
}
