package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// storeRetry spaces the notifier's retries of what Redis did not answer (queue reads, acks,
// commits of changes): at most 2 s apart, as the read caches retry the store, so that once
// Redis answers again after an outage of any length notifications flow within seconds; the
// callback backoff (Config.Retry) is for callbacks only.
func storeRetry() Backoff { return Backoff{Base: 200 * time.Millisecond, Max: 2 * time.Second} }

// awaitStoreRetry waits storeRetry's delay after the failures-th failure in a row, or until
// ctx ends (its error then).
func awaitStoreRetry(ctx context.Context, failures int) error {
	return sleepCtx(ctx, storeRetry().Delay(failures, nil))
}

// sleepCtx waits d, or until ctx ends (its error then).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Config configures a Notifier.
type Config struct {
	// Client reaches the o2ims.oran.org API (the server's loopback client).
	Client versioned.Interface
	// Informers are the process's O2 informers; the notifier reads the subscriptions from them,
	// one Term per leader term. The process starts them.
	Informers *o2informers.Shared
	// Kube reaches the cluster: leases and signing Secrets.
	Kube kubernetes.Interface
	// Redis holds the queues and the watch state; KeyPrefix namespaces its keys.
	Redis     goredis.UniversalClient
	KeyPrefix string
	// Authorizer decides what a subscriber may read.
	Authorizer authorizer.Authorizer
	// SubscriptionNamespace is the namespace of the default apiRoot's subscriptions.
	SubscriptionNamespace string
	// InventoryNamespace is the namespace of the default apiRoot's provisioning requests: the
	// objectRef of a request elsewhere names its tenant apiRoot (/tenants/{namespace}/...).
	InventoryNamespace string
	Sender             SenderConfig
	// Retry is the backoff between delivery attempts.
	Retry Backoff
	// MaxAge drops undelivered notifications older than this (0: never).
	MaxAge time.Duration
	// QueueLimits bound each subscription's queue in Redis; past them the oldest undelivered
	// notifications are dropped (zero fields: unbounded).
	QueueLimits QueueLimits
	// ReplicasAck makes each commit of notifications wait for Redis replicas
	// (--redis-min-replicas-ack); zero waits for none.
	ReplicasAck ReplicasAck
	// StatusInterval is the least time between two status writes of a subscription.
	StatusInterval time.Duration
	// Lease configures leader election; a zero Lease.Name runs without election (tests).
	Lease leader.Options
	// PackStatesFrom is the number of objects of a kind from which the recorded states of its
	// objects are kept compressed in memory (stateCodec); 0 never compresses.
	PackStatesFrom int
	// Metrics receives the notifier's metrics; nil leaves them unregistered.
	Metrics Registerer
}

// Notifier watches the inventory and delivers notifications.
type Notifier struct {
	cfg      Config
	store    *Store
	delivery *deliveryConfig
	vis      *visibility
	epochs   *epochs

	// commitMu orders commits and their handoffs to the workers; it also guards hist and the
	// arrival of new subscriptions (see admit).
	commitMu sync.Mutex
	hist     *history
	// commit writes a change to Redis (Store.Commit; tests replace it).
	commit func(context.Context, Change) ([]Queued, error)

	mu sync.RWMutex
	// subs are the subscription sets, by family.
	subs     [numFamilies]*subscriptions
	watchers map[model.Kind]*watcher
}

// New checks the configuration and builds a Notifier.
func New(cfg Config) (*Notifier, error) {
	if cfg.Client == nil || cfg.Informers == nil || cfg.Redis == nil {
		return nil, errors.New("notifier: a client, the O2 informers and a Redis client are required")
	}
	if cfg.Sender.Policy == nil {
		cfg.Sender.Policy = &CallbackPolicy{}
	}
	if cfg.Sender.Timeout <= 0 {
		cfg.Sender.Timeout = 10 * time.Second
	}
	if cfg.Sender.Secrets == nil {
		if cfg.Kube == nil {
			return nil, errors.New("notifier: a cluster client is required to read signing secrets")
		}
		cfg.Sender.Secrets = NewSecretSource(cfg.Kube)
	}
	if cfg.Retry.Base <= 0 {
		cfg.Retry = Backoff{Base: time.Second, Max: 5 * time.Minute}
	}
	if cfg.StatusInterval <= 0 {
		cfg.StatusInterval = time.Second
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("notifier metrics: %w", err)
	}
	store := NewStore(cfg.Redis, cfg.KeyPrefix).WithQueueLimits(cfg.QueueLimits).WithReplicasAck(cfg.ReplicasAck)
	n := &Notifier{
		cfg:    cfg,
		store:  store,
		commit: store.Commit,
		hist:   newHistory(historySize, historyBytes, historyAge),
		delivery: &deliveryConfig{
			store: store, sender: NewSender(cfg.Sender), metrics: m, backoff: cfg.Retry, storeRetry: storeRetry(),
			acks: newAcker(store, storeRetry()), shares: newQueueShares(cfg.QueueLimits.NamespaceBytes),
			maxAge: cfg.MaxAge, batch: 32, idlePoll: 10 * time.Second, depth: new(atomic.Int64), dropLines: newDropLines(),
		},
		vis: newVisibility(cfg.Authorizer, m.authorizerWaits),
	}
	n.delivery.visible = func(ctx context.Context, sub *Subscription, kind, namespace string) (bool, error) {
		return n.vis.visible(ctx, sub, model.Kind(kind), namespace)
	}
	n.delivery.related = n.vis.relatedAccess
	n.epochs = &epochs{store: store, onReset: n.storeReset}
	return n, nil
}

