// Package apiserver assembles netweave's aggregated API server: the generic server, the
// registries of o2ims.oran.org and o2dms.oran.org, and Redis storage.
package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	registrygeneric "k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/healthz"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2dms"
	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeployment"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeploymentdescriptor"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeploymentsubscription"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/subscription"
	"github.com/netweave-io/netweave/pkg/storage/cachefeed"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/pkg/version"
)

// ExtraConfig is what netweave adds to a generic server's configuration.
type ExtraConfig struct {
	Scheme  *runtime.Scheme
	Codecs  serializer.CodecFactory
	Storage RedisStorage
	// Tenancy draws the boundary between the operator's inventory and the tenants' namespaces
	// that every write of an inventory kind is held to.
	Tenancy TenancyConfig
	// O2 serves the O2-IMS REST API when set.
	O2 *O2Config
	// Inventory runs the inventory sync when set.
	Inventory *InventoryConfig
	// Notifier runs the O2-IMS notifier when set.
	Notifier *NotifierConfig
	// SMORegistration registers the O-Cloud with the SMO when set.
	SMORegistration *SMORegistrationConfig
	// O2DMS runs the O2-DMS controller (NfDeployments → Helm releases) when set.
	O2DMS *O2DMSConfig
	// Provisioning runs the provisioning controllers (ClusterClasses → templates,
	// ProvisioningRequests → Cluster API Clusters) when set.
	Provisioning *ProvisioningConfig
}

// TenancyConfig is the tenant boundary of the registry (see kind.Tenancy).
type TenancyConfig struct {
	// InventoryNamespace holds the operator's inventory (--inventory-namespace): the only
	// namespace besides their own that objects may reference by O2 id (for writers who may get
	// the referenced kind there), and where anyone allowed to create may choose an O2 id.
	// Required.
	InventoryNamespace string
	// NodePoolNamespaces are the other namespaces whose ResourcePools may select Nodes
	// (--inventory-node-pool-namespaces).
	NodePoolNamespaces []string
	// Authorizer decides the rules that need RBAC: manage-others on subscriptions, whether a
	// writer may name a Secret (a subscription's signing key, a descriptor's pull credentials),
	// and whether a writer of another namespace may reference the inventory's objects (get on
	// their kind in InventoryNamespace). Required.
	Authorizer authorizer.Authorizer
	// SubscriptionNamespace is shared by the default apiRoot's subscriptions of every SMO
	// (pkg/tenancy). Required.
	SubscriptionNamespace string
	// SubscriptionsPerNamespace caps the subscriptions of each kind in a namespace, and of each
	// owner in SubscriptionNamespace (--subscriptions-per-namespace); 0 leaves them uncapped.
	SubscriptionsPerNamespace int
	// NfDeploymentTargets maps a tenant namespace to the namespaces of the target clusters its
	// NfDeployments may deploy into; nil is nfdeployment.SameName (its own name only).
	NfDeploymentTargets nfdeployment.TargetNamespaces
	// ProvisioningNamespaces are the tenant namespaces, besides InventoryNamespace, where
	// ProvisioningRequests may be created (--provisioning-namespaces).
	ProvisioningNamespaces []string
	// Namespaces tells whether SubscriptionNamespace is being deleted, when the namespace
	// controller may empty it of every owner's subscriptions (subscription.Rules). New sets it
	// from the server's shared informer factory.
	Namespaces corelisters.NamespaceLister
}

func (t TenancyConfig) subscriptionRules() subscription.Rules {
	return subscription.Rules{Authorizer: t.Authorizer, SharedNamespace: t.SubscriptionNamespace, PerNamespace: t.SubscriptionsPerNamespace,
		Namespaces: t.Namespaces}
}

// Config is the whole server configuration.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	ExtraConfig   ExtraConfig
}

// CompletedConfig is a Config whose defaults are filled in.
type CompletedConfig struct {
	generic genericapiserver.CompletedConfig
	extra   *ExtraConfig
	// feed holds every resource's read cache, which the O2 informers read in-process.
	feed *cachefeed.Feed
}

// Server is a running netweave API server.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
	// background is what the post-start hooks started; Run waits for it.
	background *background
}

