package notify

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
)

// failDropOnce is a go-redis hook that fails the first run of the queue-drop script with err:
// the Redis error (a failover, a LOADING replica, a connection reset) that a Drop meets
// between the subscription's deletion and the end of the term.
type failDropOnce struct {
	armed atomic.Bool
	err   error
}

func (h *failDropOnce) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h *failDropOnce) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		args := cmd.Args()
		// Script.Run sends EVALSHA first, and EVAL only after a NOSCRIPT, which this is not.
		if len(args) > 1 && cmd.Name() == "evalsha" && args[1] == dropScript.Hash() && h.armed.CompareAndSwap(true, false) {
			cmd.SetErr(h.err)
			return h.err
		}
		return next(ctx, cmd)
	}
}

func (h *failDropOnce) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// TestRegressionDeletedSubscriptionQueueDropRetried: deleting a subscription drops its queue
// once; when Redis refused that one Drop (a failover, a restart still loading, a connection
// cut), the error was logged and nothing tried again: the queue (up to --notifier-queue-bytes)
// and its byte count stayed in Redis, read by nobody, until the next leader term swept orphans,
// which with a healthy leader may be months.
func TestRegressionDeletedSubscriptionQueueDropRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSetFixture(t)
	hook := &failDropOnce{err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}}
	f.rc.AddHook(hook)
	stored := newStoredSubscriptions(unansweredSubscription("ns", "s"))
	set := f.set(t, stored.kind("finding_drop_retry"), authorizerfactory.NewAlwaysAllowAuthorizer())
	set.sync(ctx, "ns/s")
	if set.workers["ns/s"] == nil {
		t.Fatal("no worker")
	}
	if _, err := f.store.Commit(ctx, Change{Kind: "x", Items: []Item{{SubscriptionUID: "uid-s", NotificationID: "n1", Body: []byte(`{}`), Observed: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); set.run(runCtx) }()
	defer func() { stop(); <-done }()

	// The owner deletes it; the one Drop its deletion makes fails.
	hook.armed.Store(true)
	stored.remove("s")
	set.noteDeleted("ns/s", "uid-s")
	set.syncs.Add("ns/s")

	// The set's own queue must bring the drop about again (backoff from 5 ms), within the
	// term, without a new leader's orphan sweep.
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 5*time.Second, true, func(ctx context.Context) (bool, error) {
		n, err := f.rc.Exists(ctx, f.store.queueKey("uid-s")).Result()
		return err == nil && n == 0 && !hook.armed.Load(), nil
	})
	if hook.armed.Load() {
		t.Fatal("the drop was never attempted: the test does not reproduce a failed drop")
	}
	if err != nil {
		d, _ := f.store.Depth(ctx, "uid-s")
		t.Errorf("the deleted subscription's queue still holds %d notifications after its failed drop: nothing dropped it again", d)
	}
	if ok, err := f.rc.HExists(ctx, f.store.bytesKey(), "uid-s").Result(); err != nil || ok {
		t.Errorf("the deleted subscription's byte count is still recorded (%v, %v)", ok, err)
	}
}
