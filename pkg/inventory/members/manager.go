package members

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/firstlist"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
	"github.com/netweave-io/netweave/pkg/requeue"
)

// Clients reach one member cluster.
type Clients struct {
	Kube kubernetes.Interface
	// Informers lists and watches for the member's informers: its lists are bounded by their
	// progress, not their length (boundProgress), sharing Kube's rate limit; nil uses Kube.
	Informers kubernetes.Interface
	// Dynamic reads Cluster API objects; nil skips them.
	Dynamic dynamic.Interface
	// Host is the member's API server URL: its DeploymentManager's serviceUri.
	Host string
	// Probe checks that the member's API server answers.
	Probe func(ctx context.Context) error
}

// Config configures a Manager.
type Config struct {
	// Namespace is the inventory namespace: it holds the members' Secrets and their synced
	// objects.
	Namespace string
	// Secrets reads the member Secrets (the cluster netweave runs in).
	Secrets kubernetes.Interface
	// CAPINamespaces are namespaces whose Cluster API kubeconfig Secrets (IsCAPIKubeconfig)
	// register members without the opt-in label (--inventory-capi-namespaces, with the
	// provisioning namespaces).
	CAPINamespaces []string
	// TenantNamespaces are the tenants' namespaces among CAPINamespaces
	// (--provisioning-namespaces): their Secrets register only the names of the clusters
	// provisioned there (OriginTenant).
	TenantNamespaces []string
	// Dynamic reads the Cluster API Clusters of TenantNamespaces (a tenant's Secret registers
	// only the kubeconfig of the Cluster built for one of its requests); required with them.
	Dynamic dynamic.Interface
	// O2 writes O2 objects (netweave's loopback client).
	O2 versioned.Interface
	// NewTerm returns a view of the process's O2 informers that lasts until its Shutdown; each
	// member's controller, and the manager, use their own.
	NewTerm func() externalversions.SharedInformerFactory
	// Connect builds the clients of a member from its registration; NewConnect(QPS, Burst,
	// RequestTimeout, Addresses) when nil.
	Connect func(reg Registration) (*Clients, error)
	// Addresses are where members' API servers may be dialled.
	Addresses Addresses
	// QPS and Burst bound the requests to each member's API server (its informers' lists
	// and watches, discovery, probes); client-go's defaults (5 and 10) when zero.
	QPS   float32
	Burst int
	// RequestTimeout bounds each request but watches to a member's API server, its answer
	// included (DefaultRequestTimeout when zero); an informer's list, the time to its answer
	// and each pause in it (boundProgress).
	RequestTimeout time.Duration
	// MaxNodes is the most Nodes of one member its inventory holds (DefaultMaxNodes when
	// zero): a tenant's member may be a server the tenant runs (nodeLimit).
	MaxNodes int
	// IDs is the O-Cloud's id space; each member's derives from it.
	IDs          inventory.IDs
	PoolLabel    string
	Metrics      *inventory.Metrics
	Workers      int
	SharedDelay  time.Duration
	FieldManager string
	// ProbeInterval is how often each member's API server is checked.
	ProbeInterval time.Duration
	// RetryInterval is how long a member whose sync failed to start (unreachable, bad
	// kubeconfig) waits before it is tried again.
	RetryInterval time.Duration
}

// Manager runs one sync per registered member and removes the inventory of members whose
// registration went away.
type Manager struct {
	cfg     Config
	watches []*secretWatch
	queue   workqueue.TypedRateLimitingInterface[string]

	mu      sync.Mutex
	running map[string]*member // by member name
	// unpurged are the members whose sync was stopped because the Secret named by the key no
	// longer registers them, and whose inventory is yet to be removed (the worker's only).
	unpurged map[string]sets.Set[string]

	// ignored, when set (by tests, before Run), is told each time a tenant's Secret is read
	// and registers nothing, and why.
	ignored func(key, why string)
}

