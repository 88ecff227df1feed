// Package provisioning holds what the provisioning controllers (issue 14, docs/provisioning.md)
// share: their metrics. The controllers themselves are in its sub-packages: templates
// (ClusterClasses → ManagedInfrastructureTemplates) and controller (ProvisioningRequests →
// Cluster API Clusters and back into the request's status); clusterapi reads and writes Cluster
// API objects.
package provisioning