// Run runs the notifier until ctx ends: leader-elected when a lease is configured.
func (n *Notifier) Run(ctx context.Context) {
	if n.cfg.Lease.Name == "" {
		n.lead(ctx)
		return
	}
	if err := leader.Run(ctx, n.cfg.Kube, n.cfg.Lease, n.lead); err != nil {
		klog.ErrorS(err, "Notifier stopped")
	}
}

// lead is the work of the leader: it ends when ctx ends (leadership lost or shutdown).
func (n *Notifier) lead(ctx context.Context) {
	klog.InfoS("Notifier starting")
	defer klog.InfoS("Notifier stopped")
	// What a previous term processed is not in this term's history.
	n.commitMu.Lock()
	n.hist = newHistory(historySize, historyBytes, historyAge)
	n.commitMu.Unlock()
	// Whatever the term started ends with it, however early it ends (the lease lost while the
	// caches sync or while Redis refuses the first reconciliation): every set's work queues
	// from its creation and its workers from the first sync, stopped and waited for after
	// everything below that runs has returned. Deferred first, so that it runs last.
	var sets [numFamilies]*subscriptions
	defer func() {
		for _, set := range sets {
			if set != nil {
				set.close()
			}
		}
	}()
	// The term's handlers are removed when it ends; the informers keep running for the rest
	// of the process.
	factory := n.cfg.Informers.Term()
	defer factory.Shutdown()
	for _, kind := range []*subscriptionKind{inventorySubscriptionKind(n.cfg.Client, factory), alarmSubscriptionKind(n.cfg.Client, factory),
		nfDeploymentSubscriptionKind(n.cfg.Client, factory), provisioningRequestSubscriptionKind(n.cfg.Client, factory)} {
		set := newSubscriptions(kind, n.cfg.SubscriptionNamespace, *n.delivery, n.vis, n.cfg.StatusInterval)
		sets[kind.family] = set
		set.admit = n.admit
		set.serialize = n.serialize
		set.lost = &lostReporter{epoch: n.epochs.current, metrics: n.delivery.metrics, kind: kind.name}
		if _, err := kind.informer.AddEventHandler(set.handler()); err != nil {
			klog.ErrorS(err, "Notifier cannot watch subscriptions")
			return
		}
	}
	for _, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return
		}
	}
	// Every subscription has its worker before the first change is processed: changes made
	// while the notifier was away go to every subscription that existed by the time it lists
	// them.
	for failures := 1; ; failures++ {
		err := syncSets(ctx, n.store, sets)
		if err == nil {
			break
		}
		klog.ErrorS(err, "Notifier cannot reconcile subscriptions")
		if awaitStoreRetry(ctx, failures) != nil {
			return
		}
	}
	watchers := map[model.Kind]*watcher{}
	for _, src := range sources(n.cfg.Client) {
		w := newWatcher(src, n.store, n, storeRetry())
		w.codec.from = n.cfg.PackStatesFrom
		watchers[src.kind] = w
		// At 0 from the start, so that an alert on its increase fires on the first.
		n.delivery.metrics.rebaselines.WithLabelValues(string(src.kind))
	}
	n.mu.Lock()
	n.subs, n.watchers = sets, watchers
	n.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(len(sets) + 1 + len(watchers))
	for _, set := range sets {
		go func() {
			defer wg.Done()
			set.run(ctx)
		}()
	}
	go func() {
		defer wg.Done()
		n.delivery.acks.run(ctx)
	}()
	for _, w := range watchers {
		go func() {
			defer wg.Done()
			w.run(ctx)
		}()
	}
	wg.Wait()
	n.delivery.acks.flush(ctx)
}