// secretWatch is one namespaced informer of registration Secrets: the opt-in label in the
// inventory namespace, or Cluster API's label in one of Config.CAPINamespaces. Each is
// namespaced and label-selected, so netweave reads no other Secrets and needs RBAC on those
// namespaces only.
type secretWatch struct {
	namespace string
	capi      bool
	origin    Origin
	factory   informers.SharedInformerFactory
	informer  cache.SharedIndexInformer
	secrets   corelisters.SecretNamespaceLister

	// first follows the first list of the namespace's Secrets: one that fails (no Role there)
	// lets the manager go on without it (Run).
	first *firstlist.Watch
}

// read reports whether the namespace's Secrets have been listed.
func (w *secretWatch) read() bool { return w.first.Read() }

func newSecretWatch(client kubernetes.Interface, namespace, selector string, capi bool, origin Origin) *secretWatch {
	opts := []informers.SharedInformerOption{informers.WithNamespace(namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector })}
	if capi {
		opts = append(opts, informers.WithTransform(dropCAPIKeys))
	}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, opts...)
	return &secretWatch{namespace: namespace, capi: capi, origin: origin, factory: factory,
		informer: factory.Core().V1().Secrets().Informer(),
		secrets:  factory.Core().V1().Secrets().Lister().Secrets(namespace)}
}

// track follows the first list of the namespace's Secrets, reporting a failure naming the
// namespace; the informer keeps trying.
func (w *secretWatch) track() error {
	first, err := firstlist.Track(w.informer, func(_ context.Context, err error) {
		klog.ErrorS(err, "Cannot list the Secrets that register member clusters in a namespace; its members are not "+
			"registered, and the inventory of unregistered members is not removed, until it can be read (RBAC: get, list "+
			"and watch on Secrets there)", "namespace", w.namespace)
	})
	w.first = first
	return err
}

// dropCAPIKeys is the transform of the Cluster API Secret informers: Cluster API labels every
// Secret of a cluster alike (its CAs' and service-account signing keys, the etcd client's, the
// kubeconfig), and no selector tells the kubeconfig apart, so the others are listed too; their
// data is dropped before it is cached, so that netweave does not hold a tenant's cluster keys.
func dropCAPIKeys(obj any) (any, error) {
	if s, ok := obj.(*corev1.Secret); ok && !IsCAPIKubeconfig(s) {
		s.Data, s.StringData = nil, nil
	}
	return obj, nil
}

// registers reports whether s, listed by w, registers a member.
func (w *secretWatch) registers(s *corev1.Secret) bool { return !w.capi || IsCAPIKubeconfig(s) }

// member is a running member sync.
type member struct {
	reg    Registration
	cancel context.CancelFunc
	done   chan struct{}
}

// NewManager prepares a manager; nothing runs until Run.
func NewManager(cfg Config) *Manager {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Connect == nil {
		cfg.Connect = NewConnect(cfg.QPS, cfg.Burst, cfg.RequestTimeout, cfg.Addresses)
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = 5 * time.Second
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 5 * time.Second
	}
	watches := []*secretWatch{newSecretWatch(cfg.Secrets, cfg.Namespace, Selector(), false, OriginInventory)}
	for _, ns := range cfg.CAPINamespaces {
		watches = append(watches, newSecretWatch(cfg.Secrets, ns, CAPISelector(), true, OriginOf(ns, cfg.Namespace, cfg.TenantNamespaces)))
	}
	return &Manager{
		cfg:     cfg,
		watches: watches,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(requeue.RateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "inventory-members"}),
		running:  map[string]*member{},
		unpurged: map[string]sets.Set[string]{},
	}
}

// NewConnect returns a Connect that builds a member's clients from its kubeconfig, dialled at
// the addresses addrs allows for its origin, rate
// limited to qps and burst per member (client-go's defaults when zero), whatever the
// kubeconfig says: a member's load on its API server is netweave's to bound. Every request
// but a watch ends within timeout (BoundRequests; DefaultRequestTimeout when zero), but the
// informers' lists, which must only keep coming (boundProgress).
func NewConnect(qps float32, burst int, timeout time.Duration, addrs Addresses) func(reg Registration) (*Clients, error) {
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	return func(reg Registration) (*Clients, error) { return connect(reg, addrs, qps, burst, timeout) }
}

