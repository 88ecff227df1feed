package inventory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/hashindex"
	"github.com/netweave-io/netweave/pkg/requeue"
)

// sharedKey is the queue key of the shared objects; source keys always contain a "/".
const sharedKey = "shared"

// sourceIndex indexes synced Resources by their v1alpha1.AnnotationSource, hashed
// (pkg/hashindex): a source names one Resource (a Node), and client-go's index by value would
// keep a set of one per Resource.
const sourceIndex = "hashed:inventory-source"

// Config configures a Controller.
type Config struct {
	// Client writes O2 objects (netweave's loopback client).
	Client versioned.Interface
	// Informers read O2 objects; the controller starts them. The adapter may use its listers.
	Informers externalversions.SharedInformerFactory
	Adapter   Adapter
	Metrics   *Metrics
	// Workers reconcile in parallel; 1 when zero.
	Workers int
	// SharedDelay batches changes before the shared objects are recomputed.
	SharedDelay time.Duration
	// FieldManager names the controller's writes in managedFields.
	FieldManager string
	// NodePools are the namespaces whose pools may claim Nodes (the adapter's rule too). A
	// change to a pool elsewhere that selects Nodes only refreshes that pool's status: it never
	// moves a Resource, nor costs a full resync. The zero value allows no namespace.
	NodePools NodePoolNamespaces
	// Cluster is the member cluster the adapter watches ("" for the cluster netweave runs
	// in). The controller then owns only the synced objects labelled with it
	// (v1alpha1.LabelCluster), names what it writes after the member, never writes the O-Cloud
	// nor admin pools' status, and ignores admin pools: several controllers, one per cluster,
	// share the same kinds without deleting each other's objects.
	Cluster string
	// Tenant, for a member a tenant provisioned (members.OriginTenant), is that tenant's
	// namespace: the member's objects are labelled with it (v1alpha1.LabelTenant).
	Tenant string
}

// Controller keeps the O2 inventory equal to what its adapter derives from the source.
type Controller struct {
	cfg   Config
	kinds o2Kinds
	queue workqueue.TypedRateLimitingInterface[string]
	w     writer
	index cache.Indexer
}

// NewController prepares a controller; nothing runs until Run.
func NewController(cfg Config) (*Controller, error) {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	o2 := cfg.Informers.O2ims().V1alpha1()
	resInf := o2.O2Resources().Informer()
	if _, ok := resInf.GetIndexer().GetIndexers()[sourceIndex]; !ok {
		if err := resInf.AddIndexers(cache.Indexers{sourceIndex: hashindex.IndexFunc(sourceOf)}); err != nil {
			return nil, fmt.Errorf("index resources by source: %w", err)
		}
	}
	c := &Controller{
		cfg:   cfg,
		kinds: newO2Kinds(cfg.Client, o2),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			requeue.RateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "inventory"}),
		w:     writer{fieldManager: cfg.FieldManager, writes: cfg.Metrics.writes(), owner: Owner{Cluster: cfg.Cluster}},
		index: resInf.GetIndexer(),
	}
	return c, nil
}

// sourceOf is the value sourceIndex indexes a synced Resource by: its cluster and source (see
// clusterSourceKey), so each cluster's controller finds only its own Resources of a source;
// "" for a Resource the sync does not manage.
func sourceOf(obj any) (string, error) {
	m, err := metaOf(obj)
	if err != nil || !IsManaged(m) {
		return "", err
	}
	if s := m.GetAnnotations()[v1alpha1.AnnotationSource]; s != "" {
		return clusterSourceKey(ClusterOf(m), s), nil
	}
	return "", nil
}

// clusterSep separates a member cluster's name from a source key in sourceIndex; neither
// contains it.
const clusterSep = "\x00"

// clusterSourceKey is the sourceIndex value of source in cluster: the source itself for the
// cluster netweave runs in (as before members existed), "cluster\x00source" for a member.
func clusterSourceKey(cluster, source string) string {
	if cluster == "" {
		return source
	}
	return cluster + clusterSep + source
}

// sourceOfKey is the inverse of clusterSourceKey.
func sourceOfKey(key string) (cluster, source string) {
	if c, s, ok := strings.Cut(key, clusterSep); ok {
		return c, s
	}
	return "", key
}

