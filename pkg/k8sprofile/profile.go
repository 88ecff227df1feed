// Package k8sprofile answers the Kubernetes profile of O2dms for a DeploymentManager: where the
// cluster's API server is, its CA, and, for a caller the O2 face has found permitted, a
// short-lived ServiceAccount token scoped to the caller's tenant namespace in that cluster.
// Nothing here is cached or logged: a token leaves this package only in the return value.
package k8sprofile

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/members"
)

const (
	// ServiceAccountName is the ServiceAccount tokens are issued for, in the member namespace
	// named like the caller's tenant namespace.
	ServiceAccountName = "o2ims-smo"
	// RoleBindingName binds ServiceAccountName to EditClusterRole in that namespace only.
	RoleBindingName = "o2ims-smo-edit"
	// EditClusterRole is the built-in role the ServiceAccount gets in its namespace.
	EditClusterRole = "edit"
	// DefaultTokenTTL is how long an issued token lives: the shortest the TokenRequest API
	// accepts.
	DefaultTokenTTL = 10 * time.Minute
	// MaxTokenTTL bounds how long an issued token may live: it stays valid after the caller
	// loses the RBAC that let it be issued (a token is not revoked with a RoleBinding), so its
	// lifetime is the longest a removed caller keeps its access to the member cluster.
	MaxTokenTTL = 24 * time.Hour
	// fieldManager names netweave's writes in member clusters.
	fieldManager = "netweave-k8s-profile"
)

// ErrUnknownCluster is returned for a DeploymentManager netweave does not sync (an admin's
// own, or a member whose registration is gone).
var ErrUnknownCluster = errors.New("no cluster known for this deployment manager")

// ErrLocalNamespaceNotEnabled is returned for a token in the cluster netweave runs in for a
// namespace the operator has not listed (--o2ims-profile-local-namespaces): there netweave holds
// the RBAC to issue tokens only in the listed namespaces.
var ErrLocalNamespaceNotEnabled = errors.New("tokens for this cluster are not enabled for the tenant namespace (--o2ims-profile-local-namespaces)")

// ErrNoNamespace is returned when the tenant namespace does not exist in the cluster: netweave
// never creates namespaces there.
var ErrNoNamespace = errors.New("the tenant namespace does not exist in the cluster")

// ErrForeignAccount is returned when the ServiceAccount or the RoleBinding the profile issues
// tokens through exists in the namespace and is not what netweave makes: an account it did not
// create (it may be bound to more elsewhere), or a binding to another role or subject. A token
// for it could carry more than edit in the namespace, so none is issued; an admin of the
// cluster removes or renames the object.
var ErrForeignAccount = errors.New("the profile's ServiceAccount or RoleBinding in the namespace exists and is not netweave's")

