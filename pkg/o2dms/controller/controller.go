package controller

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	o2dmslisters "github.com/netweave-io/netweave/generated/listers/o2dms/v1alpha1"
	o2imslisters "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/fairqueue"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeployment"
	"github.com/netweave-io/netweave/pkg/requeue"
)

// QueueName names the workqueue in its metrics.
const QueueName = "o2dms_nfdeployments"

// Releases runs Helm actions in a target (helmrelease.Engine).
type Releases interface {
	Apply(ctx context.Context, t helmrelease.Target, name string, ch *chart.Chart, values map[string]any, chartID string) (*helmrelease.Release, error)
	Rollback(ctx context.Context, t helmrelease.Target, name string, revision int) (*helmrelease.Release, error)
	Uninstall(ctx context.Context, t helmrelease.Target, name string, unowned helmrelease.Unowned) error
	Get(ctx context.Context, t helmrelease.Target, name string) (*helmrelease.Release, error)
	History(ctx context.Context, t helmrelease.Target, name string) ([]helmrelease.Revision, error)
	RecordOwner(ctx context.Context, t helmrelease.Target, name string) error
}

// Config configures a Controller.
type Config struct {
	// Client writes NfDeployments (finalizers, status) over the server's loopback connection.
	Client versioned.Interface
	// Informers is the process's shared factory; the controller reads through a term of it.
	Informers *o2informers.Shared
	// Kube holds the Lease (the cluster netweave runs in).
	Kube  kubernetes.Interface
	Lease leader.Options
	// InventoryNamespace is the operator's shared namespace (descriptors, DeploymentManagers).
	InventoryNamespace string
	// TargetNamespaces is the tenancy mapping admission applies (nil: nfdeployment.SameName).
	TargetNamespaces nfdeployment.TargetNamespaces
	Releases         Releases
	Charts           Fetcher
	Targets          Targets
	Workloads        Workloads
	// Workers reconcile that many NfDeployments at once (1 when 0).
	Workers int
	// Resync is how often a DEPLOYED NfDeployment's release is checked for drift (and its
	// workloads' readiness refreshed).
	Resync time.Duration
	// RetryBase and RetryMax bound the exponential backoff of a failing NfDeployment.
	RetryBase, RetryMax time.Duration
	// Events records an Event regarding an NfDeployment at each change of its phase (and of
	// a failure's reason), so `kubectl describe nfdeployment` tells its story; none when nil.
	Events events.EventRecorder
	// Now is the clock of status times (tests).
	Now func() time.Time
}

// Controller reconciles NfDeployments into Helm releases.
type Controller struct {
	cfg Config

	mu          sync.Mutex
	deployments o2dmslisters.NfDeploymentLister
	descriptors o2dmslisters.NfDeploymentDescriptorLister
	managers    o2imslisters.DeploymentManagerLister
	queue       workqueue.TypedRateLimitingInterface[string]
}

// New returns a Controller; it requests its informers from the shared factory at once, so
// call it before the factory starts.
func New(cfg Config) *Controller {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Resync <= 0 {
		cfg.Resync = time.Minute
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Informers != nil {
		f := cfg.Informers.Factory().O2dms().V1alpha1()
		f.NfDeployments().Informer()
		f.NfDeploymentDescriptors().Informer()
		cfg.Informers.Factory().O2ims().V1alpha1().DeploymentManagers().Informer()
	}
	return &Controller{cfg: cfg}
}

// newQueue hands NfDeployments out to the workers a namespace at a time, round-robin, one
// namespace's to all workers but one at most (fairqueue): the workers are every tenant's.
func (c *Controller) newQueue() workqueue.TypedRateLimitingInterface[string] {
	return fairqueue.NewRateLimiting(QueueName,
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](c.cfg.RetryBase, c.cfg.RetryMax), c.cfg.Workers)
}

// Run reconciles while this replica holds the controller's Lease, until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	logger := klog.FromContext(ctx).WithName("o2dms-controller")
	ctx = klog.NewContext(ctx, logger)
	if err := leader.Run(ctx, c.cfg.Kube, c.cfg.Lease, c.lead); err != nil {
		logger.Error(err, "O2-DMS controller stopped")
	}
}

