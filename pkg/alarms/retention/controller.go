package retention

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/requeue"
)

// retentionKey is the retention queue's one key: one pass judges every record.
const retentionKey = "retention"

// DefaultMaxPurgeAttempts is how often a purge task is tried before it is FAILED.
const DefaultMaxPurgeAttempts = 5

// Config configures a Controller.
type Config struct {
	// Clock tells the time and times the next expiry; the real clock when nil.
	Clock clock.WithTicker
	// FieldManager names the controller's writes in managedFields.
	FieldManager string
	Metrics      *Metrics
	// MaxPurgeAttempts is how often a purge task is tried before it is FAILED;
	// DefaultMaxPurgeAttempts when zero.
	MaxPurgeAttempts int
}

// Controller purges alarm records when their retention period passes and when AlarmPurge
// tasks ask for it. Run it on the leader only.
type Controller struct {
	cfg       Config
	client    versioned.Interface
	informers externalversions.SharedInformerFactory
	records   o2listers.AlarmEventRecordLister
	configs   o2listers.AlarmServiceConfigurationLister
	purges    o2listers.AlarmPurgeLister
	// retention holds retentionKey, added when the configuration or a purgeable record changes
	// and after the next expiry; purges holds the keys of AlarmPurge tasks to carry out.
	retention workqueue.TypedRateLimitingInterface[string]
	purgeQ    workqueue.TypedRateLimitingInterface[string]
	// unrecorded is, per purge task key, how many alarms its last attempt removed without
	// the count reaching status.purged (the status write failed): the retry finds them gone
	// and would not count them again. Kept with the task's uid, so that a task deleted and
	// created again under its name meanwhile starts from nothing. Only the one purge worker
	// touches it.
	unrecorded map[string]unrecordedRemovals
}

// New prepares a controller reading from informers (the process's one O2 informer factory)
// and writing through client; nothing runs until Run.
func New(client versioned.Interface, informers externalversions.SharedInformerFactory, cfg Config) (*Controller, error) {
	if client == nil || informers == nil {
		return nil, errors.New("alarm retention: client and informers are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.MaxPurgeAttempts <= 0 {
		cfg.MaxPurgeAttempts = DefaultMaxPurgeAttempts
	}
	o2 := informers.O2ims().V1alpha1()
	queue := func(name string) workqueue.TypedRateLimitingInterface[string] {
		return workqueue.NewTypedRateLimitingQueueWithConfig(requeue.RateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: name, Clock: cfg.Clock})
	}
	return &Controller{
		cfg:        cfg,
		client:     client,
		informers:  informers,
		records:    o2.AlarmEventRecords().Lister(),
		configs:    o2.AlarmServiceConfigurations().Lister(),
		purges:     o2.AlarmPurges().Lister(),
		retention:  queue("alarm-retention"),
		purgeQ:     queue("alarm-purge"),
		unrecorded: map[string]unrecordedRemovals{},
	}, nil
}

// Run purges until ctx is done. It returns an error only when the informers cannot start.
func (c *Controller) Run(ctx context.Context) error {
	defer utilruntime.HandleCrash()
	defer c.retention.ShutDown()
	defer c.purgeQ.ShutDown()
	if err := c.watch(); err != nil {
		return err
	}
	c.informers.Start(ctx.Done())
	for typ, ok := range c.informers.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("wait for %v cache: %w", typ, errors.Join(ctx.Err(), errors.New("not synced")))
		}
	}
	c.retention.Add(retentionKey)
	klog.InfoS("Alarm retention and purging started")
	var wg sync.WaitGroup
	wg.Go(func() { wait.UntilWithContext(ctx, c.retentionWorker, time.Second) })
	wg.Go(func() { wait.UntilWithContext(ctx, c.purgeWorker, time.Second) })
	<-ctx.Done()
	c.retention.ShutDown()
	c.purgeQ.ShutDown()
	wg.Wait()
	return nil
}

func (c *Controller) watch() error {
	o2 := c.informers.O2ims().V1alpha1()
	// Any change of the configuration may shorten the period (purge at once) or delete it
	// (create it again).
	config := func(any) { c.retention.Add(retentionKey) }
	if _, err := o2.AlarmServiceConfigurations().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: config, UpdateFunc: func(_, obj any) { config(obj) }, DeleteFunc: config,
	}); err != nil {
		return fmt.Errorf("watch alarm service configuration: %w", err)
	}
	if _, err := o2.AlarmEventRecords().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.recordEvent, UpdateFunc: func(_, obj any) { c.recordEvent(obj) },
	}); err != nil {
		return fmt.Errorf("watch alarm records: %w", err)
	}
	// Only new tasks (and, after a restart, unfinished ones) are queued: updates are the
	// worker's own status writes.
	if _, err := o2.AlarmPurges().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: c.purgeEvent}); err != nil {
		return fmt.Errorf("watch alarm purges: %w", err)
	}
	return nil
}

// recordEvent times a retention pass for when a record that became purgeable expires.
func (c *Controller) recordEvent(obj any) {
	r, ok := obj.(*v1alpha1.AlarmEventRecord)
	if !ok || !purgeable(r) {
		return
	}
	period, err := c.period()
	if err != nil {
		// No configuration yet: the pass that creates it judges this record too.
		c.retention.Add(retentionKey)
		return
	}
	c.retention.AddAfter(retentionKey, r.Status.AlarmClearedTime.Add(period).Sub(c.cfg.Clock.Now()))
}

func (c *Controller) purgeEvent(obj any) {
	p, ok := obj.(*v1alpha1.AlarmPurge)
	if !ok || finished(p) {
		return
	}
	key, err := cache.MetaNamespaceKeyFunc(p)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.purgeQ.Add(key)
}

func (c *Controller) retentionWorker(ctx context.Context) {
	for c.next(ctx, c.retention, "retention", func(ctx context.Context, _ string) error {
		next, err := c.syncRetention(ctx)
		if err == nil && next > 0 {
			c.retention.AddAfter(retentionKey, next)
		}
		return err
	}) {
	}
}

func (c *Controller) purgeWorker(ctx context.Context) {
	for c.next(ctx, c.purgeQ, "purge", c.syncPurge) {
	}
}

// next processes one key of queue with sync, retrying failures with backoff.
func (c *Controller) next(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string], worker string,
	sync func(context.Context, string) error) bool {
	key, quit := queue.Get()
	if quit {
		return false
	}
	defer queue.Done(key)
	err := requeue.Recovered(ctx, func() error { return sync(ctx, key) })
	if err == nil {
		queue.Forget(key)
		return true
	}
	if ctx.Err() != nil {
		return true
	}
	if apierrors.IsConflict(err) {
		klog.V(4).InfoS("Alarm "+worker+" raced with a write; retrying", "key", key, "err", err)
	} else {
		klog.ErrorS(err, "Alarm "+worker+" failed; retrying with backoff", "key", key, "retries", queue.NumRequeues(key))
	}
	c.cfg.Metrics.failed(worker)
	queue.AddRateLimited(key)
	return true
}