func connect(reg Registration, addrs Addresses, qps float32, burst int, timeout time.Duration) (*Clients, error) {
	rc, err := addrs.RESTConfigOf(reg)
	if err != nil {
		return nil, err
	}
	rc.UserAgent = "netweave-inventory-member"
	rc.QPS, rc.Burst = qps, burst
	// The informers' client shares the member's client's rate limit: one budget, as before.
	lc := rest.CopyConfig(rc)
	// Protobuf for the built-in kinds of the operator's members: less to read and decode than
	// JSON, a watch's events frames of a stated length, each refused past 16 MiB by client-go's
	// streaming decoder. Not from a tenant's member, which may be a server the tenant runs:
	// what a protobuf answer decodes into is not bounded by its bytes (jsonbound.go), and
	// BoundAnswers refuses it where it was not asked for. JSON answers and watch events (the
	// dynamic client's, Cluster API's kinds having no protobuf, and a tenant's member's) are
	// bounded by what decoding them costs.
	if reg.Origin != OriginTenant {
		lc.ContentType = runtime.ContentTypeProtobuf
		lc.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	}
	if lc.QPS == 0 {
		lc.QPS = rest.DefaultQPS
	}
	if lc.Burst == 0 {
		lc.Burst = rest.DefaultBurst
	}
	limiter := flowcontrol.NewTokenBucketRateLimiter(lc.QPS, lc.Burst)
	lc.RateLimiter = limiter
	ic := rest.CopyConfig(lc)
	lc.Wrap(BoundRequests(timeout))
	ic.Wrap(boundProgress(timeout))
	kc, err := kubernetes.NewForConfig(lc)
	if err != nil {
		return nil, fmt.Errorf("member client: %w", err)
	}
	ikc, err := kubernetes.NewForConfig(ic)
	if err != nil {
		return nil, fmt.Errorf("member informers' client: %w", err)
	}
	rc.Wrap(BoundRequests(timeout))
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("member dynamic client: %w", err)
	}
	probe := func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return kc.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Error()
	}
	return &Clients{Kube: kc, Informers: ikc, Dynamic: dyn, Host: rc.Host, Probe: probe}, nil
}

