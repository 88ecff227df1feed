package controller

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/fairqueue"
	"github.com/netweave-io/netweave/pkg/inventory/members"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/provisioning"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// QueueName names the controller's workqueue in its metrics.
const QueueName = "provisioning_requests"

// Config configures a Controller.
type Config struct {
	// Client writes ProvisioningRequests (finalizer, status) over the server's loopback
	// connection.
	Client versioned.Interface
	// Informers is the process's shared factory: requests, templates, and the inventory's
	// DeploymentManagers and Resources the cluster's member appears as.
	Informers *o2informers.Shared
	// Dynamic writes and watches Cluster API Clusters in the management cluster.
	Dynamic dynamic.Interface
	// InventoryNamespace is the operator's namespace: requests may be made there, shared
	// templates live there, and member clusters' inventory is written there.
	InventoryNamespace string
	// Namespaces are the tenant namespaces where requests may be made (and so Clusters are
	// built); with the inventory namespace, the namespaces whose Clusters are watched.
	Namespaces []string
	// Workers reconcile that many requests at once (1 when 0).
	Workers int
	Metrics *provisioning.Metrics
	// RetryBase and RetryMax bound the backoff of a failing request.
	RetryBase, RetryMax time.Duration
	// Now is the clock of status times (tests).
	Now func() time.Time
}

// Controller turns ProvisioningRequests into Cluster API Clusters and follows them.
type Controller struct {
	cfg Config
}

// New returns a Controller; it requests its informers from the shared factory at once, so
// call it before the factory starts.
func New(cfg Config) *Controller {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 500 * time.Millisecond
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Informers != nil {
		f := cfg.Informers.Factory().O2ims().V1alpha1()
		f.ProvisioningRequests().Informer()
		f.ManagedInfrastructureTemplates().Informer()
		f.DeploymentManagers().Informer()
		f.O2Resources().Informer()
	}
	return &Controller{cfg: cfg}
}

// clusterNamespaces are the namespaces whose Clusters are watched and written.
func (c *Controller) clusterNamespaces() []string {
	return slices.Compact(slices.Sorted(slices.Values(append([]string{c.cfg.InventoryNamespace}, c.cfg.Namespaces...))))
}

