package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxClusterName bounds Cluster names: Cluster API puts them in label values
// (cluster.x-k8s.io/cluster-name), which hold 63 characters.
const maxClusterName = 63

// ClusterName is the name of the Cluster built for the request name (its
// provisioningRequestId) in namespace: "<namespace>-<name>".
//
// The namespace is part of the name because a Cluster's name is also its member cluster's name
// in the inventory (docs/multicluster.md: the member of a Cluster API cluster is named after
// the cluster alone), and member names are unique across namespaces: two tenants' requests
// with the same provisioningRequestId get Clusters of different names, hence different
// members, DeploymentManagers and ids. When the result would exceed 63 characters the
// namespace is cut and a hash of the whole (namespace, name) pair keeps it unique:
// "<namespace prefix>-<hash>-<name>".
func ClusterName(namespace, name string) string {
	full := namespace + "-" + name
	if len(full) <= maxClusterName {
		return full
	}
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	hash := hex.EncodeToString(sum[:])[:8]
	keep := maxClusterName - len(name) - len(hash) - 2
	if keep < 1 {
		// A name of over 52 characters (not a UUID): the hash alone keeps it apart.
		return strings.Trim((name + "-" + hash)[max(0, len(name)+len(hash)+1-maxClusterName):], "-.")
	}
	return strings.Trim(namespace[:min(keep, len(namespace))], "-") + "-" + hash + "-" + name
}
