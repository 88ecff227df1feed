package members

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

const requestID = "6f1c9a52-3f7e-4d7a-9a52-0c1d2e3f4a5b"

// capiSecret is Cluster API's kubeconfig Secret of cluster in ns.
func capiSecret(ns, cluster, kubeconfig string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: cluster + capiSuffix, Labels: map[string]string{CAPIClusterLabel: cluster}},
		Type: CAPISecretType, Data: map[string][]byte{v1alpha1.SecretKeyCAPIKubeconfig: []byte(kubeconfig)}}
}

// optInSecret is an operator's opt-in registration Secret in the inventory namespace.
func optInSecret(name, kubeconfig string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: invNS, Name: name, Labels: map[string]string{v1alpha1.LabelMemberCluster: "true"}},
		Data: map[string][]byte{v1alpha1.SecretKeyKubeconfig: []byte(kubeconfig)}}
}

func annotated(s *corev1.Secret, member string) *corev1.Secret {
	s.Annotations = map[string]string{v1alpha1.AnnotationClusterName: member}
	return s
}

func TestProvisionedName(t *testing.T) {
	if got := ProvisionedName("tenant-a", requestID); got != "tenant-a-"+requestID {
		t.Errorf("short: %s", got)
	}
	long := strings.Repeat("n", 40)
	a, b := ProvisionedName(long+"a", requestID), ProvisionedName(long+"b", requestID)
	for _, n := range []string{a, b, ProvisionedName("t", strings.Repeat("x", 70))} {
		if len(n) > maxProvisionedName || len(validation.IsDNS1123Label(n)) > 0 {
			t.Errorf("%q is not a valid Cluster name: %v", n, validation.IsDNS1123Label(n))
		}
	}
	if a == b || !strings.HasSuffix(a, requestID) {
		t.Errorf("long namespaces: %q and %q", a, b)
	}
	// The id is a UUID, of fixed length, so "<namespace>-<id>" gives the namespace back.
	if ProvisionedName("a-b", requestID) == ProvisionedName("a-c", requestID) {
		t.Error("collision")
	}
}

// TestTenantSecretCannotClaimUnprefixedName: a Cluster API Secret in a tenant's namespace
// registers only the member name the provisioning controller gives a cluster there, whatever
// its name or annotation says; so a tenant cannot register, and so take or shadow, the
// operator's edge-1 or another tenant's cluster.
func TestTenantSecretCannotClaimUnprefixedName(t *testing.T) {
	long := "tenant-" + strings.Repeat("l", 30) // the name is cut and hashed
	for _, tc := range []struct {
		name   string
		secret *corev1.Secret
		want   string // "" when refused
	}{
		{"provisioned", capiSecret("tenant-b", ProvisionedName("tenant-b", requestID), "k"), "tenant-b-" + requestID},
		{"provisioned, long namespace", capiSecret(long, ProvisionedName(long, requestID), "k"), ProvisionedName(long, requestID)},
		{"operator's name", capiSecret("tenant-b", "edge-1", "k"), ""},
		{"annotation ignored", annotated(capiSecret("tenant-b", ProvisionedName("tenant-b", requestID), "k"), "edge-1"), "tenant-b-" + requestID},
		{"annotation cannot make a name provisioned", annotated(capiSecret("tenant-b", "edge-1", "k"), "tenant-b-"+requestID), ""},
		// tenant-b's cluster name read as tenant's "b-<uuid>": the id must be the whole tail.
		{"another tenant's name", capiSecret("tenant", ProvisionedName("tenant-b", requestID), "k"), ""},
		{"another long namespace's name", capiSecret(long+"x", ProvisionedName(long, requestID), "k"), ""},
		{"prefix but no request id", capiSecret("tenant-b", "tenant-b-edge-1", "k"), ""},
		{"uppercase request id", capiSecret("tenant-b", "tenant-b-"+strings.ToUpper(requestID), "k"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := RegistrationOf(tc.secret, OriginTenant)
			switch {
			case tc.want == "" && !errors.Is(err, ErrNotProvisionedName):
				t.Errorf("registers %q (error %v); want it refused", r.Name, err)
			case tc.want != "" && (err != nil || r.Name != tc.want):
				t.Errorf("registers %q, error %v; want %q", r.Name, err, tc.want)
			}
		})
	}
	// The operator's namespaces keep their names and annotations.
	if r, err := RegistrationOf(annotated(optInSecret("x", "k"), "edge-1"), OriginInventory); err != nil || r.Name != "edge-1" {
		t.Errorf("inventory namespace: %q, %v", r.Name, err)
	}
	if r, err := RegistrationOf(capiSecret("capi", "edge-2", "k"), OriginCAPI); err != nil || r.Name != "edge-2" {
		t.Errorf("operator's Cluster API namespace: %q, %v", r.Name, err)
	}

	// The manager: only the provisioned cluster becomes a member.
	provisioned := ProvisionedName("tenant-b", requestID)
	edge1, edge2 := tenantKubeconfig("tenant-b's edge-1", "https://"+tenantEndpoint), tenantKubeconfig("tenant-b's edge-2", "https://"+tenantEndpoint)
	r := newRigWith(t, func(c *Config) { c.CAPINamespaces, c.TenantNamespaces = []string{"tenant-b"}, []string{"tenant-b"} },
		capiSecret("tenant-b", "edge-1", edge1),
		annotated(capiSecret("tenant-b", "edge-9", edge2), "edge-2"),
		capiSecret("tenant-b", provisioned, tenantKubeconfig("tenant-b's cluster", "https://"+tenantEndpoint)))
	r.provision("tenant-b", requestID)
	r.eventually("only the provisioned cluster registered", func() error {
		if got := r.mgr.Running(); !slices.Equal(got, []string{provisioned}) || r.mgr.queue.Len() > 0 {
			return fmt.Errorf("members %v running, %d secrets queued", got, r.mgr.queue.Len())
		}
		return nil
	})
	if r.connectedWith(edge1) || r.connectedWith(edge2) {
		t.Error("a tenant's Secret of an unprovisioned name was connected to")
	}
}