// Run watches the member Secrets until ctx is done: it first removes the inventory of members
// no Secret registers any more (removed while no replica led), then starts, restarts and stops
// member syncs as Secrets come, change and go. It returns once its worker has and every member
// sync is stopped: nothing of its term writes the inventory after.
func (m *Manager) Run(ctx context.Context) error {
	defer utilruntime.HandleCrash()
	defer m.queue.ShutDown()
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    m.enqueue,
		UpdateFunc: func(_, obj any) { m.enqueue(obj) },
		DeleteFunc: m.enqueue,
	}
	for _, w := range m.watches {
		if _, err := w.informer.AddEventHandler(handler); err != nil {
			return fmt.Errorf("watch member secrets in %s: %w", w.namespace, err)
		}
		if err := w.track(); err != nil {
			return fmt.Errorf("watch member secrets in %s: %w", w.namespace, err)
		}
		w.factory.Start(ctx.Done())
		defer w.factory.Shutdown()
	}
	term := m.cfg.NewTerm()
	defer term.Shutdown()
	// Request the O2 informers the purge reads, so that WaitForCacheSync waits for them.
	o2 := term.O2ims().V1alpha1()
	o2.O2Resources().Informer()
	o2.ResourcePools().Informer()
	o2.ResourceTypes().Informer()
	o2.DeploymentManagers().Informer()
	o2.OCloudSites().Informer()
	o2.Locations().Informer()
	var clusters *clusterapi.Informers
	if len(m.cfg.TenantNamespaces) > 0 {
		// A tenant's Secret registers a member only while the ProvisioningRequest it names
		// exists and its Cluster was built for it (provisioned): each change of either is a
		// change of its Secret's registration. A request's cluster is named as
		// ProvisionedName names it; a Cluster's Secret after the Cluster.
		requested := m.enqueueFor(func(ns, name string) string { return ProvisionedName(ns, name) + capiSuffix })
		if _, err := o2.ProvisioningRequests().Informer().AddEventHandler(requested); err != nil {
			return fmt.Errorf("watch provisioning requests: %w", err)
		}
		var err error
		if clusters, err = clusterapi.NewInformers(m.cfg.Dynamic, clusterapi.Clusters, m.cfg.TenantNamespaces, clusterapi.DecodeCluster); err != nil {
			return fmt.Errorf("watch clusters: %w", err)
		}
		if err := clusters.AddEventHandler(m.enqueueFor(func(_, name string) string { return name + capiSuffix })); err != nil {
			return fmt.Errorf("watch clusters: %w", err)
		}
		// A tenant's namespace whose Clusters netweave cannot read (no Role there) holds back
		// its own Secrets only (sync), and the removal of unregistered members' inventory.
		if _, err := clusters.Run(ctx); err != nil {
			return err
		}
	}
	term.Start(ctx.Done())
	for typ, ok := range term.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("wait for %v cache: %w", typ, errors.Join(ctx.Err(), errors.New("not synced")))
		}
	}
	// The inventory namespace's Secrets are read before anything starts (they prevail over
	// every other). A Cluster API namespace that cannot be read (no Role there) holds back its
	// own members only: Run waits for each until it is read or its first list failed.
	if !cache.WaitForCacheSync(ctx.Done(), m.watches[0].read) {
		return fmt.Errorf("wait for the member secrets in %s: %w", m.watches[0].namespace, errors.Join(ctx.Err(), errors.New("not synced")))
	}
	others := make([]*firstlist.Watch, 0, len(m.watches)-1)
	for _, w := range m.watches[1:] {
		others = append(others, w.first)
	}
	if err := firstlist.Wait(ctx, others...); err != nil {
		return fmt.Errorf("wait for the member secrets: %w", err)
	}
	defer m.stopAll()
	var worker sync.WaitGroup
	if unread := m.unread(clusters); len(unread) == 0 {
		if err := m.purgeOrphans(ctx, term, clusters); err != nil {
			klog.ErrorS(err, "Removing the inventory of unregistered member clusters; retried at the next leader term")
		}
	} else {
		// A namespace not read may register any member: nothing is removed for want of its
		// Secrets, or of the Clusters that tell whether a tenant's Secret registers one. The
		// removal is the worker's once every namespace is read.
		klog.ErrorS(nil, "Member cluster Secrets or tenants' Clusters not read in some namespaces; the inventory of "+
			"unregistered members is removed once they are", "namespaces", unread)
		worker.Go(func() {
			if cache.WaitForCacheSync(ctx.Done(), func() bool { return len(m.unread(clusters)) == 0 }) {
				klog.InfoS("Member cluster Secrets and tenants' Clusters read in every namespace", "namespaces", unread)
				m.queue.Add(purgeKey)
			}
		})
	}
	klog.InfoS("Member cluster registrations watched", "namespace", m.cfg.Namespace, "selector", Selector(),
		"capiNamespaces", m.cfg.CAPINamespaces, "capiSelector", CAPISelector(), "tenantNamespaces", m.cfg.TenantNamespaces)
	// The worker is waited for before the member syncs are stopped and Run returns: one that
	// still removed a member's inventory, or started a member after stopAll, would write the
	// inventory alongside the next term's manager.
	worker.Go(func() {
		wait.UntilWithContext(ctx, func(ctx context.Context) {
			for m.processNext(ctx, term, clusters) {
			}
		}, time.Second)
	})
	<-ctx.Done()
	m.queue.ShutDown()
	worker.Wait()
	return nil
}

// purgeKey is the queue key of the removal of unregistered members' inventory when it waited
// for namespaces that could not be read at the start of the term (no Secret's key is empty).
const purgeKey = ""