// Lead reconciles for one leader term, until ctx ends.
func (c *Controller) Lead(ctx context.Context) {
	logger := klog.FromContext(ctx).WithName("provisioning-controller")
	ctx = klog.NewContext(ctx, logger)
	clusters, err := clusterapi.NewInformers(c.cfg.Dynamic, clusterapi.Clusters, c.clusterNamespaces(), clusterapi.DecodeCluster)
	if err != nil {
		logger.Error(err, "Watching Clusters")
		return
	}
	machines, err := c.machineInformers()
	if err != nil {
		logger.Error(err, "Watching Machines")
		return
	}
	term := c.cfg.Informers.Term()
	defer term.Shutdown()
	f := term.O2ims().V1alpha1()
	// Requests are handed out to the workers a namespace at a time, round-robin, and one
	// namespace's hold all workers but one at most (fairqueue): the workers are every tenant's.
	queue := fairqueue.NewRateLimiting(QueueName,
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](c.cfg.RetryBase, c.cfg.RetryMax), c.cfg.Workers)
	defer queue.ShutDown()
	r := &reconciler{
		cfg: c.cfg, clusters: clusters,
		requests: f.ProvisioningRequests().Lister(), templates: f.ManagedInfrastructureTemplates().Lister(),
		dms: f.DeploymentManagers().Lister(), resources: f.O2Resources().Lister(), machines: machines,
		orphans: newOrphans(c.cfg.Metrics),
	}
	defer r.orphans.reset()
	h := handlers{queue: queue, clusters: clusters, requests: r.requests, inventoryNamespace: c.cfg.InventoryNamespace}
	for _, reg := range []struct {
		what string
		add  func(cache.ResourceEventHandler) error
		h    cache.ResourceEventHandler
	}{
		{"ProvisioningRequests", informerAdd(f.ProvisioningRequests().Informer()), cache.ResourceEventHandlerFuncs{
			AddFunc: h.request, DeleteFunc: h.request,
			UpdateFunc: func(old, obj any) {
				if requestChanged(old, obj) {
					h.request(obj)
				}
			}}},
		{"Clusters", clusters.AddEventHandler, onAny(h.cluster)},
		{"Machines", machines.AddEventHandler, onAny(h.machine)},
		{"ManagedInfrastructureTemplates", informerAdd(f.ManagedInfrastructureTemplates().Informer()), onAny(h.template)},
		{"DeploymentManagers", informerAdd(f.DeploymentManagers().Informer()), onAny(h.member)},
		{"Resources", informerAdd(f.O2Resources().Informer()), onAny(h.member)},
	} {
		if err := reg.add(reg.h); err != nil {
			logger.Error(err, "Watching", "kind", reg.what)
			return
		}
	}
	// A namespace whose Clusters or Machines netweave cannot read (its Role missing) holds
	// back its own requests only (reconcile): the others are reconciled meanwhile.
	if _, err := clusters.Run(ctx); err != nil {
		return
	}
	if _, err := machines.Run(ctx); err != nil {
		return
	}
	for typ, ok := range term.WaitForCacheSync(ctx.Done()) {
		if !ok {
			logger.Info("Informer did not sync; term ends", "type", typ)
			return
		}
	}
	var wg sync.WaitGroup
	if unread := r.unreadNamespaces(); len(unread) > 0 {
		logger.Error(nil, "Clusters or Machines not read in some namespaces; their requests wait until they are", "namespaces", unread)
		wg.Go(func() { r.requeueWhenRead(ctx, queue, unread) })
	}
	logger.Info("Reconciling ProvisioningRequests", "clusterNamespaces", c.clusterNamespaces(), "workers", c.cfg.Workers)
	for range c.cfg.Workers {
		wg.Go(func() {
			wait.UntilWithContext(ctx, func(ctx context.Context) {
				for provisioning.ProcessNext(ctx, queue, "provisioningRequest", r.reconcile) {
				}
			}, time.Second)
		})
	}
	<-ctx.Done()
	queue.ShutDown()
	wg.Wait()
}

// machineInformers watch the Machines of the namespaces Clusters are watched in, indexed by
// their Cluster: the request's status reports them.
func (c *Controller) machineInformers() (*clusterapi.Informers, error) {
	machines, err := clusterapi.NewInformers(c.cfg.Dynamic, clusterapi.Machines, c.clusterNamespaces(), clusterapi.DecodeMachine)
	if err != nil {
		return nil, err
	}
	if err := machines.AddIndexers(clusterapi.ClusterNameIndexers()); err != nil {
		return nil, err
	}
	return machines, nil
}

// unreadNamespaces are the namespaces whose Clusters or Machines are not read yet.
func (r *reconciler) unreadNamespaces() []string {
	return slices.Compact(slices.Sorted(slices.Values(append(r.clusters.UnreadNamespaces(), r.machines.UnreadNamespaces()...))))
}

// requeueWhenRead queues the requests of each of namespaces once its Clusters and Machines are
// read: until then reconcile refused them (retried with backoff, which may have grown long).
func (r *reconciler) requeueWhenRead(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string], namespaces []string) {
	logger := klog.FromContext(ctx)
	pending := slices.Clone(namespaces)
	_ = wait.PollUntilContextCancel(ctx, time.Second, true, func(context.Context) (bool, error) {
		pending = slices.DeleteFunc(pending, func(ns string) bool {
			if r.clusters.Unread(ns) || r.machines.Unread(ns) {
				return false
			}
			reqs, err := r.requests.ProvisioningRequests(ns).List(labels.Everything())
			if err != nil {
				return false
			}
			logger.Info("Clusters and Machines read; reconciling the namespace's requests", "namespace", ns, "requests", len(reqs))
			for _, req := range reqs {
				queue.Add(req.Namespace + "/" + req.Name)
			}
			return true
		})
		return len(pending) == 0, nil
	})
}

func informerAdd(inf cache.SharedIndexInformer) func(cache.ResourceEventHandler) error {
	return func(h cache.ResourceEventHandler) error {
		_, err := inf.AddEventHandler(h)
		return err
	}
}

