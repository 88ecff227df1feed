// Package clusterapi reads and writes Cluster API objects (sigs.k8s.io/cluster-api/api
// core/v1beta2) in the management cluster through the dynamic client: Cluster API ships no
// typed clientset outside controller-runtime, and its API module gives the types. Informers
// convert what they cache to the typed objects once, so the controllers read typed Clusters,
// ClusterClasses and Machines.
package clusterapi
