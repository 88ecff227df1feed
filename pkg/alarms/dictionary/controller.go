package dictionary

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/component-base/metrics"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/requeue"
)

// syncKey is the one queue key: all dictionaries are recomputed together. There are a handful
// (two plus one per resource type), each computed from the caches, so one key keeps deletion
// of what went away trivially right at no real cost.
const syncKey = "dictionaries"

// DefaultRediscoverInterval is how often the controller looks again for the PrometheusRule
// CRD while the cluster does not serve it.
const DefaultRediscoverInterval = 5 * time.Minute

// DefaultRefusedRetryInterval is how often the controller tries again to write a tenant's
// dictionary that the tenant's namespace refused (its name held by the tenant's own
// dictionary, its quota full, its admission), besides whenever a dictionary there changes.
const DefaultRefusedRetryInterval = 5 * time.Minute

// Config configures a Controller.
type Config struct {
	// Client writes AlarmDictionaries (netweave's loopback client).
	Client versioned.Interface
	// Informers is the process's one O2 informer factory; the controller reads ResourceTypes
	// and AlarmDictionaries from it and starts it.
	Informers externalversions.SharedInformerFactory
	// Rules reads the cluster's PrometheusRules, and Discovery tells whether it serves them.
	// Either nil leaves PrometheusRules out.
	Rules     dynamic.Interface
	Discovery discovery.DiscoveryInterface
	// RuleNamespaces are the namespaces whose PrometheusRules make the rules dictionary: the
	// operator's (the inventory namespace and --alarm-rule-namespaces), and only these are
	// watched. The dictionary lives in the inventory namespace and every SMO reads it, so a
	// rule anywhere else would let a namespace admin define (or redefine) the operator's
	// alerts, and would show every tenant's alert names to every reader of the dictionary.
	RuleNamespaces []string
	// IDs is the O-Cloud's id space (inventory.IDs).
	IDs alarms.IDSpace
	// Namespace is the inventory namespace: where the standard and the rules dictionaries live.
	Namespace string
	// FieldManager names the controller's writes in managedFields.
	FieldManager string
	Metrics      *Metrics
	// RediscoverInterval is how often to look for the PrometheusRule CRD while it is absent;
	// DefaultRediscoverInterval when zero.
	RediscoverInterval time.Duration
	// RefusedRetryInterval is how often a tenant's dictionary its namespace refused is tried
	// again; DefaultRefusedRetryInterval when zero.
	RefusedRetryInterval time.Duration
}

// Controller keeps the derived AlarmDictionaries equal to the standard, the resource types and
// the PrometheusRules.
type Controller struct {
	cfg    Config
	queue  workqueue.TypedRateLimitingInterface[string]
	kind   inventory.Kind[*v1alpha1.AlarmDictionary]
	writer inventory.Writer

	mu sync.Mutex
	// rules lists the PrometheusRules once they are known to be served; rulesKnown is false
	// until discovery first answered, and the stored rules dictionary is left alone till then.
	rules      ruleLister
	rulesKnown bool
	// refused are the dictionaries outside the inventory namespace whose write the tenant's
	// namespace refused at the last sync, with why. They are the tenant's to resolve (free
	// the name, raise the quota): they do not fail the pass that writes everyone else's.
	refused map[types.NamespacedName]string

	// desired is what the last sync computed the managed dictionaries to be, whether or not
	// its writes went through yet (Desired); before the first, the standard dictionary.
	desired atomic.Pointer[[]*v1alpha1.AlarmDictionary]
	// settled is closed at the first sync that computed them knowing every source (Settled).
	settled     chan struct{}
	settledOnce sync.Once
}

// Desired returns the managed dictionaries as the last sync computed them, its writes done or
// not: what the alarm recorder resolves an alarm's definition in when the stored dictionaries
// do not define it yet (recorder.KnownDefinitions). An alarm raised before the dictionaries are
// written, or before the cache has the write, refers to the ids they will have: the ids are
// derived, so the write gives them those. The caller must not change what it returns.
func (c *Controller) Desired() []*v1alpha1.AlarmDictionary { return *c.desired.Load() }

