package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IsManaged reports whether the controller owns obj.
func IsManaged(obj metav1.Object) bool {
	return obj.GetLabels()[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByInventory
}

// ClusterOf is the member cluster a synced object was made from ("" for the cluster netweave
// runs in).
func ClusterOf(obj metav1.Object) string {
	return obj.GetLabels()[v1alpha1.LabelCluster]
}

// Owner decides which managed objects one sync owns: those of one cluster.
type Owner struct {
	// Cluster is the member cluster, "" for the cluster netweave runs in.
	Cluster string
}

// Owns reports whether obj is a synced object of the owner's cluster.
func (o Owner) Owns(obj metav1.Object) bool {
	return IsManaged(obj) && ClusterOf(obj) == o.Cluster
}

// ManagedMeta returns the metadata of a synced object.
func ManagedMeta(namespace, name, source string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Namespace:   namespace,
		Name:        name,
		Labels:      map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedByInventory},
		Annotations: map[string]string{v1alpha1.AnnotationSource: source},
	}
}

// maxNameLength keeps generated names short enough to be label values too.
const maxNameLength = 63

// ObjectName turns the non-empty parts into a valid object name (a DNS subdomain of at most 63
// characters, which is also a valid label value). When
// they had to be changed to fit, a short hash of the original keeps distinct sources apart.
func ObjectName(parts ...string) string {
	kept := make([]string, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	raw := strings.Join(kept, "-")
	var b strings.Builder
	for _, r := range strings.ToLower(raw) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-.")
	for _, bad := range []string{"--", "..", "-.", ".-"} {
		for strings.Contains(name, bad) {
			name = strings.ReplaceAll(name, bad, "-")
		}
	}
	if name == raw && len(name) <= maxNameLength && name != "" {
		return name
	}
	sum := sha256.Sum256([]byte(raw))
	suffix := hex.EncodeToString(sum[:4])
	if max := maxNameLength - len(suffix) - 1; len(name) > max {
		name = strings.TrimRight(name[:max], "-.")
	}
	if name == "" {
		return "x-" + suffix
	}
	return name + "-" + suffix
}
