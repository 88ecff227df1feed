// Package sourceloop is the work loop of an alarm source: keys queued by informer events and by
// a periodic restatement are handled one at a time, failures retried with rate-limited backoff
// (the client-go sample-controller pattern).
package sourceloop

import (
	"context"
	"time"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/netweave-io/netweave/pkg/requeue"
)

// Loop queues keys for one run of a source. It is made per Source.Run, since a queue that was
// shut down cannot be used again and a source runs again each time its replica is re-elected.
type Loop struct {
	name  string
	queue workqueue.TypedRateLimitingInterface[string]
}

// New returns the loop of the source name.
func New(name string) *Loop {
	return &Loop{
		name: name,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			requeue.RateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "alarms-" + name}),
	}
}

// Add queues key; a key queued twice before it is handled is handled once.
func (l *Loop) Add(key string) { l.queue.Add(key) }

// Run queues periodicKey now and then every period on clk, and handles keys until ctx is done.
// One key is handled at a time: a source's restatement of all its faults must not race with
// its report of one of them, or the older view could clear a newer alarm.
func (l *Loop) Run(ctx context.Context, clk clock.WithTicker, period time.Duration, periodicKey string, handle func(context.Context, string) error) {
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
				l.queue.Add(periodicKey)
			}
		}
	}()
	l.queue.Add(periodicKey)
	for l.next(ctx, handle) {
	}
}

func (l *Loop) next(ctx context.Context, handle func(context.Context, string) error) bool {
	key, quit := l.queue.Get()
	if quit {
		return false
	}
	defer l.queue.Done(key)
	err := handle(ctx, key)
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