func metaOf(obj any) (metav1.Object, error) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("unexpected object %T", obj)
	}
	return m, nil
}

// SourceChanged implements Notifier.
func (c *Controller) SourceChanged(key string) {
	c.queue.Add(key)
	c.SharedChanged()
}

// SharedChanged implements Notifier.
func (c *Controller) SharedChanged() {
	c.queue.AddAfter(sharedKey, c.cfg.SharedDelay)
}

// AllChanged implements Notifier: every source the adapter knows and every source a synced
// Resource names (so Resources of vanished sources are deleted), and the shared objects.
func (c *Controller) AllChanged() {
	keys, err := c.cfg.Adapter.Sources()
	if err != nil {
		utilruntime.HandleError(fmt.Errorf("list inventory sources: %w", err))
	}
	for _, k := range keys {
		c.queue.Add(k)
	}
	// The sources synced Resources name, read from the Resources themselves (the hashed index
	// keeps buckets, not the values); a full resync reads every Resource anyway.
	for _, obj := range c.index.List() {
		k, err := sourceOf(obj)
		if err != nil || k == "" {
			continue
		}
		if cluster, source := sourceOfKey(k); cluster == c.cfg.Cluster {
			c.queue.Add(source)
		}
	}
	c.queue.Add(sharedKey)
}

// Run reconciles until ctx is done: it starts the O2 informers and the adapter, queues a full
// resync (which deletes what went away while nobody was syncing), and runs the workers.
func (c *Controller) Run(ctx context.Context) error {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	if err := c.watchO2(); err != nil {
		return err
	}
	c.cfg.Informers.Start(ctx.Done())
	for typ, ok := range c.cfg.Informers.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("wait for %v cache: %w", typ, errors.Join(ctx.Err(), errors.New("not synced")))
		}
	}
	if err := c.cfg.Adapter.Start(ctx, c); err != nil {
		return fmt.Errorf("start inventory adapter: %w", err)
	}
	begin := time.Now()
	c.AllChanged()
	klog.InfoS("Inventory sync started; full resync queued", "keys", c.queue.Len(), "workers", c.cfg.Workers)

	var wg sync.WaitGroup
	for range c.cfg.Workers {
		wg.Go(func() { wait.UntilWithContext(ctx, c.worker, time.Second) })
	}
	go c.reportFirstSync(ctx, begin)
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
	return nil
}

// reportFirstSync logs when the queue first drains after the full resync.
func (c *Controller) reportFirstSync(ctx context.Context, begin time.Time) {
	_ = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, false, func(context.Context) (bool, error) {
		return c.queue.Len() == 0, nil
	})
	if ctx.Err() == nil {
		klog.InfoS("Inventory full resync done", "duration", time.Since(begin))
	}
}

// watchO2 requeues when synced objects change behind the controller's back (edited or deleted
// by someone else) and when admin pools that select nodes change.
func (c *Controller) watchO2() error {
	o2 := c.cfg.Informers.O2ims().V1alpha1()
	resources := cache.ResourceEventHandlerFuncs{
		AddFunc:    c.resourceEvent,
		UpdateFunc: func(_, obj any) { c.resourceEvent(obj) },
		DeleteFunc: c.resourceEvent,
	}
	if _, err := o2.O2Resources().Informer().AddEventHandler(resources); err != nil {
		return fmt.Errorf("watch resources: %w", err)
	}
	pools := cache.ResourceEventHandlerFuncs{
		AddFunc:    c.poolEvent,
		UpdateFunc: func(old, obj any) { c.poolUpdate(old, obj) },
		DeleteFunc: c.poolEvent,
	}
	if _, err := o2.ResourcePools().Informer().AddEventHandler(pools); err != nil {
		return fmt.Errorf("watch resource pools: %w", err)
	}
	shared := cache.ResourceEventHandlerFuncs{
		AddFunc:    c.sharedEvent,
		UpdateFunc: func(_, obj any) { c.sharedEvent(obj) },
		DeleteFunc: c.sharedEvent,
	}
	for name, inf := range map[string]cache.SharedIndexInformer{
		"resourcetypes":      o2.ResourceTypes().Informer(),
		"deploymentmanagers": o2.DeploymentManagers().Informer(),
		"locations":          o2.Locations().Informer(),
		"ocloudsites":        o2.OCloudSites().Informer(),
		"oclouds":            o2.OClouds().Informer(),
	} {
		if _, err := inf.AddEventHandler(shared); err != nil {
			return fmt.Errorf("watch %s: %w", name, err)
		}
	}
	return nil
}

