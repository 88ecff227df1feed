package apiserver

import (
	"context"
	"fmt"
	"sync"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/provisioning"
	provisioningcontroller "github.com/netweave-io/netweave/pkg/provisioning/controller"
	"github.com/netweave-io/netweave/pkg/provisioning/templates"
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

// installProvisioning starts the provisioning controllers after the API server is up: both
// run while this replica holds the provisioning Lease, on the process's shared informers.
func installProvisioning(s *genericapiserver.GenericAPIServer, bg *background, c CompletedConfig, informers *o2informers.Shared) error {
	pc := c.extra.Provisioning
	if pc == nil {
		return nil
	}
	if pc.KubeConfig == nil {
		return fmt.Errorf("the provisioning controllers need a cluster connection (--kubeconfig or in-cluster)")
	}
	client, err := versioned.NewForConfig(c.generic.LoopbackClientConfig)
	if err != nil {
		return fmt.Errorf("provisioning client: %w", err)
	}
	kube, err := kubernetes.NewForConfig(pc.KubeConfig)
	if err != nil {
		return fmt.Errorf("provisioning cluster client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(pc.KubeConfig)
	if err != nil {
		return fmt.Errorf("provisioning Cluster API client: %w", err)
	}
	m, err := provisioning.NewMetrics(legacyregistry.Register)
	if err != nil {
		return err
	}
	templateSync := templates.New(templates.Config{Client: client, Informers: informers, Dynamic: dyn,
		Namespaces: pc.ClusterClassNamespaces, Metrics: m})
	ctrl := provisioningcontroller.New(provisioningcontroller.Config{Client: client, Informers: informers, Dynamic: dyn,
		InventoryNamespace: c.extra.Tenancy.InventoryNamespace, Namespaces: pc.Namespaces, Workers: pc.Workers, Metrics: m})
	return s.AddPostStartHook("provisioning-controllers", func(ctx genericapiserver.PostStartHookContext) error {
		bg.Go(func() {
			logger := klog.FromContext(ctx).WithName("provisioning")
			if err := leader.Run(klog.NewContext(ctx, logger), kube, pc.Lease, func(ctx context.Context) {
				var wg sync.WaitGroup
				wg.Go(func() { templateSync.Lead(ctx) })
				wg.Go(func() { ctrl.Lead(ctx) })
				wg.Wait()
			}); err != nil {
				logger.Error(err, "Provisioning controllers stopped")
			}
		})
		return nil
	})
}
