package notify

import (
	"context"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// deliveryConfig is what every worker shares.
type deliveryConfig struct {
	// dropLines bounds the lines all subscriptions' drops write to the log (logDrop).
	dropLines *rate.Limiter
	store     *Store
	sender    *Sender
	metrics   *metrics
	// backoff spaces the POSTs of a notification its callback refused.
	backoff Backoff
	// storeRetry spaces the reads of a queue Redis did not answer: short, because a Redis
	// outage is not the callback's, and the first read after it delivers what waited.
	storeRetry Backoff
	// maxAge drops notifications older than this undelivered (0 keeps them forever).
	maxAge time.Duration
	// batch is how many queued notifications a worker reads at once.
	batch int64
	// idlePoll is how often an idle worker looks at its queue without being woken.
	idlePoll time.Duration
	// acks removes delivered notifications from the queues.
	acks *acker
	// shares splits QueueLimits.NamespaceBytes among the served subscriptions of every kind.
	shares *queueShares
	// depth is the queue depth over all workers of every kind, as their stats last recorded
	// it.
	depth *atomic.Int64
	// changed tells the status writer that a subscription's delivery state moved; urgent for
	// failures, which are published sooner than progress.
	changed func(key string, urgent bool)
	// visible asks again, before each attempt, whether the subscription's owner may get the
	// changed object (the notifier's visibility, cached like the check made when the change
	// was queued); nil delivers without asking. It fails only when ctx ends.
	visible func(ctx context.Context, sub *Subscription, kind, namespace string) (bool, error)
	// related asks again, before each attempt, whether the owner may still list the objects
	// whose ids a queued document lists (visibility.relatedAccess): ids queued while it could
	// are taken out of the body once it no longer may. nil sends the body as queued.
	related func(ctx context.Context, sub *Subscription, kind model.Kind, namespace string) (access, error)
}

// stats is a subscription's delivery state, published to its status.
type stats struct {
	mu      sync.Mutex
	st      v1alpha1.InventorySubscriptionStatus
	retired bool
	// note is what lastError says while no delivery fails: a filter that is not applied.
	note string
	// droppedLogged is when a drop of this subscription was last logged at the default
	// verbosity, unlogged how many were dropped since (logDrop).
	droppedLogged time.Time
	unlogged      int64
}

// dropLogInterval is how often at most a subscription's dropped notifications are logged at
// the default verbosity. A queue at its bound drops one for every change its subscription
// matches, and a tenant may hold a thousand subscriptions of a kind whose callbacks do not
// answer: a line per drop was a thousand lines per change. The counts are in status.dropped
// and netweave_notifier_dropped_total; the log says which subscriptions drop, and how many.
const dropLogInterval = time.Minute

// Drop lines of all subscriptions together: at most dropLinesBurst at once, then one per
// dropLinesEvery. The interval per subscription alone still let a tenant holding its
// namespace's 1,000 subscriptions of each of four kinds, their callbacks dead, write 4,000
// lines a minute into the operator's log; a subscription refused a line keeps its count for
// its next one.
const (
	dropLinesEvery = time.Second
	dropLinesBurst = 20
)

func newDropLines() *rate.Limiter { return rate.NewLimiter(rate.Every(dropLinesEvery), dropLinesBurst) }

// logDrop records n notifications dropped at now for the log. It reports whether a line is to
// be written now (the first drop, or the first after dropLogInterval since the last line, if
// lines, shared by all subscriptions, allows one) and how many were dropped since the last
// line, n included.
func (s *stats) logDrop(now time.Time, n int64, lines *rate.Limiter) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unlogged += n
	if !s.droppedLogged.IsZero() && now.Sub(s.droppedLogged) < dropLogInterval {
		return 0, false
	}
	if lines != nil && !lines.AllowN(now, 1) {
		return 0, false
	}
	total := s.unlogged
	s.droppedLogged, s.unlogged = now, 0
	return total, true
}

