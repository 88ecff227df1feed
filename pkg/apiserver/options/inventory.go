package options

import (
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2validation "github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
	"github.com/netweave-io/netweave/pkg/inventory/members"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/subscription"
)

// InventoryOptions configure the inventory sync: the Kubernetes adapter that keeps the O2
// inventory equal to the cluster's Nodes, StorageClasses and Cluster API machine sets.
type InventoryOptions struct {
	Enabled   bool
	Namespace string
	// NodePoolNamespaces are the namespaces besides Namespace whose ResourcePools may claim
	// Nodes (spec.nodeSelector). Complete sorts them and drops duplicates and Namespace.
	NodePoolNamespaces []string
	PoolLabel          string
	OCloudID           string
	GlobalCloudID      string
	OCloudName         string
	OCloudDescription  string
	ClusterName        string
	ClusterURL         string
	Workers            int
	SharedDelay        time.Duration
	// MemberClusters syncs member clusters registered with labelled kubeconfig Secrets in
	// Namespace (--inventory-member-clusters).
	MemberClusters bool
	// MemberProbeInterval is how often each member's API server is checked
	// (--inventory-member-probe-interval).
	MemberProbeInterval time.Duration
	// MemberQPS and MemberBurst (--inventory-member-qps, --inventory-member-burst) bound the
	// requests to each member's API server.
	MemberQPS   float32
	MemberBurst int
	// MemberMaxNodes is the most Nodes of one member its inventory holds
	// (--inventory-member-max-nodes).
	MemberMaxNodes int
	// CAPINamespaces are the namespaces whose Cluster API kubeconfig Secrets register member
	// clusters without the opt-in label (--inventory-capi-namespaces). Off (none) by default:
	// each listed namespace needs RBAC on its Secrets, which an operator grants knowingly.
	CAPINamespaces []string
	// TenantNamespaces are the tenants' namespaces among the discovery namespaces (set by
	// ServerOptions.Complete from --provisioning-namespaces; no flag of its own).
	TenantNamespaces []string
	// TenantMemberAllowedCIDRs are the special-purpose addresses tenants' member clusters may
	// be reached at (--inventory-tenant-member-allowed-cidrs); see members.Addresses.
	TenantMemberAllowedCIDRs []string
	// SubscriptionsPerNamespace caps subscriptions (--subscriptions-per-namespace); it belongs
	// here with the rest of the tenant boundary the registry enforces.
	SubscriptionsPerNamespace int
	// Lease elects the replica that syncs (--inventory-lease-*, --inventory-leader-identity).
	Lease *leader.Options
}

// NewInventoryOptions returns the defaults: sync off; when on, synced objects in o2ims-system,
// pools by zone, client-go's usual leader election timings.
func NewInventoryOptions() *InventoryOptions {
	return &InventoryOptions{
		Namespace:                 "o2ims-system",
		PoolLabel:                 kube.DefaultPoolLabel,
		ClusterName:               "kubernetes",
		Workers:                   4,
		SharedDelay:               200 * time.Millisecond,
		MemberClusters:            true,
		MemberProbeInterval:       5 * time.Second,
		MemberQPS:                 5,
		MemberBurst:               10,
		MemberMaxNodes:            members.DefaultMaxNodes,
		SubscriptionsPerNamespace: subscription.DefaultPerNamespace,
		Lease:                     leader.NewOptions("inventory", "o2ims-system", "netweave-inventory"),
	}
}