// Settled is closed once a sync computed the dictionaries knowing every source: discovery
// answered whether PrometheusRules are served, and every rule namespace was read. Alarm
// sources wait for it (bounded) before they report, so that alarms raised at the start refer
// to their definitions (Desired).
func (c *Controller) Settled() <-chan struct{} { return c.settled }

// New prepares a controller; nothing runs until Run.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil || cfg.IDs == nil || cfg.Namespace == "" {
		return nil, errors.New("alarm dictionaries: client, informers, ids and namespace are required")
	}
	if cfg.Rules != nil && len(cfg.RuleNamespaces) == 0 {
		// Watching no namespace is not the same as watching all: refuse rather than guess.
		return nil, errors.New("alarm dictionaries: rule namespaces are required to read PrometheusRules")
	}
	if cfg.RediscoverInterval <= 0 {
		cfg.RediscoverInterval = DefaultRediscoverInterval
	}
	if cfg.RefusedRetryInterval <= 0 {
		cfg.RefusedRetryInterval = DefaultRefusedRetryInterval
	}
	o2 := cfg.Informers.O2ims().V1alpha1()
	dicts := o2.AlarmDictionaries().Lister()
	var writes *metrics.CounterVec
	if cfg.Metrics != nil {
		writes = cfg.Metrics.Writes
	}
	c := &Controller{
		cfg:     cfg,
		settled: make(chan struct{}),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(requeue.RateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "alarm-dictionaries"}),
		kind: inventory.NewKind("alarmdictionaries",
			func() ([]*v1alpha1.AlarmDictionary, error) { return dicts.List(labels.Everything()) },
			cfg.Client.O2imsV1alpha1().AlarmDictionaries,
			func(d *v1alpha1.AlarmDictionary) string { return d.Spec.AlarmDictionaryID },
			func(d *v1alpha1.AlarmDictionary) any { return d.Spec }),
		writer: inventory.NewWriter(cfg.FieldManager, writes),
	}
	c.desired.Store(&[]*v1alpha1.AlarmDictionary{standardDictionary(cfg.IDs, cfg.Namespace)})
	return c, nil
}

// Run reconciles until ctx is done. It returns an error only when the informers cannot start.
func (c *Controller) Run(ctx context.Context) error {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	o2 := c.cfg.Informers.O2ims().V1alpha1()
	// Any change of a type changes its dictionary; a change of a managed dictionary by someone
	// else is undone; the rest of the dictionaries are not ours.
	if _, err := o2.ResourceTypes().Informer().AddEventHandler(c.handler(func(any) bool { return true })); err != nil {
		return fmt.Errorf("watch resource types: %w", err)
	}
	if _, err := o2.AlarmDictionaries().Informer().AddEventHandler(c.handler(c.relevantDictionary)); err != nil {
		return fmt.Errorf("watch alarm dictionaries: %w", err)
	}
	c.cfg.Informers.Start(ctx.Done())
	for typ, ok := range c.cfg.Informers.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("wait for %v cache: %w", typ, errors.Join(ctx.Err(), errors.New("not synced")))
		}
	}
	go c.watchRules(ctx)
	c.queue.Add(syncKey)
	klog.InfoS("Alarm dictionaries syncing", "namespace", c.cfg.Namespace)
	go wait.UntilWithContext(ctx, c.worker, time.Second)
	<-ctx.Done()
	return nil
}

// handler queues the sync on every event about an object that passes relevant.
func (c *Controller) handler(relevant func(obj any) bool) cache.ResourceEventHandler {
	enqueue := func(obj any) {
		if relevant(obj) {
			c.queue.Add(syncKey)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}
}

// relevantDictionary tells whether an event about a dictionary queues the sync: one of the
// managed ones changed, or any in a namespace that refused one of them (the tenant deleted
// the dictionary that held the name, or one that took its quota).
func (c *Controller) relevantDictionary(obj any) bool {
	if managed(obj) {
		return true
	}
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	d, ok := obj.(*v1alpha1.AlarmDictionary)
	if !ok {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.refused {
		if k.Namespace == d.Namespace {
			return true
		}
	}
	return false
}

func (c *Controller) hasRefused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.refused) > 0
}

