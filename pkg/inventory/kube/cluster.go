package kube

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// ClusterInfo describes the cluster the adapter watches.
type ClusterInfo struct {
	// Name of the DeploymentManager.
	Name string
	// URL of the cluster's API server: the DeploymentManager's serviceUri.
	URL string
	// UID identifies the cluster (the uid of its kube-system namespace).
	UID string
	// Version is the Kubernetes version, when known.
	Version string
}

// OCloudInfo are the O-Cloud's fields that come from configuration.
type OCloudInfo struct {
	GlobalCloudID string
	Name          string
	Description   string
	ServiceURI    string
}

// OCloud is the singleton.
func OCloud(ids inventory.IDs, info OCloudInfo) *v1alpha1.OCloud {
	return &v1alpha1.OCloud{
		ObjectMeta: inventory.ManagedMeta("", "default", "OCloud/default"),
		Spec: v1alpha1.OCloudSpec{
			OCloudID:      ids.OCloudID(),
			GlobalCloudID: info.GlobalCloudID,
			Name:          info.Name,
			Description:   info.Description,
			ServiceURI:    info.ServiceURI,
		},
	}
}

// clusterTotals sums what the nodes offer.
type clusterTotals struct {
	nodes, ready, schedulable int
	capacity, allocatable     corev1.ResourceList
	archs                     map[string]bool
}

func newClusterTotals() *clusterTotals {
	return &clusterTotals{capacity: corev1.ResourceList{}, allocatable: corev1.ResourceList{}, archs: map[string]bool{}}
}

func (c *clusterTotals) add(node *corev1.Node) {
	c.nodes++
	st := NodeStatus(node)
	if st.OperationalState == v1alpha1.OperationalStateEnabled {
		c.ready++
	}
	if st.AdminState == v1alpha1.AdminStateUnlocked {
		c.schedulable++
	}
	addList(c.capacity, node.Status.Capacity)
	addList(c.allocatable, node.Status.Allocatable)
	if a := nodeArch(node); a != "" {
		c.archs[a] = true
	}
}

// addList adds l to sum. A total's format is the first in formatOrder of its addends', not the
// first node's: nodes come in no particular order, and a total that changed its spelling
// (207374182400 or 202513850Ki) from one resync to the next would be rewritten each time.
func addList(sum, l corev1.ResourceList) {
	for name, q := range l {
		total, ok := sum[name]
		format := q.Format
		if ok && formatOrder[total.Format] < formatOrder[format] {
			format = total.Format
		}
		total.Add(q)
		total.Format = format
		sum[name] = total
	}
}

// formatOrder ranks the quantity formats a total may take.
var formatOrder = map[resource.Format]int{resource.BinarySI: 0, resource.DecimalSI: 1, resource.DecimalExponent: 2}

// DeploymentManagerID is the O2 id of the cluster's DeploymentManager.
func DeploymentManagerID(ids inventory.IDs, cluster ClusterInfo) string {
	return ids.Of(sourceCluster, cluster.UID)
}

// DeploymentManager is the cluster as an O2dms endpoint: capacity summed over its nodes,
// supportedLocations the globalLocationIds of its pools.
func DeploymentManager(ids inventory.IDs, namespace string, cluster ClusterInfo, totals *clusterTotals, locations []string, storageClasses []string) *v1alpha1.DeploymentManager {
	archs := sortedKeys(totals.archs)
	sort.Strings(storageClasses)
	caps := map[string]any{"profiles": []string{"k8s"}, "architectures": archs, "storageClasses": storageClasses}
	if cluster.Version != "" {
		caps["kubernetesVersion"] = cluster.Version
	}
	return &v1alpha1.DeploymentManager{
		ObjectMeta: inventory.ManagedMeta(namespace, inventory.ObjectName(cluster.Name), sourceCluster+"/"+cluster.Name),
		Spec: v1alpha1.DeploymentManagerSpec{
			DeploymentManagerID: DeploymentManagerID(ids, cluster),
			Name:                cluster.Name,
			Description:         "Kubernetes cluster " + cluster.Name,
			OCloudID:            ids.OCloudID(),
			ServiceURI:          cluster.URL,
			SupportedLocations:  locations,
			Capabilities:        extensions(caps),
			Capacity: extensions(map[string]any{
				"nodes":            totals.nodes,
				"readyNodes":       totals.ready,
				"schedulableNodes": totals.schedulable,
				"capacity":         quantities(totals.capacity),
				"allocatable":      quantities(totals.allocatable),
			}),
		},
	}
}
