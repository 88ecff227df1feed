package apiserver

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/inventory/members"
	"github.com/netweave-io/netweave/pkg/k8sprofile"
	"github.com/netweave-io/netweave/pkg/o2rest"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeployment"
)

// clusterProfiles serves the O2 face's Kubernetes profiles from pkg/k8sprofile.
type clusterProfiles struct {
	p *k8sprofile.Provider
	// inventoryNamespace holds the operator's deployment managers.
	inventoryNamespace string
}

// errAnotherTenantsCluster is a token asked for in a cluster that another tenant provisioned.
var errAnotherTenantsCluster = errors.New("the cluster was provisioned for another tenant namespace")

// errSystemNamespace is a tenant's token asked for in a namespace Kubernetes reserves
// (nfdeployment.SystemNamespace): edit there is not a tenant's to hold in any cluster.
var errSystemNamespace = errors.New("the namespace is reserved for Kubernetes (kube-*)")

// newClusterProfiles returns the Kubernetes profiles of deployment managers, nil without a
// connection to the cluster netweave runs in; loopback reaches netweave's own API (the
// provisioning requests a tenant's member depends on).
func newClusterProfiles(o2 *O2Config, inventoryNamespace string, loopback *rest.Config) (o2rest.ClusterProfiles, error) {
	if o2.KubeConfig == nil {
		return nil, nil
	}
	kc, err := kubernetes.NewForConfig(o2.KubeConfig)
	if err != nil {
		return nil, fmt.Errorf("kubernetes profile client: %w", err)
	}
	provisioning, err := liveProvisioning(o2.KubeConfig, loopback)
	if err != nil {
		return nil, err
	}
	url, ca := o2.ClusterURL, []byte(nil)
	if url == "" || url == o2.KubeConfig.Host {
		url, ca = o2.KubeConfig.Host, k8sprofile.CAOf(o2.KubeConfig)
	}
	cfg := k8sprofile.Config{
		Secrets: kc, Namespace: inventoryNamespace, CAPINamespaces: o2.Members.CAPINamespaces, TenantNamespaces: o2.Members.TenantNamespaces, MemberAddresses: o2.Members.Addresses, LocalURL: url, LocalCA: ca,
		Provisioning: provisioning, TokenTTL: o2.ProfileTokenTTL, Audiences: o2.ProfileTokenAudiences,
	}
	if len(o2.ProfileLocalNamespaces) > 0 {
		cfg.Local, cfg.LocalNamespaces = kc, o2.ProfileLocalNamespaces
	}
	return clusterProfiles{p: k8sprofile.NewProvider(cfg), inventoryNamespace: inventoryNamespace}, nil
}

// liveProvisioning reads the provisioning requests (through loopback) and Cluster API Clusters
// (through kube) that a tenant's member registration depends on.
func liveProvisioning(kube, loopback *rest.Config) (members.Provisioning, error) {
	o2, err := versioned.NewForConfig(loopback)
	if err != nil {
		return members.Provisioning{}, fmt.Errorf("provisioning request client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(kube)
	if err != nil {
		return members.Provisioning{}, fmt.Errorf("cluster api client: %w", err)
	}
	return members.LiveProvisioning(o2, dyn), nil
}

// Profile answers dm's profile, with a token for the caller's tenant namespace only in a
// cluster that namespace may deploy to (nfdeployment.MayDeployTo, as its NfDeployments), and
// never for a namespace Kubernetes reserves (nfdeployment.SystemNamespace): a
// token is edit rights in the cluster, and a cluster one tenant provisioned is not another's
// to run workloads in, whoever granted the credentials permission on the inventory's managers.
func (c clusterProfiles) Profile(ctx context.Context, dm *v1alpha1.DeploymentManager, namespace string) (*o2rest.ClusterAccess, bool, error) {
	if dm.Namespace != c.inventoryNamespace {
		// An admin's own DeploymentManager: no cluster netweave knows (k8sprofile), answered
		// alike whoever asks, not as another tenant's cluster.
		return nil, false, nil
	}
	if namespace != "" && !nfdeployment.MayDeployTo(dm, namespace, c.inventoryNamespace) {
		return nil, false, fmt.Errorf("%w: %w", o2rest.ErrCredentialsNotOffered, errAnotherTenantsCluster)
	}
	if namespace != "" && namespace != c.inventoryNamespace && nfdeployment.SystemNamespace(namespace) {
		return nil, false, fmt.Errorf("%w: %w", o2rest.ErrCredentialsNotOffered, errSystemNamespace)
	}
	a, err := c.p.Access(ctx, dm, namespace)
	if errors.Is(err, k8sprofile.ErrUnknownCluster) {
		return nil, false, nil
	}
	if errors.Is(err, k8sprofile.ErrNoNamespace) {
		return nil, false, fmt.Errorf("%w: %w", o2rest.ErrNamespaceMissing, err)
	}
	if errors.Is(err, k8sprofile.ErrLocalNamespaceNotEnabled) || errors.Is(err, k8sprofile.ErrForeignAccount) {
		return nil, false, fmt.Errorf("%w: %w", o2rest.ErrCredentialsNotOffered, err)
	}
	if err != nil {
		return nil, false, err
	}
	return &o2rest.ClusterAccess{Endpoint: a.Endpoint, CA: a.CA, Token: a.Token, Expiration: a.Expiration,
		Namespace: a.Namespace, ServiceAccount: a.ServiceAccount}, true, nil
}