// syncSets reconciles the subscriptions of every set, then drops the queues none of them owns.
func syncSets(ctx context.Context, store *Store, sets [numFamilies]*subscriptions) error {
	owners := map[string]bool{}
	for _, set := range sets {
		if err := set.syncAll(ctx, owners); err != nil {
			return err
		}
	}
	return dropOrphanQueues(ctx, store, owners)
}

// emit implements emitter: it builds every matching subscription's notification, commits them
// with the object's state and the cursor, wakes the workers and records the change in the
// history.
func (n *Notifier) emit(ctx context.Context, ev *Event, state []byte, cursor string) error {
	n.mu.RLock()
	subs := n.subs[familyOf(ev.Kind)]
	n.mu.RUnlock()
	d := n.renderer(ev)
	// Bodies are built outside the commit lock; the subscriptions that arrive meanwhile are
	// served under it.
	ws, gen := subs.snapshot()
	items, woken, err := n.fanOut(ctx, ev, d, ws)
	if err != nil {
		return err
	}
	change := Change{Kind: string(ev.Kind), Key: ev.Namespace + "/" + ev.Name, State: state, Forget: state == nil, Cursor: cursor}
	// Commits and handoffs happen in one order, so that a worker receives its entries in the
	// order of their stream ids.
	n.commitMu.Lock()
	defer n.commitMu.Unlock()
	if late := subs.addedSince(gen); len(late) > 0 {
		// Admitted after the snapshot, so after their replay: this change is not in the
		// history they replayed, and is theirs live.
		li, lw, err := n.fanOut(ctx, ev, d, late)
		if err != nil {
			return err
		}
		items, woken = append(items, li...), append(woken, lw...)
	}
	// A subscription removed since the fan-out has had its queue dropped: committed to, it
	// would be there again, for nobody.
	items, woken = withoutRemoved(items, woken)
	change.Items = items
	queued, err := n.commitLocked(ctx, change, woken)
	if err != nil {
		return err
	}
	n.delivery.metrics.events.WithLabelValues(string(ev.Kind), ev.Type.String()).Inc()
	klog.V(4).InfoS("Change queued", "kind", ev.Kind, "type", ev.Type, "object", change.Key, "resourceVersion", ev.ResourceVersion, "notifications", len(items))
	n.handoff(items, queued, woken)
	n.hist.record(ev)
	return nil
}

// serialize runs f under commitMu: no change is being committed meanwhile.
func (n *Notifier) serialize(f func()) {
	n.commitMu.Lock()
	defer n.commitMu.Unlock()
	f()
}

// withoutRemoved leaves out the items of workers whose subscription was removed (and its queue
// dropped); commitMu is held.
func withoutRemoved(items []Item, woken []*worker) ([]Item, []*worker) {
	kept := 0
	for i, w := range woken {
		if w.removed.Load() {
			continue
		}
		items[kept], woken[kept] = items[i], w
		kept++
	}
	return items[:kept], woken[:kept]
}

// renderer builds the notifications of one change, for each subscription in turn.
type renderer interface {
	// render calls add with every notification of the change for sub, whose owner may read
	// what may says, in order: none when sub is not to receive it. Visibility (tenancy) is
	// checked by the caller.
	render(sub *Subscription, may access, add func(id string, body []byte)) error
}

// renderer returns the renderer of ev: InventoryChangeNotifications for inventory kinds,
// AlarmEventNotifications for alarm records, NfDeploymentChangeNotifications for NfDeployments,
// ProvisioningRequestChangeNotifications for ProvisioningRequests.
func (n *Notifier) renderer(ev *Event) renderer {
	switch familyOf(ev.Kind) {
	case alarmFamily:
		return newAlarmDocs(ev, n)
	case nfDeploymentFamily:
		return newNfDocs(ev)
	case provisioningFamily:
		return newProvisioningDocs(ev, n.cfg.InventoryNamespace)
	}
	return newDocs(ev, n)
}

