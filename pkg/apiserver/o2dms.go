package apiserver

import (
	"fmt"
	"net/netip"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/component-base/metrics/legacyregistry"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	o2scheme "github.com/netweave-io/netweave/generated/clientset/versioned/scheme"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/k8sprofile"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/notify"
	o2dmscontroller "github.com/netweave-io/netweave/pkg/o2dms/controller"
	"github.com/netweave-io/netweave/pkg/o2informers"
)

// O2DMSConfig configures the O2-DMS controller (pkg/o2dms/controller).
type O2DMSConfig struct {
	// KubeConfig reaches the cluster netweave runs in (Lease, members' Secrets, local targets).
	KubeConfig *rest.Config
	// Members are where member clusters are registered and reached.
	Members         MemberSources
	Wait            bool
	Timeout         time.Duration
	Resync          time.Duration
	RetryMax        time.Duration
	Workers         int
	MaxHistory      int
	LocalNamespaces []string
	ChartCacheSize  int
	ChartCacheBytes int64
	// ChartAllowedPrefixes are special-purpose addresses (private-use, loopback, link-local,
	// ...) chart repositories and OCI registries may be reached at
	// (--o2dms-chart-allowed-cidrs); every other such address is refused at each connection.
	ChartAllowedPrefixes []netip.Prefix
	// Render bounds each rendering of a chart's templates (a child process).
	Render helmrelease.RenderLimits
	Lease  leader.Options
}

// chartFetchTimeout bounds one chart download (an index or an archive, redirects included).
const chartFetchTimeout = time.Minute

// newChartFetcher is the controller's chart fetcher: a chart source is a URL whoever may
// write a descriptor chose, so its connections are held to the callbacks' address policy
// (notify.CallbackPolicy: only globally reachable addresses), with the operator's own
// allow-list for chart sources. A repository's index is parsed in a child process held to the
// renderings' bounds (--o2dms-render-memory-bytes, --o2dms-render-timeout).
func newChartFetcher(dc *O2DMSConfig) *helmrelease.Fetcher {
	return &helmrelease.Fetcher{HTTP: helmrelease.NewHTTPClient(helmrelease.ClientConfig{
		Policy: &notify.CallbackPolicy{Allowed: dc.ChartAllowedPrefixes}, Timeout: chartFetchTimeout,
	}), Parse: dc.Render}
}

// The controller's own ServiceAccount in each target namespace, bound to edit there.
const (
	o2dmsServiceAccount = "netweave-o2dms"
	o2dmsRoleBinding    = "netweave-o2dms-edit"
)

// installO2DMS starts the O2-DMS controller after the API server is up.
func installO2DMS(s *genericapiserver.GenericAPIServer, bg *background, c CompletedConfig, informers *o2informers.Shared) error {
	dc := c.extra.O2DMS
	if dc == nil {
		return nil
	}
	if dc.KubeConfig == nil {
		return fmt.Errorf("the O2-DMS controller needs a cluster connection (--kubeconfig or in-cluster)")
	}
	client, err := versioned.NewForConfig(c.generic.LoopbackClientConfig)
	if err != nil {
		return fmt.Errorf("o2dms controller client: %w", err)
	}
	kube, err := kubernetes.NewForConfig(dc.KubeConfig)
	if err != nil {
		return fmt.Errorf("o2dms controller cluster client: %w", err)
	}
	provisioning, err := liveProvisioning(dc.KubeConfig, c.generic.LoopbackClientConfig)
	if err != nil {
		return err
	}
	inventoryNS := c.extra.Tenancy.InventoryNamespace
	// The local cluster is reached as netweave reaches it, whatever URL SMOs are told.
	url, ca := dc.KubeConfig.Host, k8sprofile.CAOf(dc.KubeConfig)
	profiles := k8sprofile.NewProvider(k8sprofile.Config{
		Secrets: kube, Namespace: inventoryNS, CAPINamespaces: dc.Members.CAPINamespaces, TenantNamespaces: dc.Members.TenantNamespaces, MemberAddresses: dc.Members.Addresses, LocalURL: url, LocalCA: ca,
		Provisioning: provisioning, Local: kube, LocalNamespaces: dc.LocalNamespaces,
		ServiceAccount: o2dmsServiceAccount, RoleBinding: o2dmsRoleBinding,
	})
	renderMetrics, err := helmrelease.NewRenderMetrics(legacyregistry.Register)
	if err != nil {
		return fmt.Errorf("o2dms rendering metrics: %w", err)
	}
	chartMetrics, err := o2dmscontroller.NewChartMetrics(legacyregistry.Register)
	if err != nil {
		return fmt.Errorf("o2dms chart cache metrics: %w", err)
	}
	// Events regarding NfDeployments go to the cluster netweave runs in (events.k8s.io), in
	// the NfDeployment's namespace, as any controller's do.
	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: kube.EventsV1()})
	ctrl := o2dmscontroller.New(o2dmscontroller.Config{
		Client: client, Informers: informers, Kube: kube, Lease: dc.Lease,
		InventoryNamespace: inventoryNS, TargetNamespaces: c.extra.Tenancy.NfDeploymentTargets,
		Releases: helmrelease.NewEngine(helmrelease.Config{Timeout: dc.Timeout, Wait: dc.Wait, MaxHistory: dc.MaxHistory, Render: dc.Render, RenderMetrics: renderMetrics}),
		Charts:   o2dmscontroller.NewChartCache(newChartFetcher(dc), dc.ChartCacheSize, dc.ChartCacheBytes, chartMetrics),
		Targets: &o2dmscontroller.ProfileTargets{
			DeploymentManagers: informers.Factory().O2ims().V1alpha1().DeploymentManagers().Lister(),
			InventoryNamespace: inventoryNS, Profiles: profiles,
		},
		Workloads: o2dmscontroller.ClusterWorkloads{},
		Workers:   dc.Workers, Resync: dc.Resync, RetryMax: dc.RetryMax,
		Events: broadcaster.NewRecorder(o2scheme.Scheme, "netweave-o2dms-controller"),
	})
	return s.AddPostStartHook("o2dms-controller", func(ctx genericapiserver.PostStartHookContext) error {
		if err := broadcaster.StartRecordingToSinkWithContext(ctx); err != nil {
			return fmt.Errorf("o2dms controller events: %w", err)
		}
		bg.Go(func() { ctrl.Run(ctx) })
		return nil
	})
}