// AddFlags registers the inventory flags.
func (o *InventoryOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Enabled, "inventory-sync", o.Enabled, "Keep the O2 inventory in sync with the cluster (--kubeconfig): Nodes become Resources, pools, resource types, the deployment manager, locations and sites follow. Leader-elected across replicas.")
	fs.StringVar(&o.Namespace, "inventory-namespace", o.Namespace, "Namespace of the operator's inventory: the synced objects (except the Resources of pools that claim Nodes elsewhere, see --inventory-node-pool-namespaces), and the one namespace besides their own that objects of every namespace may reference by O2 id. Read by the API even when --inventory-sync is off.")
	fs.StringSliceVar(&o.NodePoolNamespaces, "inventory-node-pool-namespaces", o.NodePoolNamespaces, "Namespaces besides --inventory-namespace whose ResourcePools may claim Nodes with spec.nodeSelector (the Nodes' Resources then move into the pool's namespace). Elsewhere the API refuses spec.nodeSelector and the sync ignores it, so a namespace admin cannot take the operator's inventory.")
	fs.StringVar(&o.PoolLabel, "inventory-pool-label", o.PoolLabel, "Node label whose value names a node's resource pool (the "+v1alpha1.NodeLabelResourcePool+" label wins over it).")
	fs.StringVar(&o.OCloudID, "inventory-ocloud-id", o.OCloudID, "The O-Cloud's oCloudId (a UUID); every synced id derives from it. Defaults to one derived from the cluster's kube-system namespace uid.")
	fs.StringVar(&o.GlobalCloudID, "inventory-global-cloud-id", o.GlobalCloudID, "The globalCloudId the SMO assigned to this O-Cloud.")
	fs.StringVar(&o.OCloudName, "inventory-ocloud-name", o.OCloudName, "Name of the O-Cloud; defaults to --inventory-cluster-name.")
	fs.StringVar(&o.OCloudDescription, "inventory-ocloud-description", o.OCloudDescription, "Description of the O-Cloud.")
	fs.StringVar(&o.ClusterName, "inventory-cluster-name", o.ClusterName, "Name of the cluster's DeploymentManager.")
	fs.StringVar(&o.ClusterURL, "inventory-cluster-url", o.ClusterURL, "The cluster's API server URL as SMOs reach it (the DeploymentManager's serviceUri); defaults to the server of --kubeconfig.")
	fs.IntVar(&o.Workers, "inventory-workers", o.Workers, "Objects reconciled in parallel.")
	fs.DurationVar(&o.SharedDelay, "inventory-batch-delay", o.SharedDelay, "How long changes are batched before pools, types, the deployment manager and sites are recomputed.")
	fs.BoolVar(&o.MemberClusters, "inventory-member-clusters", o.MemberClusters, "Also sync member clusters: each Secret in --inventory-namespace labelled "+v1alpha1.LabelMemberCluster+"=true holds a member's kubeconfig (key "+v1alpha1.SecretKeyKubeconfig+", or "+v1alpha1.SecretKeyCAPIKubeconfig+" as in Cluster API's <cluster>-kubeconfig Secrets); the member gets its own DeploymentManager, pools, resources and types. Needs get/list/watch on Secrets in --inventory-namespace. See docs/multicluster.md.")
	fs.StringSliceVar(&o.CAPINamespaces, "inventory-capi-namespaces", o.CAPINamespaces, "Namespaces whose Cluster API kubeconfig Secrets (type cluster.x-k8s.io/secret, named <cluster>-kubeconfig, labelled cluster.x-k8s.io/cluster-name=<cluster>) register member clusters without the "+v1alpha1.LabelMemberCluster+" label; the member is named after the cluster, or its o2ims.oran.org/cluster-name annotation (list only namespaces whose Secrets you trust to name members; in --provisioning-namespaces only provisioned clusters register). Needs get/list/watch on Secrets in each (the chart's inventorySync.capiNamespaces). See docs/multicluster.md.")
	fs.StringSliceVar(&o.TenantMemberAllowedCIDRs, "inventory-tenant-member-allowed-cidrs", o.TenantMemberAllowedCIDRs, "Special-purpose addresses (CIDRs or addresses: private-use, loopback, CGNAT, ...) at which member clusters registered from tenants' namespaces (--provisioning-namespaces) may be reached, e.g. the network their control planes are provisioned on; refused otherwise, at every connection, as notification callbacks are (a tenant chooses its Cluster's control plane endpoint). The operator's members may be anywhere but the unspecified, link-local (cloud metadata) and multicast addresses. See docs/multicluster.md.")
	fs.Float32Var(&o.MemberQPS, "inventory-member-qps", o.MemberQPS, "Requests per second netweave may send each member cluster's API server (lists, watches, discovery, probes), whatever the member's kubeconfig says.")
	fs.IntVar(&o.MemberBurst, "inventory-member-burst", o.MemberBurst, "Burst above --inventory-member-qps for each member cluster's API server.")
	fs.IntVar(&o.MemberMaxNodes, "inventory-member-max-nodes", o.MemberMaxNodes, "Most Nodes of one member cluster its inventory holds (each becomes a Resource): past it the Nodes listed first are kept and the member's DeploymentManager has the condition InventoryComplete=False (reason TooManyNodes). A tenant's member may be a server the tenant runs, reporting any number of Nodes.")
	fs.DurationVar(&o.MemberProbeInterval, "inventory-member-probe-interval", o.MemberProbeInterval, "How often each member cluster's API server is checked; an unreachable member keeps its inventory and its DeploymentManager turns DISABLED (condition ClusterReachable=False).")
	fs.IntVar(&o.SubscriptionsPerNamespace, "subscriptions-per-namespace", o.SubscriptionsPerNamespace, "Most subscriptions of each kind (InventorySubscriptions, AlarmSubscriptions, ProvisioningRequestSubscriptions, NfDeploymentSubscriptions) a namespace may hold; in the shared subscription namespace of the default apiRoot, most each owner may hold there. 0 removes the cap.")
	o.Lease.AddFlags(fs)
}

