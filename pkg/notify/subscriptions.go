package notify

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/fairqueue"
	"github.com/netweave-io/netweave/pkg/requeue"
)

// progressInterval is how many status intervals a subscription's progress (deliveries, queue
// depth) waits before it is written; failures are written after one interval. With 1,000 busy
// subscriptions, writing progress every interval costs a quarter of the server's CPU.
const progressInterval = 10

// subscriptions keeps one delivery worker per subscription of one kind, in step with the
// informer, and writes each subscription's delivery status.
type subscriptions struct {
	kind             *subscriptionKind
	defaultNamespace string
	delivery         *deliveryConfig
	vis              *visibility
	statusInterval   time.Duration
	// syncs reconciles subscriptions; statuses writes their status.
	syncs    workqueue.TypedRateLimitingInterface[string]
	statuses workqueue.TypedRateLimitingInterface[string]

	// admit adds a new worker to the set by calling insert, and queues the changes the
	// subscription missed (Notifier.admit); nil just inserts.
	admit func(ctx context.Context, w *worker, rv string, insert func())
	// lost reports the subscriptions a store wipe took; nil reports nothing.
	lost *lostReporter
	// serialize runs a function while no change is being committed (Notifier.serialize); nil
	// runs it directly.
	serialize func(func())

	mu      sync.RWMutex
	workers map[string]*worker // by namespace/name
	// deleted maps the key of each subscription whose deletion the store told (a watch DELETE)
	// to its uid, until sync handles it: such a subscription was deleted, not lost with the
	// store, whatever the epoch did since it joined.
	deleted map[string]string
	// parked maps the key of each subscription that cannot be served (its worker stopped, its
	// queue kept for when it is corrected) to its uid: deleted or replaced by a namesake
	// instead, it has no worker for sync to remove, and its queue is dropped from here.
	parked map[string]string
	// undropped maps the key of each subscription deleted or replaced whose queue Redis refused
	// to drop (a failover, a restart still loading) to the uids of those queues: the set's sync
	// queue retries them with backoff, else they stayed, read by nobody, until the next term.
	undropped map[string]map[string]bool
	// gen counts insertions; each worker records its own.
	gen uint64
}

// newSubscriptions builds the set of one kind. Its workers share delivery, but report their
// status changes to this set.
func newSubscriptions(kind *subscriptionKind, defaultNamespace string, delivery deliveryConfig, vis *visibility, statusInterval time.Duration) *subscriptions {
	s := &subscriptions{
		kind: kind, defaultNamespace: defaultNamespace, delivery: &delivery, vis: vis,
		statusInterval: statusInterval,
		// Both queues take turns by namespace (fairqueue): each has one worker for every
		// tenant's subscriptions, and in arrival order a tenant whose thousand subscriptions
		// all changed or failed at once held every other tenant's behind them.
		syncs:    fairqueue.NewRateLimiting(kind.queues+"_subscriptions", requeue.RateLimiter[string](), 1),
		statuses: fairqueue.NewRateLimiting(kind.queues+"_status", requeue.RateLimiter[string](), 1),
		workers:  map[string]*worker{},
	}
	s.delivery.changed = func(key string, urgent bool) {
		if urgent {
			s.statuses.AddAfter(key, s.statusInterval)
		} else {
			s.statuses.AddAfter(key, progressInterval*s.statusInterval)
		}
	}
	return s
}

// handler enqueues every change of a subscription.
func (s *subscriptions) handler() cache.ResourceEventHandler {
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			s.syncs.Add(key)
		}
	}
	update := func(oldObj, obj any) {
		if statusOnly(oldObj, obj) {
			// The notifier's own status writes: nothing the worker uses changed.
			return
		}
		enqueue(obj)
	}
	remove := func(obj any) {
		// A deletion the store told (a watch DELETE, not a relist's tombstone) was made by
		// someone: a wipe or rollback sends none for what it took.
		if o, ok := subscriptionOf(obj); ok {
			s.noteDeleted(o.meta.Namespace+"/"+o.meta.Name, string(o.meta.UID))
		}
		enqueue(obj)
	}
	return cache.ResourceEventHandlerFuncs{AddFunc: enqueue, UpdateFunc: update, DeleteFunc: remove}
}

// noteDeleted records that the store told the deletion of the subscription uid at key.
func (s *subscriptions) noteDeleted(key, uid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleted == nil {
		s.deleted = map[string]string{}
	}
	s.deleted[key] = uid
}