// DefaultDurabilityInterval is how often Redis's durability is looked at besides readiness
// probes, unless configured.
const DefaultDurabilityInterval = time.Minute

// Complete fills in defaults, and creates the storage metrics and netweave_build_info on the
// registry /metrics serves unless the config has its own storage metrics.
func (c *Config) Complete() (CompletedConfig, error) {
	if c.ExtraConfig.Storage.Durability.Interval <= 0 {
		c.ExtraConfig.Storage.Durability.Interval = DefaultDurabilityInterval
	}
	if c.ExtraConfig.Storage.Metrics == nil {
		m, err := NewStorageMetrics(legacyregistry.Register)
		if err != nil {
			return CompletedConfig{}, err
		}
		c.ExtraConfig.Storage.Metrics = m
		// Once per process, with the metrics /metrics serves.
		if err := version.NewBuildInfo(legacyregistry.Register); err != nil {
			return CompletedConfig{}, err
		}
	}
	if st := &c.ExtraConfig.Storage; st.Breaker == nil && st.Client != nil {
		st.Breaker = redisstore.InstallBreaker(st.Client, klog.Background().WithName("redis"), st.Metrics.store())
	}
	if st := &c.ExtraConfig.Storage; st.WriteClient == nil && st.Client != nil {
		// One for every store of the process, refused by the same breaker.
		w, err := redisstore.NewWriteClient(st.Client)
		if err != nil {
			return CompletedConfig{}, err
		}
		st.Breaker.Guard(w)
		st.WriteClient = w
	}
	shareSeatsWithNestedWrites(&c.GenericConfig.Config)
	recordPatchTypes(&c.GenericConfig.Config)
	feed := cachefeed.New(c.ExtraConfig.Scheme, ServedGroupVersions())
	c.GenericConfig.RESTOptionsGetter = NewRESTOptionsGetter(c.ExtraConfig.Storage, feed)
	return CompletedConfig{generic: c.GenericConfig.Complete(), extra: &c.ExtraConfig, feed: feed}, nil
}

type kindREST func(*runtime.Scheme, registrygeneric.RESTOptionsGetter, *kind.Tenancy) (main, status rest.Storage, err error)

// restOf adapts an inventory kind's NewREST to kindREST.
func restOf[M rest.Storage](newREST func(*runtime.Scheme, registrygeneric.RESTOptionsGetter, *kind.Tenancy) (M, *kind.StatusREST, error)) kindREST {
	return func(scheme *runtime.Scheme, opts registrygeneric.RESTOptionsGetter, t *kind.Tenancy) (rest.Storage, rest.Storage, error) {
		main, status, err := newREST(scheme, opts, t)
		if status == nil {
			// A nil *StatusREST in a rest.Storage would not compare equal to nil.
			return main, nil, err
		}
		return main, status, err
	}
}

// DefaultSubscriptionNamespace holds the default apiRoot's subscriptions when none is
// configured.
const DefaultSubscriptionNamespace = "o2ims-system"

// subscriptionNamespace is the namespace shared by the default apiRoot's subscriptions: the
// tenancy's (--o2ims-subscription-namespace, set with or without the O2 face; the O2 face,
// the notifier and the registry all read it here), else the default.
func (c CompletedConfig) subscriptionNamespace() string {
	if ns := c.extra.Tenancy.SubscriptionNamespace; ns != "" {
		return ns
	}
	return DefaultSubscriptionNamespace
}