// Complete fills in the identity, the O-Cloud name and the node pool namespaces.
func (o *InventoryOptions) Complete() error {
	if err := o.Lease.Complete(); err != nil {
		return err
	}
	if o.OCloudName == "" {
		o.OCloudName = o.ClusterName
	}
	nodePools := sets.New(o.NodePoolNamespaces...)
	nodePools.Delete(o.Namespace, "")
	o.NodePoolNamespaces = sets.List(nodePools)
	// Sorted and without repeats, so each namespace is watched once.
	o.CAPINamespaces = sets.List(sets.New(o.CAPINamespaces...))
	return nil
}

// Validate reports invalid flags. The namespaces are checked even with the sync off: the API
// enforces the tenant boundary they draw.
func (o *InventoryOptions) Validate() []error {
	var errs []error
	for _, msg := range validation.IsDNS1123Label(o.Namespace) {
		errs = append(errs, fmt.Errorf("--inventory-namespace: %s", msg))
	}
	for _, ns := range o.NodePoolNamespaces {
		for _, msg := range validation.IsDNS1123Label(ns) {
			errs = append(errs, fmt.Errorf("--inventory-node-pool-namespaces %q: %s", ns, msg))
		}
	}
	if o.SubscriptionsPerNamespace < 0 {
		errs = append(errs, fmt.Errorf("--subscriptions-per-namespace must not be negative"))
	}
	if !o.Enabled {
		return errs
	}
	errs = append(errs, o.Lease.Validate()...)
	if o.PoolLabel != "" {
		for _, msg := range validation.IsQualifiedName(o.PoolLabel) {
			errs = append(errs, fmt.Errorf("--inventory-pool-label: %s", msg))
		}
	}
	if o.OCloudID != "" {
		if _, err := uuid.Parse(o.OCloudID); err != nil {
			errs = append(errs, fmt.Errorf("--inventory-ocloud-id %q must be a UUID", o.OCloudID))
		}
	}
	if o.ClusterName == "" {
		errs = append(errs, fmt.Errorf("--inventory-cluster-name must not be empty"))
	}
	// The sync writes these into the OCloud and the DeploymentManager, whose validation
	// (apis/o2ims/validation) bounds them: longer, the server started and every write of
	// those objects was then refused.
	for _, f := range []struct {
		flag, value string
		max         int
	}{
		{"--inventory-global-cloud-id", o.GlobalCloudID, o2validation.MaxIDLength},
		{"--inventory-ocloud-name", o.OCloudName, o2validation.MaxNameLength},
		{"--inventory-cluster-name", o.ClusterName, o2validation.MaxNameLength},
		{"--inventory-ocloud-description", o.OCloudDescription, o2validation.MaxDescriptionLength},
	} {
		if len(f.value) > f.max {
			errs = append(errs, fmt.Errorf("%s must be at most %d bytes, not %d", f.flag, f.max, len(f.value)))
		}
	}
	if o.ClusterURL != "" {
		if u, err := url.Parse(o.ClusterURL); err != nil || !u.IsAbs() || u.Host == "" {
			errs = append(errs, fmt.Errorf("--inventory-cluster-url %q must be an absolute URL", o.ClusterURL))
		}
		// The DeploymentManager's serviceUri, which its validation bounds.
		if len(o.ClusterURL) > o2validation.MaxURILength {
			errs = append(errs, fmt.Errorf("--inventory-cluster-url must be at most %d bytes, not %d", o2validation.MaxURILength, len(o.ClusterURL)))
		}
	}
	if o.Workers < 1 {
		errs = append(errs, fmt.Errorf("--inventory-workers must be at least 1"))
	}
	if o.SharedDelay < 0 {
		errs = append(errs, fmt.Errorf("--inventory-batch-delay must not be negative"))
	}
	for _, ns := range o.CAPINamespaces {
		for _, msg := range validation.IsDNS1123Label(ns) {
			errs = append(errs, fmt.Errorf("--inventory-capi-namespaces %q: %s", ns, msg))
		}
	}
	if len(o.CAPINamespaces) > 0 && !o.MemberClusters {
		errs = append(errs, fmt.Errorf("--inventory-capi-namespaces needs --inventory-member-clusters"))
	}
	if _, err := notify.ParsePrefixes(o.TenantMemberAllowedCIDRs); err != nil {
		errs = append(errs, fmt.Errorf("--inventory-tenant-member-allowed-cidrs: %w", err))
	}
	// NaN compares false with everything, and client-go builds no rate limiter for it (nor
	// bounds anything with +Inf): either would lift the bound silently.
	if !(o.MemberQPS > 0) || math.IsInf(float64(o.MemberQPS), 0) || o.MemberBurst < 1 {
		errs = append(errs, fmt.Errorf("--inventory-member-qps must be a positive finite number and --inventory-member-burst at least 1"))
	}
	if o.MemberMaxNodes < 1 {
		errs = append(errs, fmt.Errorf("--inventory-member-max-nodes must be at least 1"))
	}
	if o.MemberClusters && o.MemberProbeInterval <= 0 {
		errs = append(errs, fmt.Errorf("--inventory-member-probe-interval must be positive"))
	}
	return errs
}