// fanOut builds the notifications of ev for every worker's subscription that is to see it; the
// workers are of ev's family.
// It fails only when ctx ends while it waits for the authorizer (visibility.visible): the
// change is then not committed, and is processed again from the cursor.
func (n *Notifier) fanOut(ctx context.Context, ev *Event, r renderer, ws []*worker) ([]Item, []*worker, error) {
	var items []Item
	var woken []*worker
	for _, w := range ws {
		sub := w.sub.Load()
		visible, err := n.vis.visible(ctx, sub, ev.Kind, ev.Namespace)
		if err != nil {
			return nil, nil, err
		}
		if !visible {
			continue
		}
		may, err := n.access(ctx, sub, ev)
		if err != nil {
			return nil, nil, err
		}
		share := n.delivery.shares.bound(w.share)
		err = r.render(sub, may, func(id string, body []byte) {
			items = append(items, Item{SubscriptionUID: sub.UID, NotificationID: id, Body: body, Observed: ev.Observed,
				Kind: string(ev.Kind), Namespace: ev.Namespace, ShareBytes: share})
			woken = append(woken, w)
		})
		if err != nil {
			klog.ErrorS(err, "Notification not built", "subscription", sub.Key(), "kind", ev.Kind, "object", ev.Namespace+"/"+ev.Name)
		}
	}
	return items, woken, nil
}

// access tells what sub's owner may read beyond ev's object (it may read that object): it
// waits, as visible does, while the authorizer cannot decide.
func (n *Notifier) access(ctx context.Context, sub *Subscription, ev *Event) (access, error) {
	return n.vis.relatedAccess(ctx, sub, ev.Kind, ev.Namespace)
}

// commitLocked commits change until it lands or ctx ends; commitMu is held.
func (n *Notifier) commitLocked(ctx context.Context, change Change, woken []*worker) ([]Queued, error) {
	for failures := 1; ; failures++ {
		// Read at each attempt, as late as may be: an entry the worker finished meanwhile and
		// the bounds evict is not reported as dropped.
		for i, w := range woken {
			change.Items[i].Handled = w.handledThrough()
		}
		ids, err := n.commit(ctx, change)
		if err == nil {
			return ids, nil
		}
		// The commit may have landed all the same: those workers read their queue again.
		for _, w := range woken {
			w.resync()
		}
		klog.V(2).InfoS("Notifier cannot commit a change; retrying", "kind", change.Kind, "object", change.Key, "err", err)
		// At the store's pace, not the callbacks': after a long Redis outage (or a Redis full
		// for minutes) the callback backoff would space these up to 5 minutes apart.
		if err := awaitStoreRetry(ctx, failures); err != nil {
			return nil, err
		}
	}
}

// handoff gives committed entries to their workers, and reports what the queues' bounds
// dropped; commitMu is held.
func (n *Notifier) handoff(items []Item, queued []Queued, woken []*worker) {
	for i, w := range woken {
		it, q := items[i], queued[i]
		key := w.sub.Load().Key()
		if q.Evicted > 0 {
			// Its oldest notifications are gone from Redis: what the worker holds in memory
			// may be among them, so it reads what is left.
			w.countDropped(dropQueueFull, q.Evicted)
			w.resync()
			if n, ok := w.stats.logDrop(time.Now(), q.Evicted, w.cfg.dropLines); ok {
				klog.InfoS("Subscription queue full: oldest undelivered notifications dropped", "subscription", key, "droppedSinceLastLogged", n)
			} else {
				klog.V(4).InfoS("Subscription queue full: oldest undelivered notifications dropped", "subscription", key, "dropped", q.Evicted)
			}
		}
		if q.StreamID == "" {
			w.countDropped(dropTooLarge, 1)
			if n, ok := w.stats.logDrop(time.Now(), 1, w.cfg.dropLines); ok {
				klog.InfoS("Notification larger than a whole queue dropped", "subscription", key, "notificationId", it.NotificationID, "bytes", len(it.Body),
					"droppedSinceLastLogged", n)
			} else {
				klog.V(4).InfoS("Notification larger than a whole queue dropped", "subscription", key, "notificationId", it.NotificationID, "bytes", len(it.Body))
			}
			w.cfg.changed(key, true)
			continue
		}
		w.handoff(Entry{StreamID: q.StreamID, NotificationID: it.NotificationID, Body: it.Body, Observed: it.Observed,
			Kind: it.Kind, Namespace: it.Namespace})
		w.cfg.changed(key, q.Evicted > 0)
	}
}