// tenantsApart takes out of a sync's error the refusals of dictionaries outside the inventory
// namespace (inventory.Refused), records them (setRefused) and returns the rest. A tenant that
// holds a dictionary named like its type's, or whose quota is full, made the one pass over
// every namespace fail for ever: retried with backoff, logged as an error and counted as a
// sync error every time, while the failure was the tenant's to resolve.
func (c *Controller) tenantsApart(err error) error {
	refused := map[types.NamespacedName]string{}
	var rest []error
	if err != nil {
		errs := []error{err}
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			errs = joined.Unwrap()
		}
		for _, e := range errs {
			var oe *inventory.ObjectError
			if errors.As(e, &oe) && oe.Object.Namespace != c.cfg.Namespace && inventory.Refused(e) {
				refused[oe.Object] = e.Error()
				continue
			}
			rest = append(rest, e)
		}
	}
	c.setRefused(refused)
	return errors.Join(rest...)
}

// setRefused records the refused dictionaries, logging each once when it is first refused
// (or for another reason) and once when it is not any more.
func (c *Controller) setRefused(refused map[types.NamespacedName]string) {
	c.mu.Lock()
	prev := c.refused
	c.refused = refused
	c.mu.Unlock()
	for k, why := range refused {
		if prev[k] != why {
			klog.InfoS("Alarm dictionary of a tenant's resource type not written: its namespace refused it; tried again when a dictionary there changes",
				"dictionary", k, "reason", why, "retryInterval", c.cfg.RefusedRetryInterval)
		}
	}
	for k := range prev {
		if _, ok := refused[k]; !ok {
			klog.V(2).InfoS("Alarm dictionary no longer refused", "dictionary", k)
		}
	}
	if c.cfg.Metrics != nil && c.cfg.Metrics.Refused != nil {
		c.cfg.Metrics.Refused.Set(float64(len(refused)))
	}
}

func managed(obj any) bool {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	d, ok := obj.(*v1alpha1.AlarmDictionary)
	return ok && inventory.IsManaged(d)
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	err := requeue.Recovered(ctx, func() error { return c.sync(ctx) })
	if err == nil {
		c.queue.Forget(key)
		if c.hasRefused() {
			// Not with backoff: what a tenant's namespace refuses is retried at a slow, even
			// pace (and at once when a dictionary there changes: relevantDictionary).
			c.queue.AddAfter(key, c.cfg.RefusedRetryInterval)
		}
		return true
	}
	if ctx.Err() != nil {
		return true
	}
	reason := "error"
	if apierrors.IsConflict(err) {
		// The cache was behind a write (often our own): retry on fresher data.
		reason = "conflict"
		klog.V(4).InfoS("Alarm dictionary sync raced with a write; retrying", "err", err)
	} else {
		klog.ErrorS(err, "Alarm dictionary sync failed; retrying with backoff", "retries", c.queue.NumRequeues(key))
	}
	if c.cfg.Metrics != nil {
		c.cfg.Metrics.SyncErrors.WithLabelValues(reason).Inc()
	}
	c.queue.AddRateLimited(key)
	return true
}