// Config returns the server's inventory configuration, nil when sync is off. serviceURI is the
// O2-IMS apiRoot (--o2ims-api-root), reported as the O-Cloud's serviceUri; kube is the
// connection to the cluster (the CoreAPI kubeconfig).
func (o *InventoryOptions) Config(serviceURI string, kubeConfig *rest.Config) *apiserver.InventoryConfig {
	if !o.Enabled {
		return nil
	}
	return &apiserver.InventoryConfig{
		KubeConfig:          kubeConfig,
		Namespace:           o.Namespace,
		NodePoolNamespaces:  o.NodePoolNamespaces,
		PoolLabel:           o.PoolLabel,
		OCloudID:            o.OCloudID,
		OCloud:              kube.OCloudInfo{GlobalCloudID: o.GlobalCloudID, Name: o.OCloudName, Description: o.OCloudDescription, ServiceURI: serviceURI},
		ClusterName:         o.ClusterName,
		ClusterURL:          o.ClusterURL,
		Workers:             o.Workers,
		SharedDelay:         o.SharedDelay,
		MemberClusters:      o.MemberClusters,
		MemberProbeInterval: o.MemberProbeInterval,
		MemberQPS:           o.MemberQPS,
		MemberBurst:         o.MemberBurst,
		MemberMaxNodes:      o.MemberMaxNodes,
		Members:             o.MemberSources(),
		Lease:               *o.Lease,
	}
}

// MemberSources are where member clusters are registered and how they are reached, for every
// component that reaches members (the sync, the Kubernetes profile, the O2-DMS controller),
// whether or not this replica syncs. Validate checked the CIDRs.
func (o *InventoryOptions) MemberSources() apiserver.MemberSources {
	allowed, _ := notify.ParsePrefixes(o.TenantMemberAllowedCIDRs)
	return apiserver.MemberSources{CAPINamespaces: o.CAPINamespaces, TenantNamespaces: o.TenantNamespaces,
		Addresses: members.Addresses{TenantAllowed: allowed}}
}

// Tenancy returns the tenant boundary the registry enforces, whether or not the sync runs.
func (o *InventoryOptions) Tenancy() apiserver.TenancyConfig {
	return apiserver.TenancyConfig{InventoryNamespace: o.Namespace, NodePoolNamespaces: o.NodePoolNamespaces,
		SubscriptionsPerNamespace: o.SubscriptionsPerNamespace}
}
