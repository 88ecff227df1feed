package notify

import (
	"context"
	"testing"

	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestLostReporter: a subscription that goes missing in the epoch it joined was deleted; one
// that joined before the store went back was lost with it, and only that one is counted.
func TestLostReporter(t *testing.T) {
	m, err := newMetrics(compbasemetrics.NewKubeRegistry())
	if err != nil {
		t.Fatal(err)
	}
	gen := uint64(3)
	r := &lostReporter{epoch: func(context.Context) (uint64, error) { return gen, nil }, metrics: m, kind: "InventorySubscription"}
	ctx := context.Background()
	deleted := newWorker(&deliveryConfig{}, compile(t, "", 1), v1alpha1.InventorySubscriptionStatus{})
	wiped := newWorker(&deliveryConfig{}, compile(t, "", 1), v1alpha1.InventorySubscriptionStatus{})
	r.joined(ctx, deleted)
	r.joined(ctx, wiped)
	r.vanished(ctx, deleted, true)
	count := func() float64 {
		v, err := testutil.GetCounterMetricValue(m.subscriptionsLost.WithLabelValues("InventorySubscription"))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if n := count(); n != 0 {
		t.Fatalf("a deletion in the same epoch counted %v lost, want 0", n)
	}
	gen++
	r.vanished(ctx, wiped, true)
	if n := count(); n != 1 {
		t.Fatalf("a subscription missing after the store went back counted %v lost, want 1", n)
	}

	// Its owner creates it again: it replays everything since the wipe, once; someone else's
	// namesake only what follows its creation.
	again := compile(t, "", 1)
	if from := r.replayFrom(again, "7"); from != "0" {
		t.Errorf("re-created subscription replays from %q, want 0", from)
	}
	if from := r.replayFrom(again, "8"); from != "8" {
		t.Errorf("second re-creation replays from %q, want its own resourceVersion", from)
	}
	r.vanished(ctx, wiped, true)
	other := compile(t, "", 1)
	other.Subscriber = nil
	if from := r.replayFrom(other, "9"); from != "9" {
		t.Errorf("another owner's namesake replays from %q, want its own resourceVersion", from)
	}
}
