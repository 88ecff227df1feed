package reachability

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/alarms/alarmstest"
	"github.com/netweave-io/netweave/pkg/alarms/sourceloop"
)

// TestRegressionRemovedManagerAlarmClearedAfterAFailedWrite: an unreachable member's alarm is
// raised; its condition's message changes and that write fails (Redis refusing: 503), and the
// member is unregistered before the retry. The failed report forgot which manager the name had
// reported active, so the retry found nothing to clear: the removed cluster's alarm stayed
// active until the periodic restatement (10 minutes by default), and its CLEAR came that late.
// The loop is driven by hand (syncManager per key, as the work queue would) so the order of
// the failure, the removal and the retry is fixed.
func TestRegressionRemovedManagerAlarmClearedAfterAFailedWrite(t *testing.T) {
	ctx := context.Background()
	factory := externalversions.NewSharedInformerFactory(fake.NewSimpleClientset(), 0)
	src := New(Config{Informers: factory, Namespace: namespace, Clock: clocktesting.NewFakeClock(t0.Add(time.Hour)), ResyncPeriod: time.Hour})
	sink := alarmstest.NewSink()
	r := &run{Source: src, sink: sink, loop: sourceloop.New(Name, syncKey), reported: map[string]reported{}}
	store := src.informer.GetIndexer()

	dm := manager(namespace, "edge-1", dmID, reach(metav1.ConditionFalse, t0))
	dm.UID = "uid-1"
	if err := store.Add(dm); err != nil {
		t.Fatal(err)
	}
	if err := r.syncManager(ctx, "edge-1"); err != nil {
		t.Fatal(err)
	}
	if o, ok := sink.Latest(Key(dmID)); !ok || !o.Active {
		t.Fatalf("unreachable manager not raised: %+v", o)
	}

	changed := dm.DeepCopy()
	changed.Status.Conditions[0].Message = "dial tcp: i/o timeout"
	if err := store.Update(changed); err != nil {
		t.Fatal(err)
	}
	sink.FailNext(1)
	if err := r.syncManager(ctx, "edge-1"); err == nil {
		t.Fatal("the injected failure was not returned, so the loop would not retry")
	}

	if err := store.Delete(changed); err != nil {
		t.Fatal(err)
	}
	if err := r.syncManager(ctx, "edge-1"); err != nil {
		t.Fatal(err)
	}
	if o, ok := sink.Latest(Key(dmID)); !ok || o.Active {
		t.Errorf("the alarm of the removed manager was not cleared by the retry; latest observation %+v", o)
	}
}