// takeDeleted forgets the deletion noted at key and reports whether it was uid's.
func (s *subscriptions) takeDeleted(key, uid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	noted, ok := s.deleted[key]
	delete(s.deleted, key)
	return ok && noted == uid
}

// statusOnly reports whether an update left everything Compile reads unchanged.
func statusOnly(oldObj, obj any) bool {
	o, ok1 := subscriptionOf(oldObj)
	n, ok2 := subscriptionOf(obj)
	if !ok1 || !ok2 || o.family != n.family {
		return false
	}
	return o.meta.UID == n.meta.UID && o.deleting() == n.deleting() &&
		o.meta.Annotations[v1alpha1.AnnotationNotificationVersion] == n.meta.Annotations[v1alpha1.AnnotationNotificationVersion] &&
		equality.Semantic.DeepEqual(o.spec, n.spec)
}

// snapshot returns the current subscriptions with their workers, and the generation of the
// set.
func (s *subscriptions) snapshot() ([]*worker, uint64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*worker, 0, len(s.workers))
	for _, w := range s.workers {
		out = append(out, w)
	}
	return out, s.gen
}

// addedSince returns the workers inserted after generation gen.
func (s *subscriptions) addedSince(gen uint64) []*worker {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.gen == gen {
		return nil
	}
	var out []*worker
	for _, w := range s.workers {
		if w.gen > gen {
			out = append(out, w)
		}
	}
	return out
}

// insert adds a worker to the set.
func (s *subscriptions) insert(key string, w *worker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	w.gen = s.gen
	s.workers[key] = w
	if !w.shared {
		s.delivery.shares.join(w.share)
		w.shared = true
	}
}

// unshare takes w out of its queue budget's share; s.mu is held.
func (s *subscriptions) unshare(w *worker) {
	if w.shared {
		s.delivery.shares.leave(w.share)
		w.shared = false
	}
}

// syncAll reconciles every subscription the lister has and adds their uids to owners: the
// queues of both kinds are in one keyspace, so only the notifier, which knows every kind, may
// drop the queues nobody owns (dropOrphanQueues).
func (s *subscriptions) syncAll(ctx context.Context, owners map[string]bool) error {
	objs, err := s.kind.list()
	if err != nil {
		return err
	}
	for _, obj := range objs {
		// One being deleted (held by a finalizer) is served no more (sync) and owns no queue:
		// no worker of this term will drop it, so dropOrphanQueues does.
		if !obj.deleting() {
			owners[string(obj.meta.UID)] = true
		}
		s.sync(ctx, obj.meta.Namespace+"/"+obj.meta.Name)
	}
	return nil
}

// dropOrphanQueues drops the queues of subscriptions that no longer exist.
func dropOrphanQueues(ctx context.Context, store *Store, owners map[string]bool) error {
	queues, err := store.QueueOwners(ctx)
	if err != nil {
		return err
	}
	for _, uid := range queues {
		if !owners[uid] {
			klog.InfoS("Dropping the queue of a deleted subscription", "uid", uid)
			if err := store.Drop(ctx, uid); err != nil {
				return err
			}
		}
	}
	return nil
}

// run processes both queues until ctx ends. The workers keep running: close stops them.
func (s *subscriptions) run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		s.shutDownQueues()
	}()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for s.processSync(ctx) {
		}
	}()
	go func() {
		defer wg.Done()
		for s.processStatus(ctx) {
		}
	}()
	wg.Wait()
}

// shutDownQueues ends both work queues (and their goroutines); it may be called more than once.
func (s *subscriptions) shutDownQueues() {
	s.syncs.ShutDown()
	s.statuses.ShutDown()
}

// close ends the set's part of a leader term, however far the term got: the set's work queues
// exist from newSubscriptions on and its workers from the first sync (syncSets, before run), so
// a term that ends before run, or without run, has them too. It shuts the queues down, stops
// every worker and waits for it, and takes its depth out of the total. Nothing may sync the
// set anymore: run has returned, or never ran, and syncSets is done.
func (s *subscriptions) close() {
	s.shutDownQueues()
	ws, _ := s.snapshot()
	s.mu.Lock()
	for _, w := range ws {
		s.unshare(w)
	}
	s.mu.Unlock()
	for _, w := range ws {
		w.halt()
		// The depth is the term's to report: a pod that no longer leads exports none, and one
		// that leads again counts each subscription once.
		s.delivery.metrics.queueDepth.Set(float64(s.delivery.depth.Add(-w.stats.retire())))
	}
}