// Access is the Kubernetes profile of one cluster.
type Access struct {
	// Cluster names the member ("" for the cluster netweave runs in).
	Cluster string
	// Endpoint is the API server URL.
	Endpoint string
	// CA is the PEM CA bundle of the API server, nil when unknown.
	CA []byte
	// Token, when issued, authenticates as ServiceAccount in Namespace.
	Token          string
	Expiration     time.Time
	Namespace      string
	ServiceAccount string
	// Dial reaches Endpoint's addresses as the profile's own connection to the member did (the
	// addresses its origin may be at, checked at every connection); nil for the cluster
	// netweave runs in. Clients of the member with these credentials must dial through it.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Config configures a Provider.
type Config struct {
	// Secrets reads the members' kubeconfig Secrets in Namespace (the cluster netweave runs in).
	Secrets kubernetes.Interface
	// Namespace is the inventory namespace (--inventory-namespace).
	Namespace string
	// CAPINamespaces hold Cluster API kubeconfig Secrets that register members without the
	// opt-in label (--inventory-capi-namespaces, with the provisioning namespaces).
	CAPINamespaces []string
	// TenantNamespaces are the tenants' namespaces among them (--provisioning-namespaces),
	// whose Secrets register only the clusters provisioned there (members.OriginTenant).
	TenantNamespaces []string
	// Provisioning reads the requests and Clusters a tenant's Secret depends on (as the
	// members manager does, members.Provisioning.NotBuilt); unset, no tenant's Secret
	// registers a member here.
	Provisioning members.Provisioning
	// LocalURL and LocalCA describe the cluster netweave runs in (--inventory-cluster-url, or
	// the server of --kubeconfig, and its CA when known).
	LocalURL string
	LocalCA  []byte
	// Local, when set, issues tokens in the cluster netweave runs in, for callers whose tenant
	// namespace is among LocalNamespaces (the only namespaces netweave's RBAC lets it act in
	// there); nil: the local cluster's profile carries no token.
	Local           kubernetes.Interface
	LocalNamespaces []string
	// TokenTTL is the lifetime of issued tokens (DefaultTokenTTL when 0).
	TokenTTL time.Duration
	// Audiences bind issued tokens; empty means the member API server's own audience.
	Audiences []string
	// MemberAddresses are where members' API servers may be dialled (the members manager's
	// --inventory-tenant-member-allowed-cidrs).
	MemberAddresses members.Addresses
	// Connect reaches a member from its registration (tests); by default through
	// MemberAddresses.RESTConfigOf, which refuses kubeconfigs that refer to local files, run
	// code or impersonate, and addresses the member's origin may not be at.
	Connect func(reg members.Registration) (kubernetes.Interface, *rest.Config, error)
	// ServiceAccount and RoleBinding name the ServiceAccount tokens are issued for and its
	// RoleBinding to EditClusterRole (ServiceAccountName and RoleBindingName when empty): the
	// O2-DMS controller acts as a ServiceAccount of its own, not the SMOs'.
	ServiceAccount, RoleBinding string
}

// Provider answers Kubernetes profiles.
type Provider struct {
	cfg Config
}

// NewProvider returns a Provider.
func NewProvider(cfg Config) *Provider {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Connect == nil {
		addrs := cfg.MemberAddresses
		cfg.Connect = func(reg members.Registration) (kubernetes.Interface, *rest.Config, error) { return connect(addrs, reg) }
	}
	if cfg.ServiceAccount == "" {
		cfg.ServiceAccount = ServiceAccountName
	}
	if cfg.RoleBinding == "" {
		cfg.RoleBinding = RoleBindingName
	}
	return &Provider{cfg: cfg}
}

func connect(addrs members.Addresses, reg members.Registration) (kubernetes.Interface, *rest.Config, error) {
	rc, err := addrs.RESTConfigOf(reg)
	if err != nil {
		return nil, nil, err
	}
	rc.UserAgent = fieldManager
	rc.Timeout = 10 * time.Second
	kc, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("member client: %w", err)
	}
	return kc, rc, nil
}

// CAOf returns the PEM CA of netweave's own client configuration (in-cluster, its CA file),
// nil when it has none. Never for a member's: its kubeconfig may not name files.
func CAOf(rc *rest.Config) []byte {
	if rc == nil {
		return nil
	}
	if len(rc.CAData) > 0 {
		return rc.CAData
	}
	if rc.CAFile != "" {
		if b, err := os.ReadFile(rc.CAFile); err == nil {
			return b
		}
	}
	return nil
}

// Access returns the profile of dm's cluster. With namespace set (the caller holds the
// credentials permission and its tenant namespace is known) it also issues a token for
// ServiceAccountName in that namespace of the member, creating the ServiceAccount and its
// RoleBinding to EditClusterRole there if missing. In the cluster netweave runs in it does so
// only for the operator's LocalNamespaces (see docs/multicluster.md).
func (p *Provider) Access(ctx context.Context, dm *v1alpha1.DeploymentManager, namespace string) (*Access, error) {
	if dm.Namespace != p.cfg.Namespace || !inventory.IsManaged(dm) {
		return nil, ErrUnknownCluster
	}
	member := dm.Labels[v1alpha1.LabelCluster]
	if member == "" {
		return p.localAccess(ctx, namespace)
	}
	reg, err := p.registrationOf(ctx, member)
	if err != nil {
		return nil, err
	}
	if reg.Tenant() != dm.Labels[v1alpha1.LabelTenant] {
		// The Secret that registers the member now is another tenant's (or the operator's)
		// than the one the DeploymentManager was synced for, whose label decided who may have
		// a token here: no profile until the inventory sync has caught up.
		return nil, ErrUnknownCluster
	}
	kc, rc, err := p.cfg.Connect(*reg)
	if err != nil {
		return nil, fmt.Errorf("member %s: %w", member, err)
	}
	// A member's CA is inline: members.RESTConfigOf refuses CA files.
	a := &Access{Cluster: member, Endpoint: rc.Host, CA: rc.CAData, Dial: rc.Dial}
	if namespace == "" {
		return a, nil
	}
	if err := p.issue(ctx, kc, a, namespace); err != nil {
		return nil, fmt.Errorf("member %s namespace %s: %w", member, namespace, err)
	}
	return a, nil
}

