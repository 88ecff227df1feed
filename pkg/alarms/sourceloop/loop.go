// Package sourceloop is the work loop of an alarm source: keys queued by informer events and by
// a periodic restatement are handled one at a time, failures retried with rate-limited backoff
// (the client-go sample-controller pattern).
package sourceloop

import (
	"context"
	"sync/atomic"
	"time"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/netweave-io/netweave/pkg/requeue"
)

// Loop queues keys for one run of a source. It is made per Source.Run, since a queue that was
// shut down cannot be used again and a source runs again each time its replica is re-elected.
type Loop struct {
	name string
	// periodicKey is the key that restates all of the source's faults.
	periodicKey string
	queue       workqueue.TypedRateLimitingInterface[string]
}

// New returns the loop of the source name, whose key periodicKey restates all its faults.
func New(name, periodicKey string) *Loop {
	return &Loop{
		name:        name,
		periodicKey: periodicKey,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			requeue.RateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "alarms-" + name}),
	}
}

// Add queues key; a key queued twice before it is handled is handled once.
func (l *Loop) Add(key string) { l.queue.Add(key) }

// Restate queues the restatement of all the source's faults.
func (l *Loop) Restate() { l.queue.Add(l.periodicKey) }

// Run queues the periodic key now and then every period on clk, and handles keys until ctx is
// done. One key is handled at a time: a source's restatement of all its faults must not race
// with its report of one of them, or the older view could clear a newer alarm.
func (l *Loop) Run(ctx context.Context, clk clock.WithTicker, period time.Duration, handle func(context.Context, string) error) {
	logger := klog.FromContext(ctx).WithValues("source", l.name)
	ctx = klog.NewContext(ctx, logger)
	ticker := clk.NewTicker(period)
	go func() {
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				l.queue.ShutDown()
				return
			case <-ticker.C():
				l.Restate()
			}
		}
	}()
	l.Restate()
	for l.next(ctx, handle) {
	}
}

func (l *Loop) next(ctx context.Context, handle func(context.Context, string) error) bool {
	key, quit := l.queue.Get()
	if quit {
		return false
	}
	defer l.queue.Done(key)
	err := requeue.Recovered(ctx, func() error { return handle(ctx, key) })
	if err == nil {
		l.queue.Forget(key)
		return true
	}
	if ctx.Err() != nil {
		return true
	}
	klog.FromContext(ctx).Error(err, "Reporting alarms failed; retrying with backoff", "key", key, "retries", l.queue.NumRequeues(key))
	l.queue.AddRateLimited(key)
	return true
}

// Running is the loop of a source's current run, if one is on, so that a restatement can be
// asked for from outside the run (alarms.Source.Restate). The zero value has none.
type Running struct {
	loop atomic.Pointer[Loop]
}

// Set makes l the running loop until the returned function is called.
func (r *Running) Set(l *Loop) (unset func()) {
	r.loop.Store(l)
	return func() { r.loop.CompareAndSwap(l, nil) }
}

// Restate queues a restatement on the running loop; nothing when no run is on (the next run
// restates when it starts).
func (r *Running) Restate() {
	if l := r.loop.Load(); l != nil {
		l.Restate()
	}
}