func (s *subscriptions) processSync(ctx context.Context) bool {
	key, quit := s.syncs.Get()
	if quit {
		return false
	}
	defer s.syncs.Done(key)
	if err := requeue.Recovered(ctx, func() error { s.sync(ctx, key); return nil }); err != nil {
		s.syncs.AddRateLimited(key)
		return true
	}
	if !s.hasUndropped(key) {
		// Else drop queued the key again, and its backoff goes on growing.
		s.syncs.Forget(key)
	}
	return true
}

// sync starts, updates or stops the worker of one subscription.
func (s *subscriptions) sync(ctx context.Context, key string) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	obj, err := s.kind.get(ns, name)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	if obj != nil && obj.deleting() {
		// Deleted, and held by a finalizer (someone's, or a foreground deletion's): its owner
		// was told it is gone (the O2 DELETE answered 200), so it is served no more, as if the
		// store had already removed it; a deleted object never comes back to life.
		s.noteDeleted(key, string(obj.meta.UID))
		obj = nil
	}
	s.mu.Lock()
	old := s.workers[key]
	parkedUID, parked := s.parked[key]
	delete(s.parked, key)
	s.mu.Unlock()
	if parked && old == nil && (obj == nil || parkedUID != string(obj.meta.UID)) {
		s.dropQueue(ctx, key, parkedUID)
	}
	current := ""
	if obj != nil {
		current = string(obj.meta.UID)
	}
	s.retryDrops(ctx, key, current)
	if obj == nil || (old != nil && old.sub.Load().UID != string(obj.meta.UID)) {
		if old != nil {
			if !s.takeDeleted(key, old.sub.Load().UID) {
				s.lost.vanished(ctx, old, obj == nil)
			}
			s.remove(ctx, key, old)
		}
		if obj == nil {
			s.takeDeleted(key, "")
			return
		}
		old = nil
	}
	sub, err := compileObject(obj, s.defaultNamespace)
	if err != nil {
		// Stored before the API server checked what compile reads: not served until it is
		// corrected, and its queue (the same subscription's) kept for then.
		klog.ErrorS(err, "Subscription cannot be served; its notifications are not queued", "subscription", key)
		if old != nil {
			s.stop(key, old)
		}
		s.mu.Lock()
		if s.parked == nil {
			s.parked = map[string]string{}
		}
		s.parked[key] = string(obj.meta.UID)
		s.mu.Unlock()
		return
	}
	if old != nil {
		// The cached access decisions stay: they depend only on the subscriber, which the API
		// server keeps immutable (spec.subscriber), and the same uid is the same object.
		prev := old.sub.Swap(sub)
		if old.stats.setNote(sub.FilterNote) {
			s.delivery.changed(key, true)
		}
		if prev.Callback != sub.Callback || !equality.Semantic.DeepEqual(prev.Secret, sub.Secret) {
			old.retryNow()
		}
		old.poke()
		return
	}
	if sub.FilterNote != "" {
		klog.InfoS("Subscription filter not understood; nothing is excluded", "subscription", key, "filter", obj.filter)
	}
	w := newWorker(s.delivery, sub, obj.status)
	w.share = shareKey(sub)
	s.lost.joined(ctx, w)
	if w.stats.setNote(sub.FilterNote) {
		s.delivery.changed(key, true)
	}
	s.delivery.depth.Add(obj.status.QueueDepth)
	insert := func() { s.insert(key, w) }
	if s.admit != nil {
		// The resourceVersion at which the notifier first sees the subscription: its creation,
		// unless it was changed before the notifier saw it; for one its owner created again
		// after a wipe took it, the wipe.
		s.admit(ctx, w, s.lost.replayFrom(sub, obj.meta.ResourceVersion), insert)
	} else {
		insert()
	}
	w.start(ctx)
	klog.V(2).InfoS("Delivering notifications", "subscription", key, "callback", redactedCallback(sub.Callback), "version", sub.Version)
}

// remove stops a worker and drops its queue: a deleted subscription gets nothing more.
func (s *subscriptions) remove(ctx context.Context, key string, w *worker) {
	s.stop(key, w)
	// A change fanned out to the subscription before it left the set may be committing now:
	// without the commit lock its commit could land after the drop and leave a queue that
	// nothing reads or drops. Under it, such a commit either lands before the drop or leaves
	// the removed subscription out (Notifier.emit).
	s.drop(ctx, key, w.sub.Load().UID, func() { w.removed.Store(true) })
}

