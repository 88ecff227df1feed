package main

import (
	"context"
	"fmt"

	"github.com/netweave-io/netweave/internal/localstack"
)

// provisioningNamespace is the tenant namespace where make run's ProvisioningRequests go
// (besides the inventory namespace, where the O2 face's default apiRoot makes them). It is not
// tenant-a or tenant-b, which the tenant recipe creates itself.
const provisioningNamespace = "tenant-edge"

// provisioningArgs turn the provisioning controllers on, with requests in the inventory
// namespace and provisioningNamespace.
func provisioningArgs() []string {
	return localstack.ProvisioningArgs([]string{provisioningNamespace})
}

// setUpProvisioning installs Cluster API's CRDs, the demo ClusterClass and netweave's RBAC for
// provisioning, as e2e tests do (localstack.SetUpProvisioning), before netweave starts.
func setUpProvisioning(ctx context.Context, cp *localstack.ControlPlane) error {
	if err := cp.SetUpProvisioning(ctx, inventoryNamespace, []string{provisioningNamespace}); err != nil {
		return fmt.Errorf("set up provisioning: %w", err)
	}
	return nil
}
