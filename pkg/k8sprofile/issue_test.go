package k8sprofile

import (
	"errors"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/members"
)

// TestRegressionProfileTokenOnlyForItsOwnEditAccount: the profile took an existing
// ServiceAccount o2ims-smo and RoleBinding o2ims-smo-edit in the tenant's namespace of the
// member as its own without looking at them: a binding of that name to cluster-admin (an
// admin's, another tool's), or an account of that name bound to more elsewhere, made the token
// it handed the SMO carry those rights, where the profile promises edit in that namespace only.
// It now issues a token only for its own account (its managed-by label) bound as it binds it.
func TestRegressionProfileTokenOnlyForItsOwnEditAccount(t *testing.T) {
	ours := map[string]string{v1alpha1.LabelManagedBy: fieldManager}
	account := func(labels map[string]string) *corev1.ServiceAccount {
		return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: ServiceAccountName, Labels: labels}}
	}
	binding := func(role string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: RoleBindingName, Labels: ours},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: ServiceAccountName, Namespace: "tenant-a"}}}
	}
	for name, tc := range map[string]struct {
		existing []runtime.Object
		refused  bool
	}{
		"nothing yet: made and issued":               {nil, false},
		"netweave's own from before: issued":         {[]runtime.Object{account(ours), binding(EditClusterRole)}, false},
		"a binding of the name to cluster-admin":     {[]runtime.Object{account(ours), binding("cluster-admin")}, true},
		"an account of the name netweave never made": {[]runtime.Object{account(nil)}, true},
	} {
		t.Run(name, func(t *testing.T) {
			member := fake.NewClientset(append([]runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "tenant-a"}}}, tc.existing...)...)
			member.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
				if a.GetSubresource() != "token" {
					return false, nil, nil
				}
				return true, &authenticationv1.TokenRequest{Status: authenticationv1.TokenRequestStatus{Token: "tok"}}, nil
			})
			dm := &v1alpha1.DeploymentManager{ObjectMeta: inventory.ManagedMeta("o2ims-system", "edge-1", "Cluster/x")}
			dm.Labels[v1alpha1.LabelCluster] = "edge-1"
			p := NewProvider(Config{Secrets: fake.NewClientset(optIn("o2ims-system", "edge-1", "k")), Namespace: "o2ims-system",
				Connect: func(members.Registration) (kubernetes.Interface, *rest.Config, error) {
					return member, &rest.Config{Host: "https://edge-1:6443"}, nil
				}})
			a, err := p.Access(t.Context(), dm, "tenant-a")
			if tc.refused {
				if !errors.Is(err, ErrForeignAccount) || a != nil && a.Token != "" {
					t.Errorf("token issued through a foreign account or binding: %v, %+v", err, a)
				}
				return
			}
			if err != nil || a.Token != "tok" {
				t.Fatalf("Access: %v, %+v", err, a)
			}
			rb, err := member.RbacV1().RoleBindings("tenant-a").Get(t.Context(), RoleBindingName, metav1.GetOptions{})
			if err != nil || rb.RoleRef.Name != EditClusterRole {
				t.Errorf("binding %+v, %v", rb, err)
			}
		})
	}
}
