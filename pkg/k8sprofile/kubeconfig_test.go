package k8sprofile

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory/members"
)

func optIn(ns, name, kubeconfig string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{v1alpha1.LabelMemberCluster: "true"}},
		Data: map[string][]byte{v1alpha1.SecretKeyKubeconfig: []byte(kubeconfig)}}
}

func capi(ns, cluster, kubeconfig string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: cluster + "-kubeconfig", Labels: map[string]string{members.CAPIClusterLabel: cluster}},
		Type: members.CAPISecretType, Data: map[string][]byte{v1alpha1.SecretKeyCAPIKubeconfig: []byte(kubeconfig)}}
}

// TestKubeconfigOf: a member's kubeconfig comes from its opt-in Secret or, in the listed
// namespaces only, its Cluster API Secret; the inventory namespace's Secret prevails; two
// different kubeconfigs for one member in namespaces of the same origin give none, since this
// replica cannot know which one the sync uses.
func TestKubeconfigOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		objs    []runtime.Object
		member  string
		want    string
		wantErr error
	}{
		{"opt-in", []runtime.Object{optIn("o2ims-system", "edge-1", "a")}, "edge-1", "a", nil},
		{"cluster api, listed", []runtime.Object{capi("capi-a", "edge-2", "b")}, "edge-2", "b", nil},
		{"cluster api, unlisted", []runtime.Object{capi("capi-b", "edge-2", "b")}, "edge-2", "", ErrUnknownCluster},
		{"same kubeconfig twice", []runtime.Object{optIn("o2ims-system", "edge-2", "b"), capi("capi-a", "edge-2", "b")}, "edge-2", "b", nil},
		{"inventory namespace prevails", []runtime.Object{optIn("o2ims-system", "edge-2", "a"), capi("capi-a", "edge-2", "b")}, "edge-2", "a", nil},
		{"two kubeconfigs of one origin", []runtime.Object{capi("capi-a", "edge-2", "a"), capi("capi-c", "edge-2", "b")}, "edge-2", "", ErrUnknownCluster},
		{"operator's Cluster API namespace prevails over a tenant's", []runtime.Object{withName(capi("capi-a", "edge-2", "a"), provisioned), capi("tenant-b", provisioned, "b")}, provisioned, "a", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProvider(Config{Secrets: fake.NewClientset(tc.objs...), Namespace: "o2ims-system",
				CAPINamespaces: []string{"capi-a", "capi-c", "tenant-b"}, TenantNamespaces: []string{"tenant-b"}})
			got, err := p.kubeconfigOf(context.Background(), tc.member)
			if string(got) != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("kubeconfigOf(%s) = %q, %v; want %q, %v", tc.member, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// provisioned is the name of a cluster provisioned in tenant-b.
var provisioned = members.ProvisionedName("tenant-b", "6f1c9a52-3f7e-4d7a-9a52-0c1d2e3f4a5b")

func withName(s *corev1.Secret, member string) *corev1.Secret {
	s.Annotations = map[string]string{v1alpha1.AnnotationClusterName: member}
	return s
}

// TestTenantSecretCannotShadowOperatorMember: a tenant's Cluster API Secret claiming the
// operator's member edge-1 (by its annotation or by its name) does not make the operator's
// profile ambiguous (a 404, and O2-DMS installs into edge-1 failing): it registers nothing, and
// where a tenant's Secret does name the same member as the inventory namespace's, the inventory
// namespace's prevails.
func TestTenantSecretCannotShadowOperatorMember(t *testing.T) {
	for _, tc := range []struct {
		name   string
		member string
		objs   []runtime.Object
	}{
		{"annotation", "edge-1", []runtime.Object{optIn("o2ims-system", "edge-1", "operator"), withName(capi("tenant-b", "x", "tenant"), "edge-1")}},
		{"name", "edge-1", []runtime.Object{optIn("o2ims-system", "edge-1", "operator"), capi("tenant-b", "edge-1", "tenant")}},
		{"provisioned name", provisioned, []runtime.Object{withName(optIn("o2ims-system", "x", "operator"), provisioned), capi("tenant-b", provisioned, "tenant")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProvider(Config{Secrets: fake.NewClientset(tc.objs...), Namespace: "o2ims-system",
				CAPINamespaces: []string{"o2ims-system", "tenant-b"}, TenantNamespaces: []string{"tenant-b"}})
			got, err := p.kubeconfigOf(context.Background(), tc.member)
			if string(got) != "operator" || err != nil {
				t.Errorf("kubeconfigOf(%s) = %q, %v; want the operator's", tc.member, got, err)
			}
		})
	}
}

// tenantKubeconfig is a kubeconfig reaching server.
func tenantKubeconfig(server string) string {
	return `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + server + `"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
}

// TestRegressionProfileTenantSecretNeedsItsBuiltCluster: the profile read a tenant's Cluster
// API Secret without the members manager's check that the Cluster of its name was built for
// the tenant's request and records the API server it names. Between a tenant rewriting its
// Secret to a server it runs and the manager purging the member (or on a replica whose manager
// is not the leader), the profile handed that server as the member's endpoint and the O2-DMS
// controller installed the operator's releases there. Now the same rule is read live.
func TestRegressionProfileTenantSecretNeedsItsBuiltCluster(t *testing.T) {
	req, built := provisionedRequest()
	live := func(req *v1alpha1.ProvisioningRequest, cluster *clusterv1.Cluster, err error) members.Provisioning {
		return members.Provisioning{
			Request: func(context.Context, string, string) (*v1alpha1.ProvisioningRequest, error) { return req, err },
			Cluster: func(context.Context, string, string) (*clusterv1.Cluster, error) { return cluster, nil },
		}
	}
	readFailed := errors.New("read failed")
	real, rewritten := tenantKubeconfig("https://10.0.0.5:6443"), tenantKubeconfig("https://tenant-b.example:6443")
	for _, tc := range []struct {
		name         string
		kubeconfig   string
		provisioning members.Provisioning
		want         string
		wantErr      error
	}{
		{"the built cluster's endpoint", real, live(req, built, nil), real, nil},
		{"rewritten to another server", rewritten, live(req, built, nil), "", ErrUnknownCluster},
		{"no Cluster", real, live(req, nil, nil), "", ErrUnknownCluster},
		{"no request", real, live(nil, built, nil), "", ErrUnknownCluster},
		{"nothing to check with", real, members.Provisioning{}, "", ErrUnknownCluster},
		{"request unreadable", real, live(nil, nil, readFailed), "", readFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProvider(Config{Secrets: fake.NewClientset(capi("tenant-b", provisioned, tc.kubeconfig)), Namespace: "o2ims-system",
				CAPINamespaces: []string{"tenant-b"}, TenantNamespaces: []string{"tenant-b"}, Provisioning: tc.provisioning})
			got, err := p.kubeconfigOf(context.Background(), provisioned)
			if string(got) != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("kubeconfigOf = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestRegressionProfileTenantIsTheRegistrations: whether a caller may have a token in a member
// is decided by its DeploymentManager's tenant label (written by the inventory sync), while the
// kubeconfig is picked live. While the label lags a change of the Secret that registers the
// member (another tenant's, or the operator's, now), the profile answers no cluster instead of
// that Secret's endpoint under the old tenant's rights.
func TestRegressionProfileTenantIsTheRegistrations(t *testing.T) {
	req, built := provisionedRequest()
	p := NewProvider(Config{Secrets: fake.NewClientset(capi("tenant-b", provisioned, tenantKubeconfig("https://10.0.0.5:6443"))),
		Namespace: "o2ims-system", CAPINamespaces: []string{"tenant-b"}, TenantNamespaces: []string{"tenant-b"},
		Provisioning: members.Provisioning{
			Request: func(context.Context, string, string) (*v1alpha1.ProvisioningRequest, error) { return req, nil },
			Cluster: func(context.Context, string, string) (*clusterv1.Cluster, error) { return built, nil },
		}})
	for _, tc := range []struct {
		tenant  string
		wantErr error
	}{
		{"tenant-b", nil},
		{"", ErrUnknownCluster},
		{"tenant-a", ErrUnknownCluster},
	} {
		dm := &v1alpha1.DeploymentManager{ObjectMeta: metav1.ObjectMeta{Namespace: "o2ims-system", Name: provisioned, Labels: map[string]string{
			v1alpha1.LabelManagedBy: v1alpha1.ManagedByInventory, v1alpha1.LabelCluster: provisioned}}}
		if tc.tenant != "" {
			dm.Labels[v1alpha1.LabelTenant] = tc.tenant
		}
		a, err := p.Access(context.Background(), dm, "")
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && (a == nil || a.Endpoint != "https://10.0.0.5:6443")) {
			t.Errorf("DeploymentManager labelled for %q: Access = %+v, %v; want %v", tc.tenant, a, err, tc.wantErr)
		}
	}
}

// provisionedRequest is tenant-b's request of the cluster provisioned, and the Cluster built for
// it, whose API server is 10.0.0.5:6443.
func provisionedRequest() (*v1alpha1.ProvisioningRequest, *clusterv1.Cluster) {
	const id = "6f1c9a52-3f7e-4d7a-9a52-0c1d2e3f4a5b"
	req := &v1alpha1.ProvisioningRequest{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: id, UID: "req-uid"}}
	built := &clusterv1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: provisioned, Labels: map[string]string{
			v1alpha1.LabelManagedBy: v1alpha1.ManagedByProvisioning, v1alpha1.LabelProvisioningRequest: id,
			v1alpha1.LabelProvisioningRequestUID: "req-uid"}},
		Spec: clusterv1.ClusterSpec{ControlPlaneEndpoint: clusterv1.APIEndpoint{Host: "10.0.0.5", Port: 6443}},
	}
	return req, built
}

// kubeconfigOf is the kubeconfig of member's registration (registrationOf).
func (p *Provider) kubeconfigOf(ctx context.Context, member string) ([]byte, error) {
	reg, err := p.registrationOf(ctx, member)
	if err != nil {
		return nil, err
	}
	return reg.Kubeconfig, nil
}
