package notify

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// deliveryConfig is what every worker shares.
type deliveryConfig struct {
	store   *Store
	sender  *Sender
	metrics *metrics
	backoff Backoff
	// maxAge drops notifications older than this undelivered (0 keeps them forever).
	maxAge time.Duration
	// batch is how many queued notifications a worker reads at once.
	batch int64
	// idlePoll is how often an idle worker looks at its queue without being woken.
	idlePoll time.Duration
	// changed tells the status writer that a subscription's delivery state moved.
	changed func(key string)
}

// stats is a subscription's delivery state, published to its status.
type stats struct {
	mu      sync.Mutex
	st      v1alpha1.InventorySubscriptionStatus
	retired bool
}

func (s *stats) snapshot() v1alpha1.InventorySubscriptionStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.st.DeepCopy()
}

func (s *stats) success(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := metav1.NewTime(now)
	s.st.LastSuccessTime = &t
	s.st.ConsecutiveFailures = 0
	s.st.Delivered++
}

func (s *stats) failure(now time.Time, err error) int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := metav1.NewTime(now)
	s.st.LastFailureTime = &t
	msg := err.Error()
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	s.st.LastError = msg
	s.st.ConsecutiveFailures++
	return s.st.ConsecutiveFailures
}

// setDepth records the queue depth and returns how much it changed; once the subscription is
// retired (its depth taken out of the total) it records nothing more and returns 0.
func (s *stats) setDepth(d int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retired {
		return 0
	}
	delta := d - s.st.QueueDepth
	s.st.QueueDepth = d
	return delta
}

// retire stops depth accounting and returns the last depth, to take out of the total.
func (s *stats) retire() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retired {
		return 0
	}
	s.retired = true
	return s.st.QueueDepth
}

// worker delivers one subscription's queue, in order, one notification at a time.
type worker struct {
	cfg   *deliveryConfig
	sub   atomic.Pointer[Subscription]
	stats *stats
	wake  chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
}

func newWorker(cfg *deliveryConfig, sub *Subscription, initial v1alpha1.InventorySubscriptionStatus) *worker {
	w := &worker{cfg: cfg, stats: &stats{st: initial}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.sub.Store(sub)
	return w
}

// poke wakes the worker when something was queued.
func (w *worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *worker) start(ctx context.Context) {
	ctx, w.stop = context.WithCancel(ctx)
	go func() {
		defer close(w.done)
		w.run(ctx)
	}()
}

// halt stops the worker and waits for it.
func (w *worker) halt() {
	w.stop()
	<-w.done
}

func (w *worker) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		sub := w.sub.Load()
		entries, err := w.cfg.store.Head(ctx, sub.UID, w.cfg.batch)
		if err != nil {
			failures++
			klog.V(2).InfoS("Notification queue unreadable", "subscription", sub.Key(), "err", err)
			w.wait(ctx, w.cfg.backoff.Delay(failures, nil), false)
			continue
		}
		failures = 0
		if len(entries) == 0 {
			w.wait(ctx, w.cfg.idlePoll, true)
			continue
		}
		for _, e := range entries {
			if !w.deliver(ctx, e) {
				break
			}
		}
		if int64(len(entries)) < w.cfg.batch {
			// The queue held no more than these: anything queued since has poked the worker
			// (a commit pokes after it lands), so wait for that instead of reading an empty
			// queue again.
			w.wait(ctx, w.cfg.idlePoll, true)
		}
	}
}

// deliver POSTs e until it is accepted or expires; false means the worker is stopping.
func (w *worker) deliver(ctx context.Context, e Entry) bool {
	for attempt := 0; ; attempt++ {
		sub := w.sub.Load()
		if w.cfg.maxAge > 0 && !e.Observed.IsZero() && time.Since(e.Observed) > w.cfg.maxAge {
			klog.InfoS("Notification expired undelivered", "subscription", sub.Key(), "notificationId", e.NotificationID, "age", time.Since(e.Observed))
			w.cfg.metrics.expired.Inc()
			return w.ack(ctx, sub, e)
		}
		err := w.cfg.sender.Send(ctx, sub, e)
		if ctx.Err() != nil {
			return false
		}
		if err == nil {
			w.cfg.metrics.attempts.WithLabelValues("success").Inc()
			if !e.Observed.IsZero() {
				w.cfg.metrics.latency.Observe(time.Since(e.Observed).Seconds())
			}
			w.stats.success(time.Now())
			w.cfg.changed(sub.Key())
			return w.ack(ctx, sub, e)
		}
		w.cfg.metrics.attempts.WithLabelValues("failure").Inc()
		n := w.stats.failure(time.Now(), err)
		w.cfg.changed(sub.Key())
		klog.V(2).InfoS("Notification POST failed", "subscription", sub.Key(), "notificationId", e.NotificationID, "consecutiveFailures", n, "err", err)
		if !w.wait(ctx, w.cfg.backoff.Delay(int(n), nil), false) {
			return false
		}
	}
}

// ack removes e from the queue, retrying while Redis is unavailable.
func (w *worker) ack(ctx context.Context, sub *Subscription, e Entry) bool {
	for failures := 1; ; failures++ {
		err := w.cfg.store.Ack(ctx, sub.UID, e.StreamID)
		if err == nil {
			return true
		}
		klog.V(2).InfoS("Could not remove a delivered notification", "subscription", sub.Key(), "err", err)
		if !w.wait(ctx, w.cfg.backoff.Delay(failures, nil), false) {
			return false
		}
	}
}

// wait sleeps for d or until ctx ends; wakeable waits also end on poke. It reports whether the
// worker should go on.
func (w *worker) wait(ctx context.Context, d time.Duration, wakeable bool) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	var wake <-chan struct{}
	if wakeable {
		wake = w.wake
	}
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}
