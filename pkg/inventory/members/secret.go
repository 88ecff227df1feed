// Package members runs the inventory sync of member clusters: clusters registered with a
// labelled kubeconfig Secret in the inventory namespace, each synced by its own Kubernetes
// adapter and controller into objects labelled with its name.
package members

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// capiSuffix ends the names of Cluster API's kubeconfig Secrets, <cluster>-kubeconfig.
const capiSuffix = "-kubeconfig"

// Selector selects the Secrets that register member clusters.
func Selector() string { return v1alpha1.LabelMemberCluster + "=true" }

// Cluster API's kubeconfig Secrets: <cluster>-kubeconfig, of this type, labelled with the
// cluster's name, the kubeconfig under the key "value".
const (
	CAPISecretType   corev1.SecretType = "cluster.x-k8s.io/secret"
	CAPIClusterLabel string            = "cluster.x-k8s.io/cluster-name"
)

// CAPISelector selects the Secrets that Cluster API labels with a cluster; in the namespaces of
// --inventory-capi-namespaces those of type CAPISecretType named <cluster>-kubeconfig register
// members without the opt-in label (IsCAPIKubeconfig).
func CAPISelector() string { return CAPIClusterLabel }

// IsCAPIKubeconfig reports whether s is the kubeconfig Secret Cluster API keeps for the
// cluster of its label: other Secrets Cluster API labels so (CA, etcd, service-account keys)
// are not kubeconfigs and never members.
func IsCAPIKubeconfig(s *corev1.Secret) bool {
	c := s.Labels[CAPIClusterLabel]
	return s.Type == CAPISecretType && c != "" && s.Name == c+capiSuffix
}

// Registration is a member cluster as its Secret declares it.
type Registration struct {
	// Name is the member's name: the value of its objects' LabelCluster, the prefix of their
	// names, and what its ids derive from (inventory.IDs.Member).
	Name string
	// DisplayName is the name of its DeploymentManager as SMOs see it.
	DisplayName string
	// Secret is the Secret's name, in SecretNamespace.
	Secret          string
	SecretNamespace string
	// Kubeconfig reaches the member.
	Kubeconfig []byte
	// Hash tells whether the kubeconfig changed.
	Hash [sha256.Size]byte
}

// key is the Secret's namespace/name: the manager's queue key.
func (r Registration) key() string { return r.SecretNamespace + "/" + r.Secret }

// errNoKubeconfig is returned for a Secret without a kubeconfig.
var errNoKubeconfig = errors.New("holds no kubeconfig (key " + v1alpha1.SecretKeyKubeconfig + " or " + v1alpha1.SecretKeyCAPIKubeconfig + ")")

// RegistrationOf reads a member's Secret. The name is the o2ims.oran.org/cluster-name
// annotation, or the Secret's name less a "-kubeconfig" suffix, made a valid object name; the
// kubeconfig is under the key "kubeconfig", or "value" (Cluster API's key).
func RegistrationOf(s *corev1.Secret) (Registration, error) {
	display := s.Annotations[v1alpha1.AnnotationClusterName]
	if display == "" {
		display = strings.TrimSuffix(s.Name, capiSuffix)
	}
	if display == "" {
		display = s.Name
	}
	r := Registration{Name: inventory.ObjectName(display), DisplayName: display, Secret: s.Name, SecretNamespace: s.Namespace}
	for _, key := range []string{v1alpha1.SecretKeyKubeconfig, v1alpha1.SecretKeyCAPIKubeconfig} {
		if b := s.Data[key]; len(b) > 0 {
			r.Kubeconfig = b
			r.Hash = sha256.Sum256(b)
			return r, nil
		}
	}
	return r, fmt.Errorf("secret %s/%s %w", s.Namespace, s.Name, errNoKubeconfig)
}