// New builds the server and installs the o2ims.oran.org group.
func (c CompletedConfig) New() (*Server, error) {
	generic, err := c.generic.New("netweave", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, fmt.Errorf("create generic server: %w", err)
	}
	if wm := c.extra.Storage.Watermark; wm != nil {
		// Read before the stores are built (NewStorage), which start from it.
		ctx, cancel := context.WithTimeout(context.Background(), watermarkLoadTimeout)
		wm.Load(ctx)
		cancel()
		if err := wm.install(generic, c.extra.Storage.Metrics.watermarkRecords()); err != nil {
			return nil, fmt.Errorf("record the store watermark: %w", err)
		}
	}
	ten := c.extra.Tenancy
	ten.Authorizer, ten.SubscriptionNamespace = c.generic.Authorization.Authorizer, c.subscriptionNamespace()
	if f := c.generic.SharedInformerFactory; f != nil {
		// The NamespaceLifecycle admission plugin watches namespaces in the same factory.
		ten.Namespaces = f.Core().V1().Namespaces().Lister()
	}
	storage, err := NewStorage(c.extra.Scheme, c.generic.RESTOptionsGetter, ten)
	if err != nil {
		return nil, err
	}
	for _, gv := range ServedGroupVersions() {
		group := genericapiserver.NewDefaultAPIGroupInfo(gv.Group, c.extra.Scheme, metav1.ParameterCodec, c.extra.Codecs)
		group.NegotiatedSerializer = withoutProtobuf{c.extra.Codecs}
		group.VersionedResourcesStorageMap[gv.Version] = storage[gv.Group]
		if err := generic.InstallAPIGroup(&group); err != nil {
			return nil, fmt.Errorf("install %s: %w", gv.Group, err)
		}
	}
	bg := &background{}
	alarmsWiring, err := newAlarmWiring()
	if err != nil {
		return nil, err
	}
	informers, err := c.newInformers()
	if err != nil {
		return nil, err
	}
	if err := installO2(generic, bg, c, alarmsWiring, informers); err != nil {
		return nil, fmt.Errorf("install O2-IMS: %w", err)
	}
	if err := installInventory(generic, bg, c, alarmsWiring, informers); err != nil {
		return nil, fmt.Errorf("install the inventory sync: %w", err)
	}
	if err := installNotifier(generic, bg, c, informers); err != nil {
		return nil, fmt.Errorf("install the notifier: %w", err)
	}
	if err := installSMORegistration(generic, bg, c, informers); err != nil {
		return nil, fmt.Errorf("install the SMO registration: %w", err)
	}
	if err := installO2DMS(generic, bg, c, informers); err != nil {
		return nil, fmt.Errorf("install the O2-DMS controller: %w", err)
	}
	if err := installProvisioning(generic, bg, c, informers); err != nil {
		return nil, fmt.Errorf("install the provisioning controllers: %w", err)
	}
	if informers != nil {
		// Started once everything that reads them has added its indexes and handlers.
		if err := generic.AddPostStartHook("o2ims-informers", func(ctx genericapiserver.PostStartHookContext) error {
			informers.Start(ctx)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("start the O2 informers: %w", err)
		}
	}
	if err := generic.AddReadyzChecks(redisCheck{client: c.extra.Storage}); err != nil {
		return nil, fmt.Errorf("add redis readiness check: %w", err)
	}
	if rh := c.generic.Authentication.RequestHeaderConfig; rh != nil && rh.CAContentProvider != nil {
		if err := generic.AddReadyzChecks(frontProxyCACheck{ca: rh.CAContentProvider}); err != nil {
			return nil, fmt.Errorf("add front proxy CA readiness check: %w", err)
		}
	}
	dur := c.extra.Storage.Durability
	if err := NewRedisDurabilityCheck(c.extra.Storage.Client, dur, c.extra.Storage.Metrics.store()).install(generic, dur.Interval); err != nil {
		return nil, fmt.Errorf("add redis durability check: %w", err)
	}
	return &Server{GenericAPIServer: generic, background: bg}, nil
}

// informersResync is how often the O2 informers replay their caches to their handlers, which
// makes the inventory sync re-check every synced object.
const informersResync = 10 * time.Minute

// newInformers builds the process's one factory of O2 informers, read by the O2 REST face, the
// inventory sync (and its alarm side), the notifier, the SMO registration and the O2-DMS
// controller; nil when none of them runs. They are fed in-process from the read caches, whose
// objects they share, rather than by a watch over the loopback connection, which would decode
// a second copy of the inventory.
func (c CompletedConfig) newInformers() (*o2informers.Shared, error) {
	if (c.extra.O2 == nil || c.extra.O2.Port == 0) && c.extra.Inventory == nil && c.extra.Notifier == nil && c.extra.SMORegistration == nil && c.extra.O2DMS == nil && c.extra.Provisioning == nil {
		return nil, nil
	}
	informers, err := o2informers.New(nil, informersResync, c.feed)
	if err != nil {
		return nil, fmt.Errorf("O2 informers: %w", err)
	}
	return informers, nil
}

// NewStorage builds the storage of every resource (and status subresource) of the served
// groups, keyed by group name and then by resource name, with the inventory kinds and
// the deployments held to the tenant boundary ten.
func NewStorage(scheme *runtime.Scheme, getter registrygeneric.RESTOptionsGetter, ten TenancyConfig) (map[string]map[string]rest.Storage, error) {
	if ten.InventoryNamespace == "" || ten.SubscriptionNamespace == "" || ten.Authorizer == nil {
		return nil, fmt.Errorf("the tenant boundary needs the inventory namespace, the subscription namespace and an authorizer")
	}
	tenancy := kind.NewTenancy(ten.InventoryNamespace, ten.NodePoolNamespaces, ten.Authorizer)
	add := func(into map[string]rest.Storage, name string, newREST kindREST) error {
		main, status, err := newREST(scheme, getter, tenancy)
		if err != nil {
			return fmt.Errorf("build %s storage: %w", name, err)
		}
		into[name] = main
		if status != nil {
			into[name+"/status"] = status
		}
		return nil
	}
	resources := map[string]rest.Storage{}
	for _, r := range o2imsResources(ten) {
		if err := add(resources, r.kind.Resource, r.build); err != nil {
			return nil, err
		}
	}
	// The deployments share the boundary: an NfDeployment names a DeploymentManager by O2 id.
	dms := map[string]rest.Storage{}
	for name, newREST := range map[string]kindREST{
		"nfdeploymentdescriptors": restOf(func(s *runtime.Scheme, g registrygeneric.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
			return nfdeploymentdescriptor.NewREST(s, g, t, ten.Authorizer)
		}),
		"nfdeployments": restOf(func(s *runtime.Scheme, g registrygeneric.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
			return nfdeployment.NewREST(s, g, t, nfdeployment.Options{TargetNamespaces: ten.NfDeploymentTargets}, ten.Authorizer)
		}),
		nfdeploymentsubscription.Resource: func(s *runtime.Scheme, g registrygeneric.RESTOptionsGetter, _ *kind.Tenancy) (rest.Storage, rest.Storage, error) {
			return nfdeploymentsubscription.NewREST(s, g, ten.subscriptionRules())
		},
	} {
		if err := add(dms, name, newREST); err != nil {
			return nil, err
		}
	}
	return map[string]map[string]rest.Storage{o2ims.GroupName: resources, o2dms.GroupName: dms}, nil
}

// ServedGroupVersions are the API groups netweave serves, each at its one version.
func ServedGroupVersions() []schema.GroupVersion {
	return []schema.GroupVersion{v1alpha1.SchemeGroupVersion, dmsv1alpha1.SchemeGroupVersion}
}

// Run serves until ctx is done.
func (s *Server) Run(ctx context.Context) error {
	return s.run(ctx, s.GenericAPIServer.PrepareRun().RunWithContext)
}

// run runs the API server with serve, then, on a clean stop (the post-start hooks' context is
// done once serve returned without error), waits for what those hooks started: the O2
// listener's drain, and the leaders' terms, whose writers stop before their lease is released.
func (s *Server) run(ctx context.Context, serve func(context.Context) error) error {
	if err := serve(ctx); err != nil {
		return err
	}
	if s.background != nil {
		s.background.waitAtMost(backgroundStopBound)
	}
	return nil
}

// redisCheck makes /readyz fail while Redis is unreachable, so load balancers and the
// aggregator stop sending requests that could only fail.
type redisCheck struct {
	client RedisStorage
}

var _ healthz.HealthChecker = redisCheck{}

func (redisCheck) Name() string { return "redis" }

func (r redisCheck) Check(req *http.Request) error {
	if !r.client.Breaker.Answering() {
		return fmt.Errorf("redis has not answered for %s, since a command to it timed out", r.client.Breaker.SilentFor().Round(time.Second))
	}
	ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
	defer cancel()
	if err := r.client.Client.Ping(ctx).Err(); err != nil {
		if advice := redisstore.RefusalAdvice(err); advice != "" {
			return fmt.Errorf("ping redis: %w: %s", err, advice)
		}
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}