// localAccess is Access for the cluster netweave runs in.
func (p *Provider) localAccess(ctx context.Context, namespace string) (*Access, error) {
	a := &Access{Endpoint: p.cfg.LocalURL, CA: p.cfg.LocalCA}
	if namespace == "" || p.cfg.Local == nil {
		return a, nil
	}
	if !slices.Contains(p.cfg.LocalNamespaces, namespace) {
		return nil, fmt.Errorf("namespace %s: %w", namespace, ErrLocalNamespaceNotEnabled)
	}
	if err := p.issue(ctx, p.cfg.Local, a, namespace); err != nil {
		return nil, fmt.Errorf("local cluster namespace %s: %w", namespace, err)
	}
	return a, nil
}

// registrationOf finds the registration Secret of member, by the members manager's rules: a
// Secret of a tenant's namespace registers only the cluster provisioned there, at the endpoint
// its Cluster records (read live: the Secret is the tenant's to rewrite, and the manager, which
// may run in another replica, purges a member whose Secret stops matching only after it saw
// the change), and where Secrets of namespaces of different origins name one member, the
// lowest origin's registers it (the inventory namespace's over any other). Where two Secrets of
// the same origin with different kubeconfigs name one member, the manager syncs the one it saw
// first, which this replica cannot know: the profile then answers no cluster rather than
// perhaps another cluster's endpoint and token.
func (p *Provider) registrationOf(ctx context.Context, member string) (*members.Registration, error) {
	type place struct {
		namespace, selector string
		capi                bool
	}
	places := []place{{p.cfg.Namespace, members.Selector(), false}}
	for _, ns := range p.cfg.CAPINamespaces {
		places = append(places, place{ns, members.CAPISelector(), true})
	}
	// found registers member so far; other, when set, names it too with another kubeconfig,
	// in a namespace of found's origin.
	var found, other *members.Registration
	for _, pl := range places {
		list, err := p.cfg.Secrets.CoreV1().Secrets(pl.namespace).List(ctx, metav1.ListOptions{LabelSelector: pl.selector})
		if err != nil {
			return nil, fmt.Errorf("list member secrets in %s: %w", pl.namespace, err)
		}
		origin := members.OriginOf(pl.namespace, p.cfg.Namespace, p.cfg.TenantNamespaces)
		for i := range list.Items {
			if pl.capi && !members.IsCAPIKubeconfig(&list.Items[i]) {
				continue
			}
			reg, err := members.RegistrationOf(&list.Items[i], origin)
			if err != nil || reg.Name != member {
				continue
			}
			if origin == members.OriginTenant {
				why, err := p.cfg.Provisioning.NotBuilt(ctx, reg)
				if err != nil {
					return nil, fmt.Errorf("member %s: %w", member, err)
				}
				if why != "" {
					continue
				}
			}
			switch {
			case found == nil || reg.Origin < found.Origin:
				found, other = &reg, nil
			case reg.Origin == found.Origin && reg.Hash != found.Hash:
				other = &reg
			}
		}
	}
	if found == nil {
		return nil, ErrUnknownCluster
	}
	if other != nil {
		klog.FromContext(ctx).Error(nil, "Two secrets register the member cluster with different kubeconfigs; no Kubernetes profile for it",
			"member", member, "secret", klog.KRef(found.SecretNamespace, found.Secret), "other", klog.KRef(other.SecretNamespace, other.Secret))
		return nil, ErrUnknownCluster
	}
	return found, nil
}