// admit adds a new subscription's worker to the set (insert) and queues for it every change
// already processed after the subscription's creation, rv: a change the notifier processed
// before it knew of the subscription would otherwise never reach it. Both happen under
// commitMu, so the replayed changes are exactly those committed before the subscription
// joined, and they are queued before any live change for it.
func (n *Notifier) admit(ctx context.Context, w *worker, rv string, insert func()) {
	n.commitMu.Lock()
	defer n.commitMu.Unlock()
	insert()
	sub := w.sub.Load()
	c, ok := parseRV(rv)
	if !ok {
		klog.InfoS("Subscription resourceVersion is not a revision; changes made before the notifier saw it are not replayed", "subscription", sub.Key(), "resourceVersion", rv)
		return
	}
	past, covered := n.hist.since(c, time.Now())
	if !covered {
		n.delivery.metrics.replayUncovered.Inc()
		klog.InfoS("Subscription older than the notifier's history: changes processed between its creation and its arrival may not be sent to it",
			"subscription", sub.Key(), "resourceVersion", rv, "historyFrom", n.hist.floor)
	}
	var items []Item
	var woken []*worker
	for _, ev := range past {
		// The history holds the changes of every kind; a subscription replays its family's.
		if familyOf(ev.Kind) != sub.family {
			continue
		}
		i, ws, err := n.fanOut(ctx, ev, n.renderer(ev), []*worker{w})
		if err != nil {
			return
		}
		items, woken = append(items, i...), append(woken, ws...)
	}
	if len(items) == 0 {
		return
	}
	queued, err := n.commitLocked(ctx, Change{Kind: "replay", Key: sub.Key(), Items: items}, woken)
	if err != nil {
		return
	}
	n.delivery.metrics.replayed.Add(float64(len(items)))
	klog.V(2).InfoS("Replayed changes to a new subscription", "subscription", sub.Key(), "resourceVersion", rv, "notifications", len(items))
	n.handoff(items, queued, woken)
}

// epoch implements emitter.
func (n *Notifier) epoch(ctx context.Context) (uint64, error) { return n.epochs.current(ctx) }

// wentBack implements emitter.
func (n *Notifier) wentBack(ctx context.Context) (uint64, error) { return n.epochs.wentBack(ctx) }

// rebaselined implements emitter.
func (n *Notifier) rebaselined(kind model.Kind) {
	n.delivery.metrics.rebaselines.WithLabelValues(string(kind)).Inc()
}

// storeReset forgets the history: its resourceVersions are of the store before it went back, so
// they would be replayed to subscriptions created after it.
func (n *Notifier) storeReset() {
	klog.InfoS("Notifier found the store wiped or rolled back; every kind re-baselines")
	n.commitMu.Lock()
	n.hist = newHistory(historySize, historyBytes, historyAge)
	n.commitMu.Unlock()
}

// resumed implements emitter: a watcher starts after rv, so what came before is not in the
// history.
func (n *Notifier) resumed(rv string) {
	c, ok := parseRV(rv)
	if !ok {
		return
	}
	n.commitMu.Lock()
	n.hist.raise(c)
	n.commitMu.Unlock()
}

// SitesAt implements Related from the watched state.
func (n *Notifier) SitesAt(namespace, globalLocationID string) []string {
	var out []string
	n.eachOf(model.KindOCloudSiteInfo, func(obj runtime.Object) {
		if s, ok := obj.(*v1alpha1.OCloudSite); ok && s.Namespace == namespace && s.Spec.GlobalLocationID == globalLocationID {
			out = append(out, s.Spec.OCloudSiteID)
		}
	})
	return out
}

// PoolsIn implements Related from the watched state.
func (n *Notifier) PoolsIn(namespace, oCloudSiteID string) []string {
	var out []string
	n.eachOf(model.KindResourcePool, func(obj runtime.Object) {
		if p, ok := obj.(*v1alpha1.ResourcePool); ok && p.Namespace == namespace && p.Spec.OCloudSiteID == oCloudSiteID {
			out = append(out, p.Spec.ResourcePoolID)
		}
	})
	return out
}

// GlobalCloudID implements Related from the watched state: the O-Cloud's globalCloudId, of the
// first OCloud by name as the O2 face shows it.
func (n *Notifier) GlobalCloudID() string {
	var first *v1alpha1.OCloud
	n.eachOf(model.KindOCloudInfo, func(obj runtime.Object) {
		if o, ok := obj.(*v1alpha1.OCloud); ok && (first == nil || o.Name < first.Name) {
			first = o
		}
	})
	if first == nil {
		return ""
	}
	return first.Spec.GlobalCloudID
}

func (n *Notifier) eachOf(kind model.Kind, fn func(runtime.Object)) {
	n.mu.RLock()
	w := n.watchers[kind]
	n.mu.RUnlock()
	if w != nil {
		w.each(fn)
	}
}