// setNote records the subscription's note and reports whether the status changed. While
// deliveries fail lastError is the failure's; the note shows again once they succeed.
func (s *stats) setNote(note string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.note
	s.note = note
	switch {
	case note == prev, s.st.ConsecutiveFailures > 0:
		return false
	case note == "" && s.st.LastError != prev:
		// A withdrawn note clears only the lastError it wrote.
		return false
	}
	s.st.LastError = note
	return true
}

func (s *stats) snapshot() v1alpha1.InventorySubscriptionStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.st.DeepCopy()
}

// success records a delivery and reports whether it ended a run of failures.
func (s *stats) success(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	recovered := s.st.ConsecutiveFailures > 0
	t := metav1.NewTime(now)
	s.st.LastSuccessTime = &t
	s.st.ConsecutiveFailures = 0
	s.st.Delivered++
	if recovered && s.note != "" {
		s.st.LastError = s.note
	}
	return recovered
}

// failure records a failed delivery. The status carries only the failure's class
// (FailureClass): it is read by tenants, and raw dial errors would map their networks.
func (s *stats) failure(now time.Time, err error) int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := metav1.NewTime(now)
	s.st.LastFailureTime = &t
	s.st.LastError = FailureClass(err)
	// The count starts from the status the subscription has, which whoever may write its
	// status subresource sets (validation only refuses negative counts): from MaxInt32 it
	// wrapped to a negative count, for which the backoff is no wait at all, and a failing
	// callback was POSTed to as fast as it answered, two billion times. It stays at the top.
	if s.st.ConsecutiveFailures < math.MaxInt32 {
		s.st.ConsecutiveFailures++
	}
	return s.st.ConsecutiveFailures
}

// dropped records n notifications discarded undelivered (expired, evicted from a full queue,
// refused as too large or revoked) and reports whether the callback is failing (its last POST
// failed) as they are.
func (s *stats) dropped(n int64) (callbackFailing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Dropped += n
	return s.st.ConsecutiveFailures > 0
}

// countDropped counts n notifications of the worker's subscription dropped for reason, in its
// status and in netweave_notifier_dropped_total.
func (w *worker) countDropped(reason string, n int64) {
	failing := w.stats.dropped(n)
	w.cfg.metrics.dropped.WithLabelValues(reason, callbackState(failing)).Add(float64(n))
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

// maxPending and maxPendingBytes bound the notifications a worker holds in memory (their
// count, and the bytes of their bodies); past either the worker drops them and reads its queue
// from Redis again, where they are.
const (
	maxPending      = 1024
	maxPendingBytes = 1 << 20
)

// worker delivers one subscription's queue, in order, one notification at a time.
//
// Redis is the source of truth; memory only spares reads. A commit hands the entries it queued
// to their workers (handoff) after it landed, in commit order. A worker that read its queue
// from Redis while marked synced knows that every entry queued after that read is handed to
// it, so it delivers from the handoff until something breaks the chain (a commit that may or
// may not have landed, an overflow), then reads Redis again. Entries are delivered strictly
// after the last delivered stream id, so an entry both read and handed over is sent once.
type worker struct {
	cfg   *deliveryConfig
	sub   atomic.Pointer[Subscription]
	stats *stats
	wake  chan struct{}
	// retry ends a wait between the attempts of a notification its callback refused: the
	// subscription now delivers elsewhere (retryNow).
	retry chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
	// gen is the generation of the subscription set that added the worker.
	gen uint64
	// epoch is the store's epoch generation when the subscription joined (lostReporter).
	epoch uint64
	// removed is set, under the notifier's commit lock, when the subscription's queue is
	// dropped (subscriptions.remove): nothing is committed to it after that.
	removed atomic.Bool
	// share is whose queue budget the subscription takes from (shareKey); counted in it from
	// insert to stop (shared, under the set's lock).
	share  string
	shared bool

	mu sync.Mutex
	// pending holds the entries handed over since synced was last set, oldest first;
	// pendingBytes is the sum of their bodies' lengths.
	pending      []Entry
	pendingBytes int
	synced       bool
	// handled is the stream id of the last entry delivered or dropped (expired, revoked): the
	// entries up to it wait only for the acknowledger to remove them from the queue.
	handled string
}

func newWorker(cfg *deliveryConfig, sub *Subscription, initial v1alpha1.InventorySubscriptionStatus) *worker {
	w := &worker{cfg: cfg, stats: &stats{st: initial}, wake: make(chan struct{}, 1), retry: make(chan struct{}, 1), done: make(chan struct{})}
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

// retryNow cuts short the wait before the next attempt of a refused notification: its
// subscription was changed to deliver elsewhere (another callback or signing Secret), so the
// owner who fixed a broken callback does not wait out a backoff of up to --notifier-retry-max.
func (w *worker) retryNow() {
	select {
	case w.retry <- struct{}{}:
	default:
	}
}

// handoff gives the worker an entry that has just been committed to its queue. A worker due to
// read its queue (not synced) keeps nothing: the read returns the entry from Redis, so holding
// its body only spent memory, up to maxPendingBytes for as long as its callback kept it from
// reading again.
func (w *worker) handoff(e Entry) {
	w.mu.Lock()
	switch {
	case !w.synced:
	case len(w.pending) >= maxPending || w.pendingBytes+len(e.Body) > maxPendingBytes:
		w.pending, w.pendingBytes, w.synced = nil, 0, false
	default:
		w.pending = append(w.pending, e)
		w.pendingBytes += len(e.Body)
	}
	w.mu.Unlock()
	w.poke()
}

// handledThrough returns the stream id of the last entry the worker delivered or dropped ("" for
// none yet): a commit that evicts entries up to it drops nothing undelivered (Item.Handled).
func (w *worker) handledThrough() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.handled
}

// markHandled records that the entry at stream id is delivered or dropped.
func (w *worker) markHandled(id string) {
	w.mu.Lock()
	w.handled = id
	w.mu.Unlock()
}

// mustRead reports whether the worker was told to read its queue again (resync) since its last
// read.
func (w *worker) mustRead() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.synced
}