// unread returns the namespaces whose Secrets, or the tenants' Clusters (clusters, nil without
// tenants), have not been listed yet.
func (m *Manager) unread(clusters *clusterapi.Informers) []string {
	var out []string
	for _, w := range m.watches {
		if !w.read() {
			out = append(out, w.namespace)
		}
	}
	if clusters != nil {
		out = append(out, clusters.UnreadNamespaces()...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (m *Manager) enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	m.queue.Add(key)
}

// enqueueFor returns an event handler that queues the Cluster API Secret of a tenant's
// namespace whose registration depends on the object (provisioned), named by secretOf.
func (m *Manager) enqueueFor(secretOf func(namespace, name string) string) cache.ResourceEventHandler {
	enqueue := func(obj any) {
		key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
		if err != nil {
			utilruntime.HandleError(err)
			return
		}
		ns, name, err := cache.SplitMetaNamespaceKey(key)
		if err != nil || !slices.Contains(m.cfg.TenantNamespaces, ns) {
			return
		}
		m.queue.Add(ns + "/" + secretOf(ns, name))
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}
}

// provisioning reads a tenant registration's request and Cluster from the informers.
func provisioning(term externalversions.SharedInformerFactory, clusters *clusterapi.Informers) Provisioning {
	return Provisioning{
		Request: func(_ context.Context, namespace, name string) (*v1alpha1.ProvisioningRequest, error) {
			req, err := term.O2ims().V1alpha1().ProvisioningRequests().Lister().ProvisioningRequests(namespace).Get(name)
			if apierrors.IsNotFound(err) {
				return nil, nil
			}
			return req, err
		},
		Cluster: func(_ context.Context, namespace, name string) (*clusterv1.Cluster, error) {
			obj, err := clusters.Get(namespace, name)
			if err != nil {
				return nil, err
			}
			cluster, _ := obj.(*clusterv1.Cluster)
			return cluster, nil
		},
	}
}

// registering returns the Secret named key (namespace/name) and its namespace's origin if it
// registers a member, nil if it does not (deleted, unlabelled, or a Cluster API Secret that is
// not a kubeconfig).
func (m *Manager) registering(key string) (*corev1.Secret, Origin, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, 0, fmt.Errorf("member secret key %q: %w", key, err)
	}
	for _, w := range m.watches {
		if w.namespace != ns {
			continue
		}
		s, err := w.secrets.Get(name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("get secret %s: %w", key, err)
		}
		if w.registers(s) {
			return s, w.origin, nil
		}
	}
	return nil, 0, nil
}

// registrations lists the valid registrations of every watched namespace. With broken, it
// also lists the operator's registrations whose Secret holds no kubeconfig (without one): sync
// keeps their members running as they were, so the start of a leader term must not remove
// them either.
func (m *Manager) registrations(broken bool) ([]Registration, error) {
	var out []Registration
	for _, w := range m.watches {
		list, err := w.secrets.List(labels.Everything())
		if err != nil {
			return nil, fmt.Errorf("list member secrets in %s: %w", w.namespace, err)
		}
		for _, s := range list {
			if !w.registers(s) {
				continue
			}
			r, err := RegistrationOf(s, w.origin)
			if err == nil || broken && w.origin != OriginTenant && errors.Is(err, errNoKubeconfig) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// prevailing returns a registration of reg's member from a namespace of a lower origin than
// reg's, nil if there is none: that one registers the member, whichever was seen first.
func (m *Manager) prevailing(reg Registration) (*Registration, error) {
	for _, w := range m.watches {
		if w.origin < reg.Origin && !w.read() {
			// Its Secrets may register reg's member: tried again once they are read.
			return nil, fmt.Errorf("member %s: the Secrets of namespace %s, which take precedence, are not read yet", reg.Name, w.namespace)
		}
	}
	all, err := m.registrations(false)
	if err != nil {
		return nil, err
	}
	for i, r := range all {
		if r.Name == reg.Name && r.Origin < reg.Origin {
			return &all[i], nil
		}
	}
	return nil, nil
}

// purgeOrphans removes the objects of members that have synced objects but no Secret that
// registers them: none, or a tenant's that no longer names the cluster built for its request
// (rewritten, or its request gone, while no replica led: sync purges only the members it
// runs, and after a restart it runs none).
func (m *Manager) purgeOrphans(ctx context.Context, term externalversions.SharedInformerFactory, clusters *clusterapi.Informers) error {
	synced, err := inventory.SyncedClusters(term)
	if err != nil {
		return err
	}
	regs, err := m.registrations(true)
	if err != nil {
		return err
	}
	for _, r := range regs {
		if r.Origin == OriginTenant {
			if clusters == nil {
				continue
			}
			why, err := provisioning(term, clusters).NotBuilt(ctx, r)
			if err != nil {
				return err
			}
			if why != "" {
				continue
			}
		}
		synced.Delete(r.Name)
	}
	var errs []error
	for _, name := range sets.List(synced) {
		klog.InfoS("Member cluster no longer registered; removing its inventory", "member", name)
		errs = append(errs, inventory.PurgeCluster(ctx, m.cfg.O2, term, m.cfg.FieldManager, m.cfg.Metrics, name))
	}
	return errors.Join(errs...)
}

func (m *Manager) processNext(ctx context.Context, term externalversions.SharedInformerFactory, clusters *clusterapi.Informers) bool {
	key, quit := m.queue.Get()
	if quit {
		return false
	}
	defer m.queue.Done(key)
	if ctx.Err() != nil {
		// The term ended: the keys left are the next term's to read.
		return false
	}
	if err := requeue.Recovered(ctx, func() error { return m.sync(ctx, term, clusters, key) }); err != nil {
		if ctx.Err() != nil {
			return true
		}
		klog.ErrorS(err, "Member cluster sync failed; retrying with backoff", "secret", key)
		m.queue.AddRateLimited(key)
		return true
	}
	m.queue.Forget(key)
	return true
}

// sync makes the member syncs what the Secret named key says: started when it registers a
// member, restarted when its kubeconfig changed, stopped and the member's inventory removed
// when it is gone (deleted, or its label removed).
func (m *Manager) sync(ctx context.Context, term externalversions.SharedInformerFactory, clusters *clusterapi.Informers, key string) error {
	if key == purgeKey {
		if err := m.purgeOrphans(ctx, term, clusters); err != nil {
			return fmt.Errorf("remove the inventory of unregistered member clusters: %w", err)
		}
		// Registrations held back for the namespaces just read.
		m.enqueueAll()
		return nil
	}
	s, origin, err := m.registering(key)
	if err != nil {
		return err
	}
	var reg *Registration
	if s != nil {
		r, err := RegistrationOf(s, origin)
		switch {
		case errors.Is(err, ErrNotProvisionedName):
			// Registers nothing, as if unlabelled. Its name only: a tenant's Secret is not
			// netweave's to log.
			klog.V(2).InfoS("Member cluster secret in a tenant namespace ignored: it names no cluster provisioned there",
				"secret", klog.KObj(s), "member", r.Name)
		case err != nil && origin == OriginTenant:
			// A tenant's Secret registers a member only while it is whole and its request and
			// Cluster hold (NotBuilt), which cannot be told of one without a kubeconfig:
			// registers nothing, as at the start of a leader term (registrations).
			klog.V(2).InfoS("Member cluster secret in a tenant namespace ignored: it holds no kubeconfig",
				"secret", klog.KObj(s), "member", r.Name)
		case err != nil:
			// A broken edit of the operator's keeps the member as it was: its inventory is not
			// deleted for a typo (nor at the start of the next leader term: registrations).
			klog.ErrorS(err, "Member cluster secret ignored")
			return m.markUnsynced(ctx, term, key, r.Name)
		case origin == OriginTenant && clusters.Unread(s.Namespace):
			// Whether its Cluster was built for its request cannot be told yet: tried again
			// with backoff until the namespace's Clusters are read.
			return fmt.Errorf("member %s: the Clusters of namespace %s are not read yet", r.Name, s.Namespace)
		case origin == OriginTenant:
			why, err := provisioning(term, clusters).NotBuilt(ctx, r)
			if err != nil {
				return err
			}
			if why != "" {
				klog.V(2).InfoS("Member cluster secret in a tenant namespace ignored", "reason", why,
					"secret", klog.KObj(s), "member", r.Name)
				if m.ignored != nil {
					m.ignored(key, why)
				}
				break
			}
			reg = &r
		default:
			reg = &r
		}
	}
	// The member this Secret registered before, if it registered another one (or none).
	m.mu.Lock()
	var old *member
	for _, r := range m.running {
		if r.reg.key() == key && (reg == nil || r.reg.Name != reg.Name) {
			old = r
		}
	}
	m.mu.Unlock()
	if old != nil {
		m.stop(old)
		klog.InfoS("Member cluster unregistered; removing its inventory", "member", old.reg.Name, "secret", key)
		if m.unpurged[key] == nil {
			m.unpurged[key] = sets.New[string]()
		}
		m.unpurged[key].Insert(old.reg.Name)
	}
	if err := m.purgeUnregistered(ctx, term, clusters, key, reg); err != nil {
		return err
	}
	if reg == nil {
		return nil
	}
	// A Secret of the inventory namespace registers its member over any other, and an
	// operator's Cluster API namespace's over a tenant's, whichever the queue brings first: a
	// tenant's Secret never runs, even briefly, the sync of a member the operator registers.
	better, err := m.prevailing(*reg)
	if err != nil {
		return err
	}
	if better != nil {
		klog.InfoS("Member cluster registered by a secret that takes precedence; this one is ignored", "member", reg.Name,
			"secret", klog.KRef(better.SecretNamespace, better.Secret), "ignored", klog.KRef(reg.SecretNamespace, reg.Secret))
		// That Secret's sync takes the member over if another runs it.
		m.queue.Add(better.key())
		return nil
	}
	m.mu.Lock()
	cur := m.running[reg.Name]
	m.mu.Unlock()
	switch {
	case cur != nil && cur.reg.key() != reg.key() && reg.Origin < cur.reg.Origin:
		klog.InfoS("Member cluster registered by a secret that takes precedence; restarting its sync", "member", reg.Name,
			"secret", klog.KRef(reg.SecretNamespace, reg.Secret), "ignored", klog.KRef(cur.reg.SecretNamespace, cur.reg.Secret))
		m.stop(cur)
	case cur != nil && cur.reg.key() != reg.key():
		klog.ErrorS(nil, "Two secrets register the same member cluster; the second is ignored", "member", reg.Name,
			"secret", klog.KRef(cur.reg.SecretNamespace, cur.reg.Secret), "ignored", klog.KRef(reg.SecretNamespace, reg.Secret))
		return nil
	case cur != nil && cur.reg.Hash == reg.Hash && cur.reg.DisplayName == reg.DisplayName:
		return nil
	case cur != nil:
		klog.InfoS("Member cluster's kubeconfig changed; restarting its sync", "member", reg.Name)
		m.stop(cur)
	}
	m.start(ctx, *reg)
	return nil
}

// markUnsynced makes the DeploymentManagers of member, whose operator's Secret named key holds
// no kubeconfig, say so when nothing syncs the member: at the start of a leader term (or once
// the sync that ran it stopped) they would otherwise keep saying what the last sync wrote,
// ENABLED and reachable, however long the member goes unchecked. A member still running (the
// kubeconfig it had before the edit) or that another Secret registers is left to its sync.
func (m *Manager) markUnsynced(ctx context.Context, term externalversions.SharedInformerFactory, key, member string) error {
	m.mu.Lock()
	running := m.running[member] != nil
	m.mu.Unlock()
	if running {
		return nil
	}
	regs, err := m.registrations(false)
	if err != nil {
		return err
	}
	for _, r := range regs {
		if r.Name == member && r.key() != key {
			return nil
		}
	}
	reach := &reachability{}
	reach.unusable(kubeconfigMissing)
	if err := m.markManagers(ctx, term, member, reach.status()); err != nil {
		return fmt.Errorf("report member %s unsynced: %w", member, err)
	}
	return nil
}

// purgeUnregistered removes the inventory of the members the Secret named key stopped
// registering (unpurged): a removal that failed is tried again with the key, the member being
// no longer running by then. A member that runs again (another Secret took it over), that reg
// registers again, or that another Secret registers (it waited for this one to go, and takes
// the member over next) keeps its inventory, which its sync makes right: deleting it first
// would tell SMOs that every object of a cluster that never went away was deleted, then
// created again with the same ids.
func (m *Manager) purgeUnregistered(ctx context.Context, term externalversions.SharedInformerFactory,
	clusters *clusterapi.Informers, key string, reg *Registration) error {
	names := m.unpurged[key]
	for _, name := range sets.List(names) {
		m.mu.Lock()
		running := m.running[name] != nil
		m.mu.Unlock()
		if !running && (reg == nil || reg.Name != name) {
			others, err := m.registeredElsewhere(ctx, term, clusters, key, name)
			if err != nil {
				return fmt.Errorf("remove the inventory of member %s: %w", name, err)
			}
			if len(others) > 0 {
				klog.InfoS("Member cluster registered by another secret; it takes the member over, with its inventory", "member", name,
					"secrets", others)
				for _, k := range others {
					// The removal becomes theirs: should none of them register the member
					// when its sync reads it (deleted or changed meanwhile), that sync
					// removes the inventory, as this one would have.
					if m.unpurged[k] == nil {
						m.unpurged[k] = sets.New[string]()
					}
					m.unpurged[k].Insert(name)
					m.queue.Add(k)
				}
			} else {
				if err := inventory.PurgeCluster(ctx, m.cfg.O2, term, m.cfg.FieldManager, m.cfg.Metrics, name); err != nil {
					return fmt.Errorf("remove the inventory of member %s: %w", name, err)
				}
				// Another Secret may have waited for this name.
				m.enqueueAll()
			}
		}
		names.Delete(name)
	}
	if names != nil && names.Len() == 0 {
		delete(m.unpurged, key)
	}
	return nil
}

// registeredElsewhere returns the keys of the Secrets other than key that register member
// (a tenant's only while its Cluster was built for its request, as sync decides), in any
// order of precedence: sync decides which of them runs it.
func (m *Manager) registeredElsewhere(ctx context.Context, term externalversions.SharedInformerFactory,
	clusters *clusterapi.Informers, key, member string) ([]string, error) {
	regs, err := m.registrations(false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range regs {
		if r.Name != member || r.key() == key {
			continue
		}
		if r.Origin == OriginTenant {
			if clusters == nil {
				continue
			}
			if clusters.Unread(r.SecretNamespace) {
				// Whether it registers the member cannot be told yet; the key is retried.
				return nil, fmt.Errorf("the Clusters of namespace %s are not read yet", r.SecretNamespace)
			}
			why, err := provisioning(term, clusters).NotBuilt(ctx, r)
			if err != nil {
				return nil, err
			}
			if why != "" {
				continue
			}
		}
		out = append(out, r.key())
	}
	return out, nil
}

func (m *Manager) enqueueAll() {
	regs, err := m.registrations(true)
	if err != nil {
		return
	}
	for _, r := range regs {
		m.queue.Add(r.key())
	}
}

// start runs the member's sync until stopped, retrying a failed start every RetryInterval.
func (m *Manager) start(ctx context.Context, reg Registration) {
	ctx, cancel := context.WithCancel(ctx)
	r := &member{reg: reg, cancel: cancel, done: make(chan struct{})}
	m.mu.Lock()
	m.running[reg.Name] = r
	m.mu.Unlock()
	klog.InfoS("Member cluster registered; starting its sync", "member", reg.Name, "secret", klog.KRef(reg.SecretNamespace, reg.Secret))
	go func() {
		defer close(r.done)
		wait.UntilWithContext(ctx, func(ctx context.Context) {
			if err := m.runMember(ctx, reg); err != nil && ctx.Err() == nil {
				klog.ErrorS(err, "Member cluster sync failed; retrying", "member", reg.Name, "retryIn", m.cfg.RetryInterval)
			}
		}, m.cfg.RetryInterval)
	}()
}

// stop ends a member's sync and waits for it: its informers and handlers are gone after.
func (m *Manager) stop(r *member) {
	r.cancel()
	<-r.done
	m.mu.Lock()
	if m.running[r.reg.Name] == r {
		delete(m.running, r.reg.Name)
	}
	m.mu.Unlock()
}

func (m *Manager) stopAll() {
	m.mu.Lock()
	all := make([]*member, 0, len(m.running))
	for _, r := range m.running {
		all = append(all, r)
	}
	m.mu.Unlock()
	for _, r := range all {
		m.stop(r)
	}
}

// Running returns the names of the members whose sync runs, for tests and logs.
func (m *Manager) Running() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.running))
	for name := range m.running {
		out = append(out, name)
	}
	return out
}