// TestManagerPrefersInventoryNamespaceSecret: where a tenant's Secret and the operator's name
// the same member, the operator's registers it, whichever came first, and the tenant's only
// when the operator's is gone.
func TestManagerPrefersInventoryNamespaceSecret(t *testing.T) {
	member := ProvisionedName("tenant-b", requestID)
	tenantKC := tenantKubeconfig("the tenant's", "https://"+tenantEndpoint)
	tenant := capiSecret("tenant-b", member, tenantKC)
	operator := annotated(optInSecret("edge-x", "kubeconfig of the operator's"), member)
	configure := func(c *Config) { c.CAPINamespaces, c.TenantNamespaces = []string{"tenant-b"}, []string{"tenant-b"} }

	t.Run("tenant's first", func(t *testing.T) {
		r := newRigWith(t, configure, tenant.DeepCopy())
		r.provision("tenant-b", requestID)
		r.eventually("the tenant's registration runs", func() error {
			if got := r.runs(member); got != "tenant-b/"+tenant.Name {
				return fmt.Errorf("runs %q", got)
			}
			return nil
		})
		// Its DeploymentManager is tenant-b's cluster (nfdeployment.MayDeployTo), until the
		// operator's Secret registers it.
		r.eventually("its deployment manager names the tenant", func() error { return r.tenantOf(member, "tenant-b") })
		if _, err := r.central.CoreV1().Secrets(invNS).Create(t.Context(), operator.DeepCopy(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		r.eventually("the operator's registration takes over", func() error {
			if got := r.runs(member); got != invNS+"/edge-x" {
				return fmt.Errorf("runs %q", got)
			}
			return nil
		})
		r.eventually("its deployment manager is the operator's", func() error { return r.tenantOf(member, "") })
		if err := r.central.CoreV1().Secrets(invNS).Delete(t.Context(), "edge-x", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		r.eventually("the tenant's registration runs again", func() error {
			if got := r.runs(member); got != "tenant-b/"+tenant.Name {
				return fmt.Errorf("runs %q", got)
			}
			return nil
		})
	})
	t.Run("both at start", func(t *testing.T) {
		r := newRigWith(t, configure, tenant.DeepCopy(), operator.DeepCopy())
		r.provision("tenant-b", requestID)
		r.eventually("the operator's registration runs", func() error {
			if got := r.runs(member); got != invNS+"/edge-x" || r.mgr.queue.Len() > 0 {
				return fmt.Errorf("runs %q, %d secrets queued", got, r.mgr.queue.Len())
			}
			return nil
		})
		if r.connectedWith(tenantKC) {
			t.Error("the tenant's kubeconfig was used while the operator's registers the member")
		}
	})
}

// TestRegressionTenantSecretNeedsItsProvisioningRequest: a tenant's Secret named exactly as
// the provisioning controller names a cluster, "<namespace>-<any uuid>-kubeconfig", registered
// a member with no ProvisioningRequest behind it: a kubeconfig of the tenant's choosing (an API
// server it runs) became a DeploymentManager in the operator's inventory, its nodes the
// O-Cloud's Resources, and a target other tenants' NfDeployments could be installed into. It
// registers only while the request of that id exists in its namespace.
func TestRegressionTenantSecretNeedsItsProvisioningRequest(t *testing.T) {
	member := ProvisionedName("tenant-b", requestID)
	kubeconfig := tenantKubeconfig("tenant-b's cluster", "https://"+tenantEndpoint)
	r := newRigWith(t, func(c *Config) { c.CAPINamespaces, c.TenantNamespaces = []string{"tenant-b"}, []string{"tenant-b"} },
		capiSecret("tenant-b", member, kubeconfig))
	// The Cluster is there (a request's that was deleted, say); the request is not.
	r.cluster("tenant-b", requestID, tenantEndpoint)
	r.ignoredFor("no provisioning request of its id there")
	if got := r.mgr.Running(); len(got) != 0 || r.connectedWith(kubeconfig) {
		t.Fatalf("members %v running without a provisioning request", got)
	}

	r.request("tenant-b", requestID)
	r.eventually("registered once its request exists", func() error {
		if got := r.runs(member); got != "tenant-b/"+member+capiSuffix {
			return fmt.Errorf("runs %q", got)
		}
		return nil
	})

	if err := r.o2.O2imsV1alpha1().ProvisioningRequests("tenant-b").Delete(t.Context(), requestID, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("unregistered once its request is gone", func() error {
		if got := r.mgr.Running(); len(got) != 0 {
			return fmt.Errorf("members %v running", got)
		}
		return nil
	})
}

// TestRegressionTenantSecretNeedsItsCluster: with its ProvisioningRequest in place, a tenant
// wrote "<namespace>-<request id>-kubeconfig" itself, before (or instead of) Cluster API's,
// pointing at an API server it runs, and it registered a member: the tenant's server's nodes
// became the O-Cloud's Resources, netweave probed and synced a server the tenant chose, and
// the operator's NfDeployments could target it. A tenant's Secret now registers only the
// kubeconfig of the Cluster built for the request, of the endpoint Cluster API recorded, and
// stops the moment either stops holding.
func TestRegressionTenantSecretNeedsItsCluster(t *testing.T) {
	member := ProvisionedName("tenant-b", requestID)
	own := tenantKubeconfig("tenant-b's own server", "https://tenant-b.example.org:6443")
	r := newRigWith(t, func(c *Config) { c.CAPINamespaces, c.TenantNamespaces = []string{"tenant-b"}, []string{"tenant-b"} },
		capiSecret("tenant-b", member, own))
	r.request("tenant-b", requestID)
	// Each step is read and registers nothing, for the reason it shows.
	ignored := func(why string) {
		t.Helper()
		r.ignoredFor(why)
		if got := r.mgr.Running(); len(got) != 0 || r.connectedWith(own) {
			t.Fatalf("%s: members %v running", why, got)
		}
	}
	ignored("no Cluster of its name there")
	r.cluster("tenant-b", requestID, "")
	ignored("its Cluster has no control plane endpoint yet")
	r.cluster("tenant-b", requestID, tenantEndpoint, func(c *clusterv1.Cluster) {
		c.Labels[v1alpha1.LabelProvisioningRequestUID] = "uid-of-an-earlier-request"
	})
	ignored("its Cluster was not built for the provisioning request of its id")
	r.cluster("tenant-b", requestID, tenantEndpoint)
	ignored("its kubeconfig does not name its Cluster's control plane endpoint")

	real := tenantKubeconfig("Cluster API's", "https://"+tenantEndpoint)
	secrets := r.central.CoreV1().Secrets("tenant-b")
	if _, err := secrets.Update(t.Context(), capiSecret("tenant-b", member, real), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("Cluster API's kubeconfig registers the member", func() error {
		if got := r.runs(member); got != "tenant-b/"+member+capiSuffix || !r.connectedWith(real) {
			return fmt.Errorf("runs %q", got)
		}
		return nil
	})
	r.eventually("its deployment manager names the tenant", func() error { return r.tenantOf(member, "tenant-b") })
	if r.connectedWith(own) {
		t.Fatal("the tenant's server was connected to")
	}

	// The tenant rewrites the Secret: the member stops and its inventory goes.
	if _, err := secrets.Update(t.Context(), capiSecret("tenant-b", member, own), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("a rewritten kubeconfig unregisters the member", func() error {
		if got := r.mgr.Running(); len(got) != 0 {
			return fmt.Errorf("members %v running", got)
		}
		if _, err := r.o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(t.Context(), member, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("its deployment manager: %v", err)
		}
		return nil
	})
	if r.connectedWith(own) {
		t.Fatal("the tenant's server was connected to")
	}
}

// TestEndpointOf: only https://host[:port] is a Cluster API endpoint; the rest is refused, so
// that a tenant's kubeconfig cannot name the endpoint and reach elsewhere (a path behind it).
func TestEndpointOf(t *testing.T) {
	for _, tc := range []struct {
		server string
		want   clusterv1.APIEndpoint // zero: refused
	}{
		{"https://cp.example.net:6443", clusterv1.APIEndpoint{Host: "cp.example.net", Port: 6443}},
		{"https://cp.example.net", clusterv1.APIEndpoint{Host: "cp.example.net", Port: 443}},
		{"https://[fd00::1]:6443/", clusterv1.APIEndpoint{Host: "fd00::1", Port: 6443}},
		{"http://cp.example.net:6443", clusterv1.APIEndpoint{}},
		{"https://cp.example.net:6443/proxy/elsewhere", clusterv1.APIEndpoint{}},
		{"https://cp.example.net:99999", clusterv1.APIEndpoint{}},
	} {
		got, err := EndpointOf([]byte(tenantKubeconfig("x", tc.server)))
		if got != tc.want || (err == nil) != (tc.want != clusterv1.APIEndpoint{}) {
			t.Errorf("%s: %+v, %v; want %+v", tc.server, got, err, tc.want)
		}
	}
}