// resync makes the worker read its queue from Redis before it trusts the handoff again.
func (w *worker) resync() {
	w.mu.Lock()
	w.pending, w.pendingBytes, w.synced = nil, 0, false
	w.mu.Unlock()
	w.poke()
}

// next returns the next handed-over entry after last; read is true when the worker must read
// Redis instead.
func (w *worker) next(last string) (e Entry, ok, read bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.synced {
		return Entry{}, false, true
	}
	for len(w.pending) > 0 {
		e = w.pending[0]
		w.pending[0] = Entry{}
		w.pending = w.pending[1:]
		w.pendingBytes -= len(e.Body)
		if streamAfter(e.StreamID, last) {
			return e, true, false
		}
	}
	w.pending, w.pendingBytes = nil, 0
	return Entry{}, false, false
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
	last := "" // stream id of the last entry delivered or expired
	read := true
	for ctx.Err() == nil {
		sub := w.sub.Load()
		if read {
			// From here on every commit hands its entries over, unless resync says otherwise.
			w.mu.Lock()
			w.synced = true
			w.mu.Unlock()
			entries, err := w.cfg.store.Head(ctx, sub.UID, last, w.cfg.batch)
			if err != nil {
				failures++
				klog.V(2).InfoS("Notification queue unreadable", "subscription", sub.Key(), "err", err)
				w.wait(ctx, w.cfg.storeRetry.Delay(failures, nil), nil)
				continue
			}
			failures = 0
			// A full batch may have more behind it.
			read = int64(len(entries)) == w.cfg.batch
			for _, e := range entries {
				if !w.deliver(ctx, e) {
					return
				}
				last = e.StreamID
				w.markHandled(last)
				if w.mustRead() {
					// Entries may have been evicted from the queue (it was full) since it was
					// read: read what is left rather than deliver them from this batch.
					read = true
					break
				}
			}
			continue
		}
		e, ok, reread := w.next(last)
		switch {
		case reread:
			read = true
		case ok:
			if !w.deliver(ctx, e) {
				return
			}
			last = e.StreamID
			w.markHandled(last)
		default:
			// Nothing handed over: wait for a commit; a quiet period ends with a read of the
			// queue anyway.
			t := time.NewTimer(w.cfg.idlePoll)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-w.wake:
				t.Stop()
			case <-t.C:
				read = true
			}
		}
	}
}

