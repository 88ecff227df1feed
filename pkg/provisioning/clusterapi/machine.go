package clusterapi

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// Machines are Cluster API Machines, at the storage version: the provisioning controller reports
// them as a request's infrastructure resources.
var Machines = clusterv1.GroupVersion.WithResource("machines")

// MachineFrom decodes a Machine read through the dynamic client.
func MachineFrom(u *unstructured.Unstructured) (*clusterv1.Machine, error) {
	return typed[clusterv1.Machine](u)
}

// DecodeMachine decodes a Machine for an informer's cache.
func DecodeMachine(u *unstructured.Unstructured) (runtime.Object, error) { return MachineFrom(u) }

// ClusterNameIndex indexes cached objects by the Cluster they belong to, the label Cluster API
// puts on them (cluster.x-k8s.io/cluster-name), so a Cluster's Machines are found without
// scanning every Machine of the namespace.
const ClusterNameIndex = "clusterName"

// ClusterNameIndexers are the indexers of ClusterNameIndex, for Informers.AddIndexers.
func ClusterNameIndexers() cache.Indexers {
	return cache.Indexers{ClusterNameIndex: func(obj any) ([]string, error) {
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, nil
		}
		if name := m.GetLabels()[clusterv1.ClusterNameLabel]; name != "" {
			return []string{name}, nil
		}
		return nil, nil
	}}
}
