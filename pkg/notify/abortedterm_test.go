package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	compbasemetrics "k8s.io/component-base/metrics"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/internal/goroutines"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/test/redisserver"
)

// refuseScan is a Redis client hook that fails every SCAN (the listing of the queues that
// dropOrphanQueues does once every set has its workers) and tells scanned of the first.
type refuseScan struct{ scanned chan<- struct{} }

func (refuseScan) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h refuseScan) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if cmd.Name() != "scan" {
			return next(ctx, cmd)
		}
		select {
		case h.scanned <- struct{}{}:
		default:
		}
		err := errors.New("scan refused by the test")
		cmd.SetErr(err)
		return err
	}
}

func (refuseScan) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// TestRegressionAbortedTermLeavesNoWorkersQueuesOrDepth: a leader term that ended while it
// reconciled the subscriptions (Redis refusing, then the lease lost) returned with what it had
// started still running: the workers syncSets had started for every subscription were not
// joined (a POST could still be under way after the term), the sets' work queues were never
// shut down (their goroutines lived for the rest of the process, a few per lease flap), and
// the subscriptions' queue depths stayed in the total the queue_depth gauge is set from, so
// the next term reported each subscription's depth twice.
func TestRegressionAbortedTermLeavesNoWorkersQueuesOrDepth(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	scanned := make(chan struct{}, 1)
	rc.AddHook(refuseScan{scanned: scanned})

	sub := &v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "o2ims-system", Name: "s1", UID: "u1", ResourceVersion: "5"},
		Spec:       v1alpha1.InventorySubscriptionSpec{Callback: "http://127.0.0.1:1/cb", Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
		Status:     v1alpha1.InventorySubscriptionStatus{QueueDepth: 7},
	}
	client := fake.NewSimpleClientset(sub)
	shared, err := o2informers.New(client, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	shared.Start(ctx)
	defer shared.Shutdown()
	defer cancel()
	n, err := New(Config{Client: client, Informers: shared, Redis: rc, KeyPrefix: "t",
		Authorizer: authorizerfactory.NewAlwaysAllowAuthorizer(), SubscriptionNamespace: "o2ims-system",
		Sender: SenderConfig{Secrets: noSecrets{}}, Metrics: compbasemetrics.NewKubeRegistry()})
	if err != nil {
		t.Fatal(err)
	}

	const queueLoop = "workqueue.(*delayingType[...]).waitingLoop"
	before := len(goroutines.In(queueLoop))
	term, end := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.lead(term)
	}()
	// Every set reconciled its subscriptions (s1 has its worker) before the queues are listed;
	// the listing fails, and the lease is lost while the term waits to retry.
	<-scanned
	end()
	<-done

	if gs := goroutines.In("notify.(*worker).run"); len(gs) > 0 {
		t.Errorf("a subscription worker still runs after its term ended:\n%s", strings.Join(gs, "\n\n"))
	}
	if d := n.delivery.depth.Load(); d != 0 {
		t.Errorf("queue depth total after the term = %d, want 0: the next term would report s1's depth twice", d)
	}
	// ShutDown does not wait for a delaying queue's loop to return: wait for it, bounded.
	err = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return len(goroutines.In(queueLoop)) <= before, nil
	})
	if err != nil {
		t.Errorf("the term's subscription work queues still run after it ended: %d queue goroutines, %d before it",
			len(goroutines.In(queueLoop)), before)
	}
}