// drop discards e undelivered for reason: counted, in the subscription's status.dropped too,
// and removed from its queue.
func (w *worker) drop(sub *Subscription, e Entry, reason string) {
	w.countDropped(reason, 1)
	w.cfg.changed(sub.Key(), true)
	w.cfg.acks.add(sub.UID, e)
}

// deliver POSTs e until it is accepted or expires; false means the worker is stopping.
func (w *worker) deliver(ctx context.Context, e Entry) bool {
	for attempt := 0; ; attempt++ {
		sub := w.sub.Load()
		if w.cfg.maxAge > 0 && !e.Observed.IsZero() && time.Since(e.Observed) > w.cfg.maxAge {
			if n, ok := w.stats.logDrop(time.Now(), 1, w.cfg.dropLines); ok {
				klog.InfoS("Notification expired undelivered", "subscription", sub.Key(), "notificationId", e.NotificationID, "age", time.Since(e.Observed),
					"droppedSinceLastLogged", n)
			} else {
				klog.V(4).InfoS("Notification expired undelivered", "subscription", sub.Key(), "notificationId", e.NotificationID, "age", time.Since(e.Observed))
			}
			w.cfg.metrics.expired.Inc()
			w.drop(sub, e, dropExpired)
			return true
		}
		// A notification queued while its owner could read the object is not sent once they
		// no longer may (a RoleBinding revoked while the callback was failing and the queue
		// grew): the "may get now" bound holds for what is queued too. Entries queued by a
		// version that did not record the object's kind are sent as before.
		if e.Kind != "" && w.cfg.visible != nil {
			ok, err := w.cfg.visible(ctx, sub, e.Kind, e.Namespace)
			if err != nil {
				return false
			}
			if !ok {
				klog.V(2).InfoS("Notification dropped undelivered: the subscriber may no longer get its object", "subscription", sub.Key(),
					"notificationId", e.NotificationID, "kind", e.Kind, "namespace", e.Namespace)
				w.drop(sub, e, dropRevoked)
				return true
			}
		}
		// send is what is POSTed; e stays the entry as queued, whose body's length is what its
		// acknowledgement takes off the queue's byte count (a shorter one would leave the
		// difference counted for good, and the byte bound evict for bytes no longer queued).
		send := e
		if relatedKind, _ := relatedIDs(model.Kind(e.Kind)); relatedKind != "" && w.cfg.related != nil {
			may, err := w.cfg.related(ctx, sub, model.Kind(e.Kind), e.Namespace)
			if err != nil {
				return false
			}
			if !may.related {
				if send.Body = withoutRelatedIDs(e.Body, model.Kind(e.Kind)); send.Body == nil {
					w.drop(sub, e, dropRevoked)
					return true
				}
			}
		}
		err := w.cfg.sender.Send(ctx, sub, send)
		if ctx.Err() != nil {
			return false
		}
		if err == nil {
			w.cfg.metrics.attempts.WithLabelValues("success").Inc()
			if !e.Observed.IsZero() {
				w.cfg.metrics.latency.Observe(time.Since(e.Observed).Seconds())
			}
			w.cfg.changed(sub.Key(), w.stats.success(time.Now()))
			w.cfg.acks.add(sub.UID, e)
			return true
		}
		w.cfg.metrics.attempts.WithLabelValues("failure").Inc()
		n := w.stats.failure(time.Now(), err)
		w.cfg.changed(sub.Key(), true)
		klog.V(2).InfoS("Notification POST failed", "subscription", sub.Key(), "notificationId", e.NotificationID, "consecutiveFailures", n, "failure", FailureClass(err), "err", err)
		if !w.wait(ctx, w.cfg.backoff.Delay(int(n), nil), w.retry) {
			return false
		}
		if w.evicted(ctx, sub, e) {
			// The queue's bound dropped it while its callback failed, and counted it: it is
			// neither retried (the newer ones would wait behind it, and it would reach the
			// callback after being reported dropped) nor counted again when it expires.
			return true
		}
	}
}

