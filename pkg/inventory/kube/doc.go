// Package kube is the inventory adapter of a Kubernetes cluster: Nodes become Resources, node
// pools (a pool label, Cluster API MachineDeployments and MachineSets, pools admins declare with
// spec.nodeSelector) become ResourcePools, node kinds and StorageClasses become ResourceTypes,
// the cluster becomes a DeploymentManager, and zone/region labels become Locations and
// OCloudSites. The mapping functions are pure; Adapter wires them to informers.
package kube