func onAny(f func(any)) cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{AddFunc: f, UpdateFunc: func(_, obj any) { f(obj) }, DeleteFunc: f}
}

// requestChanged says whether a request update is one to reconcile: any change, its status
// too. The status is derived from what the controller observes, and what is stored may not be
// that: a write made from an informer copy older than the controller's own previous write
// (which compared against that older status and may have found "no change" while the stored
// one differed), or another writer's. Reconciling after each status write costs one pass that
// writes nothing when the stored status is right. Resyncs (same resourceVersion) are not
// changes.
func requestChanged(old, obj any) bool {
	o, ok1 := old.(*v1alpha1.ProvisioningRequest)
	n, ok2 := obj.(*v1alpha1.ProvisioningRequest)
	return !ok1 || !ok2 || o.ResourceVersion != n.ResourceVersion
}

// handlers map events of the watched kinds to the requests they concern.
type handlers struct {
	queue              workqueue.TypedRateLimitingInterface[string]
	clusters           *clusterapi.Informers
	requests           o2listers.ProvisioningRequestLister
	inventoryNamespace string
}

func (h handlers) request(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	h.queue.Add(key)
}

// cluster queues the request of a Cluster: its label, and the request its name is made for, by
// the rule that names Clusters (ClusterName: a namespace over 26 characters is cut and hashed,
// so the name does not start with "<namespace>-"). The two are the same for the Clusters the
// controller makes; a Cluster without the label, or labelled for another request, is someone
// else's blocking the request of its name, which must hear of its deletion.
func (h handlers) cluster(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	c, ok := obj.(*clusterv1.Cluster)
	if !ok {
		return
	}
	if name := c.Labels[v1alpha1.LabelProvisioningRequest]; name != "" {
		h.queue.Add(c.Namespace + "/" + name)
	}
	if name, ok := members.ProvisionedRequest(c.Namespace, c.Name); ok {
		h.queue.Add(c.Namespace + "/" + name)
	}
}

// machine queues the request of a Machine's Cluster (its cluster.x-k8s.io/cluster-name label),
// as an event of the Cluster would. A Machine whose Cluster is not cached yet waits for it: the
// Cluster's own event reconciles the request, which then reads the Machine.
func (h handlers) machine(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, ok := obj.(*clusterv1.Machine)
	if !ok {
		return
	}
	name := m.Labels[clusterv1.ClusterNameLabel]
	if name == "" {
		return
	}
	if c, err := h.clusters.Get(m.Namespace, name); err == nil && c != nil {
		h.cluster(c)
	}
}

// template queues the requests that name a template that appeared or changed (one admitted
// while the template sync caught up, or whose ClusterClass variables changed).
func (h handlers) template(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	t, ok := obj.(*v1alpha1.ManagedInfrastructureTemplate)
	if !ok {
		return
	}
	var (
		reqs []*v1alpha1.ProvisioningRequest
		err  error
	)
	if t.Namespace == h.inventoryNamespace {
		reqs, err = h.requests.List(labels.Everything())
	} else {
		reqs, err = h.requests.ProvisioningRequests(t.Namespace).List(labels.Everything())
	}
	if err != nil {
		return
	}
	for _, r := range reqs {
		if r.Spec.TemplateName == t.Spec.Name && r.Spec.TemplateVersion == t.Spec.Version {
			h.request(r)
		}
	}
}

// member queues the request whose cluster a member DeploymentManager or Resource belongs to:
// the member is named after the Cluster (ClusterName), found in the watched namespaces.
func (h handlers) member(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	var memberName string
	switch o := obj.(type) {
	case *v1alpha1.DeploymentManager:
		memberName = o.Labels[v1alpha1.LabelCluster]
	case *v1alpha1.O2Resource:
		memberName = o.Labels[v1alpha1.LabelCluster]
	}
	if memberName == "" {
		return
	}
	for _, ns := range h.clusters.Namespaces() {
		if obj, err := h.clusters.Get(ns, memberName); err == nil && obj != nil {
			h.cluster(obj)
		}
	}
}

// String names the controller in logs.
func (c *Controller) String() string {
	return fmt.Sprintf("provisioning controller (%d workers)", c.cfg.Workers)
}