// evicted reports whether e, which the worker is retrying, is no longer in its queue: the worker
// was told to read its queue again (a commit evicted entries, or may have) and e is gone. A
// queue Redis does not answer about keeps e.
func (w *worker) evicted(ctx context.Context, sub *Subscription, e Entry) bool {
	if w.cfg.store == nil || !w.mustRead() {
		return false
	}
	ok, err := w.cfg.store.Has(ctx, sub.UID, e.StreamID)
	return err == nil && !ok
}

// wait sleeps for d, until ctx ends or until something arrives on cut (nil: nothing cuts it
// short). It reports whether the worker should go on.
func (w *worker) wait(ctx context.Context, d time.Duration, cut <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-cut:
	}
	return true
}

// streamAfter reports whether stream id a comes after b ("" comes before everything).
func streamAfter(a, b string) bool {
	if b == "" {
		return true
	}
	am, as := splitStreamID(a)
	bm, bs := splitStreamID(b)
	return am > bm || (am == bm && as > bs)
}

func splitStreamID(id string) (ms, seq uint64) {
	m, s, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(m, 10, 64)
	seq, _ = strconv.ParseUint(s, 10, 64)
	return ms, seq
}

// acker removes delivered notifications from their queues in the background, many per Redis
// pipeline. A delivery is acknowledged after its POST succeeded; an acknowledgement lost in a
// crash means the notification is delivered again (at least once), never that one is skipped:
// a worker reads its queue only after the last id it delivered.
type acker struct {
	store   *Store
	backoff Backoff

	mu      sync.Mutex
	pending map[string][]Acked
	kick    chan struct{}
}

func newAcker(store *Store, backoff Backoff) *acker {
	return &acker{store: store, backoff: backoff, pending: map[string][]Acked{}, kick: make(chan struct{}, 1)}
}

func (a *acker) add(subUID string, e Entry) {
	a.mu.Lock()
	a.pending[subUID] = append(a.pending[subUID], Acked{StreamID: e.StreamID, Size: len(e.Body)})
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// ackFlushBound bounds the last write of acknowledgements once the term ended (flush).
const ackFlushBound = 2 * time.Second

// flush writes the acknowledgements still pending, once, though ctx ended: the term's workers
// have stopped, and a notification they delivered but the store still queues would be
// delivered again by the next leader (a duplicate on every rolling update). Bounded by
// ackFlushBound; what it cannot write is delivered again, as after a crash.
func (a *acker) flush(ctx context.Context) {
	batch := a.take()
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackFlushBound)
	defer cancel()
	if err := a.store.Ack(ctx, batch); err != nil {
		klog.InfoS("Could not remove the notifications delivered at the end of the term; the next leader delivers them again", "err", err)
	}
}

// take empties the pending acknowledgements and returns them.
func (a *acker) take() map[string][]Acked {
	a.mu.Lock()
	defer a.mu.Unlock()
	batch := a.pending
	a.pending = map[string][]Acked{}
	return batch
}

// requeue puts back a batch run could not write, for flush.
func (a *acker) requeue(batch map[string][]Acked) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for uid, es := range batch {
		a.pending[uid] = append(es, a.pending[uid]...)
	}
}

// run writes acknowledgements until ctx ends.
func (a *acker) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		}
		batch := a.take()
		for failures := 1; ; failures++ {
			err := a.store.Ack(ctx, batch)
			if err == nil {
				break
			}
			klog.V(2).InfoS("Could not remove delivered notifications", "err", err)
			t := time.NewTimer(a.backoff.Delay(failures, nil))
			select {
			case <-ctx.Done():
				t.Stop()
				a.requeue(batch)
				return
			case <-t.C:
			}
		}
	}
}
