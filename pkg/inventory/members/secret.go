// Package members runs the inventory sync of member clusters: clusters registered with a
// labelled kubeconfig Secret in the inventory namespace, each synced by its own Kubernetes
// adapter and controller into objects labelled with its name.
package members

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
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

// Origin is the kind of namespace a registration Secret is in, which decides what member it
// may register and which Secret registers a name that two claim. The lower prevails.
type Origin int

const (
	// OriginInventory is the inventory namespace, the operator's: any name, the
	// o2ims.oran.org/cluster-name annotation honoured.
	OriginInventory Origin = iota
	// OriginCAPI is a namespace of --inventory-capi-namespaces that is no tenant's: the
	// operator's Cluster API clusters, named as the operator chose, annotation honoured.
	OriginCAPI
	// OriginTenant is a tenant's namespace (--provisioning-namespaces): its Secrets register
	// only the names the provisioning controller gives its Clusters there (provisionedIn), and
	// their annotation is ignored, so that a tenant cannot take or shadow another's member.
	OriginTenant
)

// OriginOf is the origin of a Secret in namespace, where inventory is the inventory namespace
// and tenants the tenants' namespaces that are also watched (--provisioning-namespaces).
func OriginOf(namespace, inventory string, tenants []string) Origin {
	switch {
	case namespace == inventory:
		return OriginInventory
	case slices.Contains(tenants, namespace):
		return OriginTenant
	}
	return OriginCAPI
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
	// Origin is the kind of SecretNamespace.
	Origin Origin
	// Kubeconfig reaches the member.
	Kubeconfig []byte
	// Hash tells whether the kubeconfig changed.
	Hash [sha256.Size]byte
}

// Tenant is the tenant namespace that provisioned the member (the Secret's, for
// OriginTenant), "" for the operator's members.
func (r Registration) Tenant() string {
	if r.Origin == OriginTenant {
		return r.SecretNamespace
	}
	return ""
}

// key is the Secret's namespace/name: the manager's queue key.
func (r Registration) key() string { return r.SecretNamespace + "/" + r.Secret }

// errNoKubeconfig is returned for a Secret without a kubeconfig.
var errNoKubeconfig = errors.New("holds no kubeconfig (key " + v1alpha1.SecretKeyKubeconfig + " or " + v1alpha1.SecretKeyCAPIKubeconfig + ")")

// ErrNotProvisionedName is returned for a Secret of a tenant's namespace whose member name is
// not one the provisioning controller gives a Cluster there: it registers nothing.
var ErrNotProvisionedName = errors.New("names no cluster provisioned in its namespace, the only members a tenant's namespace registers")

// RegistrationOf reads a member's Secret, found in a namespace of origin. The name is the
// o2ims.oran.org/cluster-name annotation (not in a tenant's namespace), or the Secret's name
// less a "-kubeconfig" suffix, made a valid object name; in a tenant's namespace it must be a
// name ProvisionedName gives there (else ErrNotProvisionedName). The kubeconfig is under the
// key "kubeconfig", or "value" (Cluster API's key).
func RegistrationOf(s *corev1.Secret, origin Origin) (Registration, error) {
	display := s.Annotations[v1alpha1.AnnotationClusterName]
	if origin == OriginTenant {
		display = ""
	}
	if display == "" {
		display = strings.TrimSuffix(s.Name, capiSuffix)
	}
	if display == "" {
		display = s.Name
	}
	r := Registration{Name: inventory.ObjectName(display), DisplayName: display, Secret: s.Name, SecretNamespace: s.Namespace, Origin: origin}
	if origin == OriginTenant && !provisionedIn(s.Namespace, r.Name) {
		return r, fmt.Errorf("secret %s/%s %w", s.Namespace, s.Name, ErrNotProvisionedName)
	}
	for _, key := range []string{v1alpha1.SecretKeyKubeconfig, v1alpha1.SecretKeyCAPIKubeconfig} {
		if b := s.Data[key]; len(b) > 0 {
			r.Kubeconfig = b
			r.Hash = sha256.Sum256(b)
			return r, nil
		}
	}
	return r, fmt.Errorf("secret %s/%s %w", s.Namespace, s.Name, errNoKubeconfig)
}
