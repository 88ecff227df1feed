package notify

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/test/redisserver"
)

// refuseBaselines is a Redis client hook that, while on, fails every transaction recording a
// kind's list as its baseline (Store.Baseline with a cursor other than rebaselinePending).
type refuseBaselines struct{ on *atomic.Bool }

func (refuseBaselines) DialHook(next goredis.DialHook) goredis.DialHook          { return next }
func (refuseBaselines) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook { return next }

func (h refuseBaselines) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if !h.on.Load() {
			return next(ctx, cmds)
		}
		for _, c := range cmds {
			if args := c.Args(); c.Name() == "set" && len(args) >= 3 && fmt.Sprint(args[2]) != rebaselinePending {
				err := errors.New("baseline refused by the test")
				for _, c := range cmds {
					c.SetErr(err)
				}
				return err
			}
		}
		return next(ctx, cmds)
	}
}

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
	// The baseline write fails; the re-baseline's first write, which records that it began,
	// and its changes land.
	refuse := refuseBaselines{on: new(atomic.Bool)}
	rc.AddHook(refuse)

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
	refuse.on.Store(true)
	if err := w.rebaseline(ctx, items, "6"); err == nil {
		t.Fatal("the re-baseline did not fail on its baseline write")
	}
	told := len(em.events)
	if told != 2 {
		t.Fatalf("first re-baseline told %d changes, want 2 (MODIFY changed, DELETE vanished)", told)
	}

	// Redis answers again; the watcher re-lists, the inventory sync having written elsewhere.
	refuse.on.Store(false)
	if err := w.rebaseline(ctx, items, "9"); err != nil {
		t.Fatal(err)
	}
	for _, ev := range em.events[told:] {
		t.Errorf("retried re-baseline told %s %s again (resourceVersion %q, rebaseline %q): a new notificationId for a change already sent",
			ev.Type, ev.Name, ev.ResourceVersion, ev.Rebaseline)
	}
}