// dropQueue drops the queue of a subscription that has no worker (one that could not be served,
// deleted or replaced since), while no change is being committed.
func (s *subscriptions) dropQueue(ctx context.Context, key, uid string) {
	s.drop(ctx, key, uid, nil)
}

// drop drops the queue uid of the subscription at key, which is gone or replaced, while no change
// is being committed (first running before, if any, under the same exclusion). A drop Redis
// refuses is remembered and tried again through the sync queue (retryDrops): nothing else
// would drop that queue before the next leader term.
func (s *subscriptions) drop(ctx context.Context, key, uid string, before func()) {
	var err error
	run := func() {
		if before != nil {
			before()
		}
		err = s.delivery.store.Drop(ctx, uid)
	}
	if s.serialize != nil {
		s.serialize(run)
	} else {
		run()
	}
	s.mu.Lock()
	if err == nil {
		delete(s.undropped[key], uid)
		if len(s.undropped[key]) == 0 {
			delete(s.undropped, key)
		}
	} else {
		if s.undropped == nil {
			s.undropped = map[string]map[string]bool{}
		}
		if s.undropped[key] == nil {
			s.undropped[key] = map[string]bool{}
		}
		s.undropped[key][uid] = true
	}
	s.mu.Unlock()
	if err != nil {
		klog.ErrorS(err, "Could not drop the queue of a deleted subscription; trying again", "subscription", key)
		s.syncs.AddRateLimited(key)
	}
}

// retryDrops drops again the queues of key's earlier subscriptions that Redis refused to drop.
// One whose subscription is there again (current, its uid: a rollback brought it back) is
// kept, and read by its worker, instead.
func (s *subscriptions) retryDrops(ctx context.Context, key, current string) {
	s.mu.Lock()
	var uids []string
	for uid := range s.undropped[key] {
		if uid == current {
			delete(s.undropped[key], uid)
			continue
		}
		uids = append(uids, uid)
	}
	if len(s.undropped[key]) == 0 {
		delete(s.undropped, key)
	}
	s.mu.Unlock()
	for _, uid := range uids {
		s.drop(ctx, key, uid, nil)
	}
}

// hasUndropped reports whether a queue of key's earlier subscriptions still waits to be dropped.
func (s *subscriptions) hasUndropped(key string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.undropped[key]) > 0
}

// stop stops a worker and forgets it, leaving its queue in the store.
func (s *subscriptions) stop(key string, w *worker) {
	s.mu.Lock()
	if s.workers[key] == w {
		delete(s.workers, key)
	}
	s.unshare(w)
	s.mu.Unlock()
	w.halt()
	s.delivery.metrics.queueDepth.Set(float64(s.delivery.depth.Add(-w.stats.retire())))
	s.vis.forget(w.sub.Load().UID)
	klog.V(2).InfoS("Stopped notifications", "subscription", key)
}

func (s *subscriptions) processStatus(ctx context.Context) bool {
	key, quit := s.statuses.Get()
	if quit {
		return false
	}
	defer s.statuses.Done(key)
	if err := requeue.Recovered(ctx, func() error { return s.writeStatus(ctx, key) }); err != nil {
		klog.V(2).InfoS("Could not write subscription status", "subscription", key, "err", err)
		s.statuses.AddRateLimited(key)
		return true
	}
	s.statuses.Forget(key)
	return true
}

func (s *subscriptions) writeStatus(ctx context.Context, key string) error {
	s.mu.RLock()
	w := s.workers[key]
	s.mu.RUnlock()
	if w == nil {
		return nil
	}
	d, err := s.delivery.store.Depth(ctx, w.sub.Load().UID)
	if err != nil {
		return err
	}
	s.delivery.metrics.queueDepth.Set(float64(s.delivery.depth.Add(w.stats.setDepth(d))))
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	obj, err := s.kind.get(ns, name)
	if obj == nil || err != nil {
		return err
	}
	want := w.stats.snapshot()
	if string(obj.meta.UID) != w.sub.Load().UID || equality.Semantic.DeepEqual(obj.status, want) {
		return nil
	}
	err = s.kind.updateStatus(ctx, obj, want)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
