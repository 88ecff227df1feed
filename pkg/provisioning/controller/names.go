package controller

import "github.com/netweave-io/netweave/pkg/inventory/members"

// ClusterName is the name of the Cluster built for the request name (its
// provisioningRequestId) in namespace: members.ProvisionedName, "<namespace>-<name>" (a hash
// keeps long namespaces apart). A Cluster's name is also its member cluster's name in the
// inventory, and the member names that a tenant namespace's Cluster API Secrets may register
// are exactly these, so the inventory defines the rule and the controller follows it.
func ClusterName(namespace, name string) string { return members.ProvisionedName(namespace, name) }
