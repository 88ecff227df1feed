package members

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// maxProvisionedName bounds the names of provisioned Clusters: Cluster API puts them in label
// values (cluster.x-k8s.io/cluster-name), which hold 63 characters.
const maxProvisionedName = 63

// ProvisionedName is the name of the Cluster the provisioning controller builds for the
// request name (its provisioningRequestId) in namespace, "<namespace>-<name>", and so the name
// of its member cluster: a Cluster API cluster's member is named after the cluster alone.
//
// The namespace is part of the name because member names are unique across namespaces: two
// tenants' requests with the same provisioningRequestId get Clusters of different names, hence
// different members, DeploymentManagers and ids; and a tenant's namespace registers no other
// members (provisionedIn). When the result would exceed 63 characters the namespace is cut and
// a hash of the whole (namespace, name) pair keeps it unique: "<namespace prefix>-<hash>-<name>".
func ProvisionedName(namespace, name string) string {
	full := namespace + "-" + name
	if len(full) <= maxProvisionedName {
		return full
	}
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	hash := hex.EncodeToString(sum[:])[:8]
	keep := maxProvisionedName - len(name) - len(hash) - 2
	if keep < 1 {
		// A name of over 52 characters (not a UUID): the hash alone keeps it apart.
		return strings.Trim((name + "-" + hash)[max(0, len(name)+len(hash)+1-maxProvisionedName):], "-.")
	}
	return strings.Trim(namespace[:min(keep, len(namespace))], "-") + "-" + hash + "-" + name
}

// uuidLength is the length of a provisioningRequestId, a UUID.
const uuidLength = 36

// provisionedIn reports whether member is a name ProvisionedName gives a request in namespace:
// the only names a Secret in a tenant's namespace may register, so that a tenant cannot take
// another tenant's or the operator's member name.
func provisionedIn(namespace, member string) bool {
	_, ok := ProvisionedRequest(namespace, member)
	return ok
}

// ProvisionedRequest is the request (its provisioningRequestId) in namespace that
// ProvisionedName gives the name member, if any. Requests are named by their
// provisioningRequestId, a lowercase UUID (apis/o2ims/validation), so the name ends in it; a
// name is the request's only if it is exactly what ProvisionedName gives for that UUID, which
// also tells "a-b" from "a" followed by "b-<uuid>", and long namespaces (cut, with a hash) by
// their hash.
func ProvisionedRequest(namespace, member string) (string, bool) {
	if len(member) <= uuidLength {
		return "", false
	}
	id := member[len(member)-uuidLength:]
	if !validation.IsUUID(id) || strings.ToLower(id) != id || ProvisionedName(namespace, id) != member {
		return "", false
	}
	return id, true
}
