package templates

import (
	"context"
	"fmt"
	"sync"
	"time"

	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/provisioning"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// QueueName names the sync's workqueue in its metrics.
const QueueName = "provisioning_templates"

// Config configures a Syncer.
type Config struct {
	// Client writes ManagedInfrastructureTemplates (netweave's loopback client).
	Client versioned.Interface
	// Informers is the process's shared factory; the sync reads templates through a term of it.
	Informers *o2informers.Shared
	// Dynamic reads ClusterClasses in the management cluster.
	Dynamic dynamic.Interface
	// Namespaces hold the ClusterClasses offered as templates; each is watched by its own
	// namespaced informer.
	Namespaces []string
	Metrics    *provisioning.Metrics
	// RetryBase and RetryMax bound the backoff of a failing ClusterClass.
	RetryBase, RetryMax time.Duration
}

// Syncer keeps the templates equal to the ClusterClasses.
type Syncer struct {
	cfg Config
}

// New returns a Syncer; it requests the template informer from the shared factory at once,
// so call it before the factory starts.
func New(cfg Config) *Syncer {
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 500 * time.Millisecond
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = 2 * time.Minute
	}
	if cfg.Informers != nil {
		cfg.Informers.Factory().O2ims().V1alpha1().ManagedInfrastructureTemplates().Informer()
	}
	return &Syncer{cfg: cfg}
}

// Lead syncs for one leader term, until ctx ends: informers of the ClusterClasses for the
// term, the shared template informer through a term view, one worker.
func (s *Syncer) Lead(ctx context.Context) {
	logger := klog.FromContext(ctx).WithName("template-sync")
	ctx = klog.NewContext(ctx, logger)
	classes, err := clusterapi.NewInformers(s.cfg.Dynamic, clusterapi.ClusterClasses, s.cfg.Namespaces, clusterapi.DecodeClusterClass)
	if err != nil {
		logger.Error(err, "Watching ClusterClasses")
		return
	}
	term := s.cfg.Informers.Term()
	defer term.Shutdown()
	templates := term.O2ims().V1alpha1().ManagedInfrastructureTemplates()
	queue := workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](s.cfg.RetryBase, s.cfg.RetryMax),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: QueueName})
	defer queue.ShutDown()
	r := &reconciler{classes: classes, templates: templates.Lister(), client: s.cfg.Client, metrics: s.cfg.Metrics}

	enqueueClass := func(obj any) {
		key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
		if err != nil {
			utilruntime.HandleError(err)
			return
		}
		queue.Add(key)
	}
	if err := classes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueueClass,
		UpdateFunc: func(old, obj any) { enqueueClass(obj) },
		DeleteFunc: enqueueClass,
	}); err != nil {
		logger.Error(err, "Watching ClusterClasses")
		return
	}
	// A template of the sync's that changes or goes away is put back; one whose ClusterClass
	// is gone (deleted while no replica led) is deleted by its class's reconcile.
	enqueueTemplate := func(obj any) {
		if t, ok := templateOf(obj); ok && t.Labels[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByTemplateSync && classes.Watches(t.Namespace) {
			queue.Add(t.Namespace + "/" + t.Labels[v1alpha1.LabelClusterClass])
		}
	}
	if _, err := templates.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueueTemplate,
		UpdateFunc: func(_, obj any) { enqueueTemplate(obj) },
		DeleteFunc: enqueueTemplate,
	}); err != nil {
		logger.Error(err, "Watching ManagedInfrastructureTemplates")
		return
	}
	// A namespace whose ClusterClasses netweave cannot read (its Role missing) holds back its
	// own templates only (reconcile); its classes are queued as they are listed.
	unread, err := classes.Run(ctx)
	if err != nil {
		return
	}
	if len(unread) > 0 {
		logger.Error(nil, "ClusterClasses not read in some namespaces; their templates are synced once they are", "namespaces", unread)
	}
	for typ, ok := range term.WaitForCacheSync(ctx.Done()) {
		if !ok {
			logger.Info("Informer did not sync; term ends", "type", typ)
			return
		}
	}
	logger.Info("Syncing templates", "namespaces", s.cfg.Namespaces)
	var wg sync.WaitGroup
	wg.Go(func() {
		wait.UntilWithContext(ctx, func(ctx context.Context) {
			for provisioning.ProcessNext(ctx, queue, "clusterClass", r.reconcile) {
			}
		}, time.Second)
	})
	<-ctx.Done()
	queue.ShutDown()
	wg.Wait()
}

func templateOf(obj any) (*v1alpha1.ManagedInfrastructureTemplate, bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	t, ok := obj.(*v1alpha1.ManagedInfrastructureTemplate)
	return t, ok
}

func classOf(obj any) (*clusterv1.ClusterClass, error) {
	cc, ok := obj.(*clusterv1.ClusterClass)
	if !ok {
		return nil, fmt.Errorf("cached ClusterClass is a %T", obj)
	}
	return cc, nil
}

// String names the sync in logs.
func (s *Syncer) String() string { return fmt.Sprintf("template sync (%v)", s.cfg.Namespaces) }
