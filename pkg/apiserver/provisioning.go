package apiserver

import (
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/o2informers"
)

// ProvisioningConfig configures the provisioning controllers (issue 14): the template sync
// (ClusterClasses → ManagedInfrastructureTemplates) and the provisioning controller
// (ProvisioningRequests → Cluster API Clusters).
type ProvisioningConfig struct {
	// KubeConfig reaches the management cluster: the cluster netweave runs in, where Cluster
	// API runs (Lease, ClusterClasses, Clusters and their kubeconfig Secrets).
	KubeConfig *rest.Config
	// Namespaces are the tenant namespaces besides the inventory namespace where requests may
	// be made (TenancyConfig.ProvisioningNamespaces is the same list).
	Namespaces []string
	// ClusterClassNamespaces hold the ClusterClasses offered as templates.
	ClusterClassNamespaces []string
	Workers                int
	Lease                  leader.Options
}

// installProvisioning starts the provisioning controllers after the API server is up.
func installProvisioning(_ *genericapiserver.GenericAPIServer, c CompletedConfig, _ *o2informers.Shared) error {
	if c.extra.Provisioning == nil {
		return nil
	}
	// The controllers land with the provisioning controller change.
	return nil
}