// issue ensures the ServiceAccount and its RoleBinding in namespace and requests a token.
func (p *Provider) issue(ctx context.Context, kc kubernetes.Interface, a *Access, namespace string) error {
	if _, err := kc.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{}); err != nil {
		if namespaceGone(err) {
			return ErrNoNamespace
		}
		return fmt.Errorf("get namespace: %w", err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: p.cfg.ServiceAccount, Namespace: namespace,
		Labels: map[string]string{v1alpha1.LabelManagedBy: fieldManager}}}
	_, err := kc.CoreV1().ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{FieldManager: fieldManager})
	switch {
	case apierrors.IsAlreadyExists(err):
		// Tokens are for netweave's own account only: another's may be bound to more than edit.
		cur, err := kc.CoreV1().ServiceAccounts(namespace).Get(ctx, p.cfg.ServiceAccount, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get service account: %w", err)
		}
		if cur.Labels[v1alpha1.LabelManagedBy] != fieldManager {
			klog.FromContext(ctx).Info("The O2 profile's ServiceAccount exists and is not netweave's; no token issued", "cluster", a.Cluster, "namespace", namespace, "serviceAccount", p.cfg.ServiceAccount)
			return fmt.Errorf("%w: ServiceAccount %s/%s", ErrForeignAccount, namespace, p.cfg.ServiceAccount)
		}
	case err != nil:
		return fmt.Errorf("create service account: %w", err)
	default:
		klog.FromContext(ctx).Info("Created the O2 profile ServiceAccount", "cluster", a.Cluster, "namespace", namespace, "serviceAccount", p.cfg.ServiceAccount)
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: p.cfg.RoleBinding, Namespace: namespace, Labels: map[string]string{v1alpha1.LabelManagedBy: fieldManager}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: EditClusterRole},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: p.cfg.ServiceAccount, Namespace: namespace}},
	}
	_, err = kc.RbacV1().RoleBindings(namespace).Create(ctx, rb, metav1.CreateOptions{FieldManager: fieldManager})
	if apierrors.IsAlreadyExists(err) {
		// The token gets what the binding of that name grants: it must be the one made here
		// (its role reference is immutable; another binding is an admin's to remove).
		cur, gerr := kc.RbacV1().RoleBindings(namespace).Get(ctx, p.cfg.RoleBinding, metav1.GetOptions{})
		if gerr != nil {
			return fmt.Errorf("get role binding: %w", gerr)
		}
		if cur.RoleRef != rb.RoleRef || !slices.Equal(cur.Subjects, rb.Subjects) {
			klog.FromContext(ctx).Info("The O2 profile's RoleBinding exists and grants other than edit to netweave's account; no token issued",
				"cluster", a.Cluster, "namespace", namespace, "roleBinding", p.cfg.RoleBinding, "role", cur.RoleRef.Name)
			return fmt.Errorf("%w: RoleBinding %s/%s", ErrForeignAccount, namespace, p.cfg.RoleBinding)
		}
		err = nil
	}
	if err != nil {
		return fmt.Errorf("create role binding: %w", err)
	}
	seconds := int64(p.cfg.TokenTTL / time.Second)
	tr, err := kc.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, p.cfg.ServiceAccount, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{Audiences: p.cfg.Audiences, ExpirationSeconds: &seconds},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("request token: %w", err)
	}
	a.Token, a.Expiration = tr.Status.Token, tr.Status.ExpirationTimestamp.Time
	a.Namespace, a.ServiceAccount = namespace, p.cfg.ServiceAccount
	return nil
}

// namespaceGone says whether err is the member's API server answering that the namespace does
// not exist. A 404 that is not its Status (a load balancer's or proxy's own page in front of
// it, while it restarts or moves) says nothing about the namespace: taken as "gone", deleting an
// NfDeployment would drop its finalizer with its release still running there.
func namespaceGone(err error) bool {
	return apierrors.IsNotFound(err) && !apierrors.IsUnexpectedServerError(err)
}
