package options

import (
	"errors"
	"fmt"
	"math"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/leader"
)

// ProvisioningOptions configure O2-IMS provisioning on Cluster API (issue 14): where
// ProvisioningRequests may be made, where the ClusterClasses offered as templates live, and
// the controllers that sync templates and turn requests into Clusters.
type ProvisioningOptions struct {
	// Enabled runs the template sync and the provisioning controller (leader-elected).
	Enabled bool
	// Namespaces are the tenant namespaces, besides the inventory namespace, where
	// ProvisioningRequests may be created (and so Clusters built); netweave is granted the
	// rights on Cluster API Clusters there only.
	Namespaces []string
	// ClusterClassNamespaces hold the ClusterClasses offered as ManagedInfrastructureTemplates;
	// empty is the inventory namespace alone.
	ClusterClassNamespaces []string
	// Workers is how many requests are reconciled at once.
	Workers int
	// QPS and Burst bound the controllers' requests to the management cluster's API server
	// (Clusters, ClusterClasses): client-go's default of 5 per second made 100 requests at
	// once wait 18 s for their Clusters (docs/performance.md, "Provisioning").
	QPS   float32
	Burst int
	Lease *leader.Options
}

// NewProvisioningOptions returns the defaults: off; requests in the inventory namespace only;
// templates from the inventory namespace's ClusterClasses; 4 workers; 50 requests per second
// (bursts of 100) to the management cluster.
func NewProvisioningOptions() *ProvisioningOptions {
	return &ProvisioningOptions{Workers: 4, QPS: 50, Burst: 100, Lease: leader.NewOptions("provisioning", "o2ims-system", "netweave-provisioning-controller")}
}

// AddFlags registers the provisioning flags.
func (o *ProvisioningOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Enabled, "provisioning-controller", o.Enabled, "Run the provisioning controllers (leader-elected): ClusterClasses → ManagedInfrastructureTemplates, ProvisioningRequests → Cluster API Clusters and their status.")
	fs.StringSliceVar(&o.Namespaces, "provisioning-namespaces", o.Namespaces, "Tenant namespaces, besides the inventory namespace, where ProvisioningRequests may be created (chart value provisioning.namespaces; netweave is granted the rights on Cluster API Clusters there only). A request in another namespace is refused with 403.")
	fs.StringSliceVar(&o.ClusterClassNamespaces, "provisioning-clusterclass-namespaces", o.ClusterClassNamespaces, "Namespaces whose Cluster API ClusterClasses are offered as ManagedInfrastructureTemplates, written in the same namespace (default: the inventory namespace).")
	fs.IntVar(&o.Workers, "provisioning-workers", o.Workers, "ProvisioningRequests reconciled at once.")
	fs.Float32Var(&o.QPS, "provisioning-qps", o.QPS, "Requests per second the provisioning controllers may send the management cluster's API server (Clusters, ClusterClasses).")
	fs.IntVar(&o.Burst, "provisioning-burst", o.Burst, "Burst of requests above --provisioning-qps.")
	o.Lease.AddFlags(fs)
}

// Complete fills in the identity.
func (o *ProvisioningOptions) Complete() error { return o.Lease.Complete() }

// Validate reports invalid flags.
func (o *ProvisioningOptions) Validate() []error {
	var errs []error
	if o.Workers <= 0 {
		errs = append(errs, errors.New("--provisioning-workers must be positive"))
	}
	// NaN compares false with everything, and client-go builds no rate limiter for it (nor
	// bounds anything with +Inf): either would lift the bound silently.
	if !(o.QPS > 0) || math.IsInf(float64(o.QPS), 0) || o.Burst < 1 {
		errs = append(errs, errors.New("--provisioning-qps must be a positive finite number and --provisioning-burst positive"))
	}
	for flag, list := range map[string][]string{"--provisioning-namespaces": o.Namespaces, "--provisioning-clusterclass-namespaces": o.ClusterClassNamespaces} {
		for _, ns := range list {
			for _, msg := range validation.IsDNS1123Label(ns) {
				errs = append(errs, fmt.Errorf("%s: %q: %s", flag, ns, msg))
			}
		}
	}
	if o.Enabled {
		errs = append(errs, o.Lease.Validate()...)
	}
	return errs
}

// DiscoveryNamespaces returns the Cluster API discovery namespaces (--inventory-capi-namespaces)
// with, when provisioning is on, the inventory namespace and the provisioning namespaces added:
// a request's Cluster, and so its <cluster>-kubeconfig Secret, lives in the request's
// namespace, and the Secret is what makes the cluster a member of the inventory.
func (o *ProvisioningOptions) DiscoveryNamespaces(capiNamespaces []string, inventoryNamespace string) []string {
	if !o.Enabled {
		return capiNamespaces
	}
	return sets.List(sets.New(capiNamespaces...).Insert(inventoryNamespace).Insert(o.Namespaces...))
}

// TenantNamespaces returns the tenants' namespaces among the discovery namespaces: the
// provisioning namespaces but the inventory namespace, whether or not the controller runs (the
// flag says whose they are). Their Cluster API Secrets register only the clusters provisioned
// there (members.OriginTenant).
func (o *ProvisioningOptions) TenantNamespaces(inventoryNamespace string) []string {
	return sets.List(sets.New(o.Namespaces...).Delete(inventoryNamespace, ""))
}

// Config returns the controllers' configuration, nil when disabled; inventoryNamespace is
// the default of ClusterClassNamespaces.
func (o *ProvisioningOptions) Config(kube *rest.Config, inventoryNamespace string) *apiserver.ProvisioningConfig {
	if !o.Enabled {
		return nil
	}
	classNamespaces := o.ClusterClassNamespaces
	if len(classNamespaces) == 0 {
		classNamespaces = []string{inventoryNamespace}
	}
	kube = rest.CopyConfig(kube)
	kube.QPS, kube.Burst = o.QPS, o.Burst
	return &apiserver.ProvisioningConfig{
		KubeConfig: kube, Namespaces: o.Namespaces, ClusterClassNamespaces: classNamespaces,
		Workers: o.Workers, Lease: *o.Lease,
	}
}
