package notify

import (
	"context"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionDeletedSubscriptionQueueNotResurrected: a subscription deleted while a change is
// being fanned out to it (after emit took its snapshot of the set, before the commit) has its
// queue dropped by remove, and then the commit writes the change to that queue again: a queue
// (and a qbytes field) of a subscription that no longer exists, which nothing reads and nothing
// drops until the next leader term's dropOrphanQueues.
func TestRegressionDeletedSubscriptionQueueNotResurrected(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSetFixture(t)
	store, rc := f.store, f.rc
	down := refusingCallback(t, nil)

	// The authorizer holds the first fan-out until released: the window between emit's snapshot
	// and its commit (a SubjectAccessReview takes that long in a cluster).
	inFanOut := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	authz := authorizer.AuthorizerFunc(func(context.Context, authorizer.Attributes) (authorizer.Decision, string, error) {
		once.Do(func() {
			close(inFanOut)
			<-release
		})
		return authorizer.DecisionAllow, "", nil
	})

	var mu sync.Mutex
	obj := &v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s", UID: "uid-s", ResourceVersion: "5"},
		Spec:       v1alpha1.InventorySubscriptionSpec{Callback: down.URL, Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
	}
	kind := &subscriptionKind{family: inventoryFamily, name: "InventorySubscription", queues: "finding_orphan",
		get: func(string, string) (*subscriptionObject, error) {
			mu.Lock()
			defer mu.Unlock()
			if obj == nil {
				return nil, nil
			}
			return inventorySubscription(obj), nil
		}}
	n := &Notifier{
		store:    store,
		commit:   store.Commit,
		hist:     newHistory(historySize, historyBytes, historyAge),
		delivery: f.delivery,
		vis:      newVisibility(authz, nil),
	}
	set := f.set(t, kind, authz)
	set.admit = n.admit
	set.serialize = n.serialize
	n.subs[inventoryFamily] = set
	set.sync(ctx, "ns/s")
	if set.workers["ns/s"] == nil {
		t.Fatal("no worker")
	}

	p := pool("x")
	p.Namespace, p.ResourceVersion = "ns", "8"
	ev := event(Modify, pool("w"), p)
	ev.Observed = time.Now()
	done := make(chan error, 1)
	go func() { done <- n.emit(ctx, ev, []byte("{}"), "") }()
	<-inFanOut
	// The owner deletes the subscription meanwhile.
	mu.Lock()
	obj = nil
	mu.Unlock()
	set.sync(ctx, "ns/s")
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	owners, err := store.QueueOwners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 0 {
		t.Errorf("queues after the subscription's deletion: %v, want none (an orphan queue nobody reads or drops)", owners)
	}
	if b, err := rc.HGetAll(ctx, store.bytesKey()).Result(); err != nil || len(b) != 0 {
		t.Errorf("qbytes after the subscription's deletion: %v (%v), want empty", b, err)
	}
}