// sync makes the managed dictionaries what the standard, the types and the rules say.
func (c *Controller) sync(ctx context.Context) error {
	o2 := c.cfg.Informers.O2ims().V1alpha1()
	types, err := o2.ResourceTypes().Lister().List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list resource types: %w", err)
	}
	existing, err := o2.AlarmDictionaries().Lister().List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list alarm dictionaries: %w", err)
	}
	desired := []*v1alpha1.AlarmDictionary{standardDictionary(c.cfg.IDs, c.cfg.Namespace)}
	for _, t := range types {
		if t.Spec.ResourceTypeID == "" || t.DeletionTimestamp != nil {
			continue
		}
		desired = append(desired, typeDictionary(c.cfg.IDs, t))
	}

	var prev *v1alpha1.AlarmDictionary
	others := existing[:0:0]
	for _, d := range existing {
		if d.Namespace == c.cfg.Namespace && d.Name == rulesKey && inventory.IsManaged(d) {
			prev = d
			continue
		}
		others = append(others, d)
	}
	complete, keptRules := true, false
	switch lister, known := c.rulesLister(); {
	case !known:
		complete, keptRules = false, true
		// Until discovery answers, the stored rules dictionary is neither desired nor
		// deleted: it stays as it is.
		existing = others
	case lister != nil:
		// A rule namespace not read yet (no Role there, for now or for good) keeps the
		// definitions last published of it: dropping them would tell every SMO its alerts were
		// deleted when they were only not read.
		rules, unread, err := listRules(lister)
		if err != nil {
			return err
		}
		c.setUnread(unread)
		complete = len(unread) == 0
		desired = append(desired, rulesDictionary(c.cfg.IDs, c.cfg.Namespace, rules, unread, prev))
	default:
		// PrometheusRules are not served: no namespace is watched, none is unread.
		c.setUnread(nil)
	}
	computed := desired
	if keptRules && prev != nil {
		// Until discovery answers, the stored rules dictionary stays as it is (not among what
		// is written): alarms resolve in it meanwhile too.
		computed = append(desired[:len(desired):len(desired)], prev)
	}
	c.desired.Store(&computed)
	if complete {
		c.settledOnce.Do(func() { close(c.settled) })
	}
	return c.tenantsApart(c.kind.Sync(ctx, c.writer, desired, existing))
}

// setUnread shows the number of rule namespaces not read yet in the metrics.
func (c *Controller) setUnread(unread []string) {
	if c.cfg.Metrics != nil {
		c.cfg.Metrics.UnreadRuleNamespaces.Set(float64(len(unread)))
	}
}

// ruleLister lists the PrometheusRules of the rule namespaces read so far, and names those not
// read yet: what their caches lack may exist. Each namespace is judged once per call, so a
// namespace read meanwhile is either listed or named, never neither.
type ruleLister interface {
	List(selector labels.Selector) (rules []runtime.Object, unread []string, err error)
}

// ruleNamespace is the PrometheusRule informer of one rule namespace.
type ruleNamespace struct {
	namespace string
	lister    cache.GenericLister
	// read reports whether the namespace's rules have been listed.
	read func() bool
}

// namespaceListers lists the rules of several namespaces, one informer each.
type namespaceListers []ruleNamespace

// List lists the rules of the namespaces read, and names the others: an unread one's cache
// says nothing.
func (l namespaceListers) List(selector labels.Selector) ([]runtime.Object, []string, error) {
	var out []runtime.Object
	var unread []string
	for _, one := range l {
		if !one.read() {
			unread = append(unread, one.namespace)
			continue
		}
		objs, err := one.lister.List(selector)
		if err != nil {
			return nil, nil, fmt.Errorf("list PrometheusRules in %s: %w", one.namespace, err)
		}
		out = append(out, objs...)
	}
	return out, unread, nil
}

// unread names the namespaces not read yet.
func (l namespaceListers) unread() []string {
	var out []string
	for _, one := range l {
		if !one.read() {
			out = append(out, one.namespace)
		}
	}
	return out
}

// listRules lists the rules of the namespaces read and names those not read yet.
func listRules(lister ruleLister) ([]*unstructured.Unstructured, []string, error) {
	objs, unread, err := lister.List(labels.Everything())
	if err != nil {
		return nil, nil, fmt.Errorf("list prometheus rules: %w", err)
	}
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		if u, ok := o.(*unstructured.Unstructured); ok {
			out = append(out, u)
		}
	}
	return out, unread, nil
}