// lead is one leader term: handlers on the shared informers, workers until the term ends.
func (c *Controller) lead(ctx context.Context) {
	term := c.cfg.Informers.Term()
	defer term.Shutdown()
	f := term.O2dms().V1alpha1()
	queue := c.newQueue()
	defer queue.ShutDown()
	c.mu.Lock()
	c.deployments, c.descriptors, c.queue = f.NfDeployments().Lister(), f.NfDeploymentDescriptors().Lister(), queue
	c.managers = term.O2ims().V1alpha1().DeploymentManagers().Lister()
	c.mu.Unlock()
	if _, err := f.NfDeployments().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(old, obj any) {
			if changed(old, obj) {
				c.enqueue(obj)
			}
		},
		DeleteFunc: c.enqueue,
	}); err != nil {
		klog.FromContext(ctx).Error(err, "Watching NfDeployments")
		return
	}
	// A descriptor changed (a new chart version) upgrades the NfDeployments made from it.
	if _, err := f.NfDeploymentDescriptors().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueUsersOf,
		UpdateFunc: func(_, obj any) { c.enqueueUsersOf(obj) },
	}); err != nil {
		klog.FromContext(ctx).Error(err, "Watching NfDeploymentDescriptors")
		return
	}
	if _, err := term.O2ims().V1alpha1().DeploymentManagers().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{}); err != nil {
		klog.FromContext(ctx).Error(err, "Watching DeploymentManagers")
		return
	}
	for typ, ok := range term.WaitForCacheSync(ctx.Done()) {
		if !ok {
			klog.FromContext(ctx).Info("Informer did not sync; term ends", "type", typ)
			return
		}
	}
	var wg sync.WaitGroup
	for range c.cfg.Workers {
		wg.Go(func() { wait.UntilWithContext(ctx, c.worker, time.Second) })
	}
	<-ctx.Done()
	queue.ShutDown()
	wg.Wait()
}

func (c *Controller) enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.mu.Lock()
	q := c.queue
	c.mu.Unlock()
	if q != nil {
		q.Add(key)
	}
}

// changed says whether an NfDeployment update is one to reconcile: anything but a change of
// status alone. The controller writes the status itself and reconciles again on its own
// schedule (the retry backoff of a failure, the drift resync): its own status writes must not
// requeue the key at once, or a failing NfDeployment would be retried without backoff (each
// attempt writes UPGRADING then FAILED, each write an event) and a reconcile could run on an
// informer copy that predates its own last write.
func changed(old, obj any) bool {
	o, ok1 := old.(*v1alpha1.NfDeployment)
	n, ok2 := obj.(*v1alpha1.NfDeployment)
	if !ok1 || !ok2 {
		return true
	}
	return o.Generation != n.Generation ||
		!o.DeletionTimestamp.Equal(n.DeletionTimestamp) ||
		!slices.Equal(o.Finalizers, n.Finalizers) ||
		!maps.Equal(o.Labels, n.Labels) || !maps.Equal(o.Annotations, n.Annotations)
}

func (c *Controller) enqueueUsersOf(obj any) {
	d, ok := obj.(*v1alpha1.NfDeploymentDescriptor)
	if !ok {
		return
	}
	c.mu.Lock()
	lister := c.deployments
	c.mu.Unlock()
	var (
		deps []*v1alpha1.NfDeployment
		err  error
	)
	if d.Namespace == c.cfg.InventoryNamespace {
		deps, err = lister.List(labels.Everything())
	} else {
		deps, err = lister.NfDeployments(d.Namespace).List(labels.Everything())
	}
	if err != nil {
		return
	}
	for _, dep := range deps {
		if ns, name := descriptorOf(dep); ns == d.Namespace && name == d.Name {
			c.enqueue(dep)
		}
	}
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *Controller) processNext(ctx context.Context) bool {
	c.mu.Lock()
	q := c.queue
	c.mu.Unlock()
	key, quit := q.Get()
	if quit {
		return false
	}
	defer q.Done(key)
	logger := klog.FromContext(ctx).WithValues("nfDeployment", key)
	// This controller runs Helm's actions on what tenants control (their charts, the
	// repository indexes their descriptors name, release records in their target namespaces).
	var requeueAfter time.Duration
	err := requeue.Recovered(ctx, func() (err error) {
		requeueAfter, err = c.reconcile(klog.NewContext(ctx, logger), key)
		return err
	})
	switch {
	case err != nil:
		logger.Info("Reconcile failed; retrying with backoff", "err", err.Error(), "retries", q.NumRequeues(key))
		q.AddRateLimited(key)
	default:
		q.Forget(key)
		if requeueAfter > 0 {
			q.AddAfter(key, requeueAfter)
		}
	}
	return true
}

// String names the controller in logs.
func (c *Controller) String() string {
	return fmt.Sprintf("o2dms controller (%d workers)", c.cfg.Workers)
}