func (c *Controller) resourceEvent(obj any) {
	m, err := metaOf(obj)
	if err != nil || !c.w.owner.Owns(m) {
		return
	}
	if s := m.GetAnnotations()[v1alpha1.AnnotationSource]; s != "" {
		c.queue.Add(s)
	}
}

func (c *Controller) sharedEvent(obj any) {
	if m, err := metaOf(obj); err == nil && c.w.owner.Owns(m) {
		c.SharedChanged()
	}
}

// poolEvent: a synced pool changed (shared objects), or an admin pool that selects nodes
// appeared or went away (any node may move, when its namespace may claim Nodes; otherwise only
// its status is refreshed).
func (c *Controller) poolEvent(obj any) {
	m, err := metaOf(obj)
	if err != nil {
		return
	}
	if IsManaged(m) {
		if c.w.owner.Owns(m) {
			c.SharedChanged()
		}
		return
	}
	if c.cfg.Cluster != "" {
		// Admin pools claim Nodes of the cluster netweave runs in only.
		return
	}
	if p, ok := m.(*v1alpha1.ResourcePool); ok && p.Spec.NodeSelector != nil {
		if c.cfg.NodePools.Allows(p.Namespace) {
			c.AllChanged()
		} else {
			c.SharedChanged()
		}
	}
}

func (c *Controller) poolUpdate(old, obj any) {
	o, ok1 := old.(*v1alpha1.ResourcePool)
	n, ok2 := obj.(*v1alpha1.ResourcePool)
	if !ok1 || !ok2 || IsManaged(n) || c.cfg.Cluster != "" {
		c.poolEvent(obj)
		return
	}
	if o.Spec.NodeSelector == nil && n.Spec.NodeSelector == nil {
		return
	}
	if !c.cfg.NodePools.Allows(n.Namespace) {
		// The pool claims no Nodes whatever it selects; only its condition may change.
		c.SharedChanged()
		return
	}
	if !sameJSON(o.Spec.NodeSelector, n.Spec.NodeSelector) || o.Spec.ResourcePoolID != n.Spec.ResourcePoolID ||
		(o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) {
		c.AllChanged()
		return
	}
	// Only the status or other fields changed: the count may need correcting.
	c.SharedChanged()
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

// conflictRetriesAsRace is how many conflicts in a row on one key are taken for races with a
// write the informers had not seen yet. One that persists is no race (an O2 id another object
// holds, an object name another source wants): an error then, logged and counted as one, so
// that operators learn a node is missing from the inventory.
const conflictRetriesAsRace = 3

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	kind := "source"
	if key == sharedKey {
		kind = "shared"
	}
	start := time.Now()
	err := requeue.Recovered(ctx, func() error {
		if key == sharedKey {
			return c.syncShared(ctx)
		}
		return c.syncSource(ctx, key)
	})
	if m := c.cfg.Metrics; m != nil {
		m.SyncDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	}
	if err == nil {
		c.queue.Forget(key)
		return true
	}
	if ctx.Err() != nil {
		return true
	}
	reason := "error"
	if apierrors.IsConflict(err) && c.queue.NumRequeues(key) < conflictRetriesAsRace {
		// The informer cache was behind a write (often our own): retry on fresher data.
		reason = "conflict"
		klog.V(4).InfoS("Inventory sync raced with a write; retrying", "key", key, "err", err)
	} else {
		klog.ErrorS(err, "Inventory sync failed; retrying with backoff", "key", key, "retries", c.queue.NumRequeues(key))
	}
	if m := c.cfg.Metrics; m != nil {
		m.SyncErrors.WithLabelValues(kind, reason).Inc()
	}
	c.queue.AddRateLimited(key)
	return true
}
