package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/k8sprofile"
)

// TestRegressionO2DMSLocalTokensReadBackTheirAccount: since tokens are issued only through
// netweave's own ServiceAccount bound to edit (k8sprofile reads an existing account and binding
// back), the O2-DMS controller's Role in each o2dms.localNamespaces namespace granted create
// but not get on netweave-o2dms and netweave-o2dms-edit. The first token of a namespace was
// issued; every later one (the cached credentials expire after half their 10 minutes, a
// restart, a new leader) failed "get service account: forbidden", and every NfDeployment into
// this cluster failed with it. The profile's Role (o2ims.profileLocalNamespaces) had the reads.
// The chart's rendered RBAC is evaluated here for netweave's ServiceAccount against the
// requests k8sprofile makes for a first and a second token.
func TestRegressionO2DMSLocalTokensReadBackTheirAccount(t *testing.T) {
	c := newChartRenderer(t)
	const tenant = "nf-a"
	for _, tc := range []struct {
		name, set, account, binding string
	}{
		// pkg/apiserver/o2dms.go: o2dmsServiceAccount, o2dmsRoleBinding.
		{"o2dms.localNamespaces", "o2dms.enabled=true,o2dms.localNamespaces={" + tenant + "}", "netweave-o2dms", "netweave-o2dms-edit"},
		{"o2ims.profileLocalNamespaces", "o2ims.profileLocalNamespaces={" + tenant + "}", k8sprofile.ServiceAccountName, k8sprofile.RoleBindingName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifests, err := c.helm("template", "netweave", c.chart, "--namespace", chartNamespace, "--set", tc.set)
			if err != nil {
				t.Fatalf("render: %v\n%s", err, manifests)
			}
			rbac := netweaveRBAC(t, manifests)
			local := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tenant}})
			local.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
				if a.GetSubresource() != "token" {
					return false, nil, nil
				}
				return true, &authenticationv1.TokenRequest{Status: authenticationv1.TokenRequestStatus{Token: "tok"}}, nil
			})
			local.PrependReactor("*", "*", rbac.authorize)
			p := k8sprofile.NewProvider(k8sprofile.Config{Namespace: chartNamespace, LocalURL: "https://kubernetes.default.svc",
				Local: local, LocalNamespaces: []string{tenant}, ServiceAccount: tc.account, RoleBinding: tc.binding})
			dm := &o2v1.DeploymentManager{ObjectMeta: inventory.ManagedMeta(chartNamespace, "kubernetes", "cluster")}
			for _, which := range []string{"first", "second"} {
				a, err := p.Access(t.Context(), dm, tenant)
				if err != nil || a.Token == "" {
					t.Fatalf("%s token in %s with the chart's RBAC: %v", which, tenant, err)
				}
			}
		})
	}
}

// chartRBAC is what the rendered chart grants netweave's ServiceAccount.
type chartRBAC struct {
	cluster []rbacv1.PolicyRule            // ClusterRoles bound by ClusterRoleBindings
	byNS    map[string][]rbacv1.PolicyRule // Roles and ClusterRoles bound by RoleBindings
}

func netweaveRBAC(t *testing.T, manifests string) *chartRBAC {
	t.Helper()
	type doc struct {
		Kind     string
		Metadata struct{ Name, Namespace string }
		Rules    []rbacv1.PolicyRule
		RoleRef  rbacv1.RoleRef `json:"roleRef"`
		Subjects []rbacv1.Subject
	}
	var docs []doc
	for _, raw := range strings.Split(manifests, "\n---") {
		var d doc
		if err := yaml.Unmarshal([]byte(raw), &d); err != nil {
			t.Fatalf("parse %q: %v", raw, err)
		}
		docs = append(docs, d)
	}
	rulesOf := func(kind, name, ns string) []rbacv1.PolicyRule {
		for _, d := range docs {
			if d.Kind == kind && d.Metadata.Name == name && (kind == "ClusterRole" || d.Metadata.Namespace == ns) {
				return d.Rules
			}
		}
		t.Fatalf("the chart binds %s %s/%s, which it does not render", kind, ns, name)
		return nil
	}
	r := &chartRBAC{byNS: map[string][]rbacv1.PolicyRule{}}
	for _, d := range docs {
		if !slices.ContainsFunc(d.Subjects, func(s rbacv1.Subject) bool {
			return s.Kind == rbacv1.ServiceAccountKind && s.Name == "netweave" && s.Namespace == chartNamespace
		}) {
			continue
		}
		switch {
		case d.Kind == "ClusterRoleBinding" && d.RoleRef.Kind == "ClusterRole":
			if d.RoleRef.Name == "system:auth-delegator" {
				continue // built-in: tokenreviews and subjectaccessreviews only
			}
			r.cluster = append(r.cluster, rulesOf("ClusterRole", d.RoleRef.Name, "")...)
		case d.Kind == "RoleBinding":
			if d.Metadata.Namespace == "kube-system" {
				continue // built-in extension-apiserver-authentication-reader
			}
			r.byNS[d.Metadata.Namespace] = append(r.byNS[d.Metadata.Namespace], rulesOf(d.RoleRef.Kind, d.RoleRef.Name, d.Metadata.Namespace)...)
		}
	}
	return r
}

// allows evaluates one request as RBAC does (no aggregation, no non-resource URLs).
func (r *chartRBAC) allows(verb string, gr schema.GroupResource, sub, ns, name string) bool {
	resource := gr.Resource
	if sub != "" {
		resource += "/" + sub
	}
	rules := r.cluster
	if ns != "" {
		rules = append(slices.Clone(rules), r.byNS[ns]...)
	}
	return slices.ContainsFunc(rules, func(p rbacv1.PolicyRule) bool {
		in := func(set []string, v string) bool { return slices.Contains(set, "*") || slices.Contains(set, v) }
		return in(p.APIGroups, gr.Group) && in(p.Resources, resource) && in(p.Verbs, verb) &&
			(len(p.ResourceNames) == 0 || (name != "" && slices.Contains(p.ResourceNames, name)))
	})
}

// authorize is a reactor refusing what the chart does not grant netweave, with kube-apiserver's
// escalation check on RoleBindings (netweave does not hold edit: it needs bind on it).
func (r *chartRBAC) authorize(a k8stesting.Action) (bool, runtime.Object, error) {
	gr := a.GetResource().GroupResource()
	var name string
	switch a := a.(type) {
	case k8stesting.GetAction:
		name = a.GetName()
	case k8stesting.CreateActionImpl:
		name = a.Name // set for subresources (serviceaccounts/token); RBAC sees no name on a create
	}
	if !r.allows(a.GetVerb(), gr, a.GetSubresource(), a.GetNamespace(), name) {
		return true, nil, apierrors.NewForbidden(gr, name, fmt.Errorf("the chart does not grant %s %s/%s %q in %q",
			a.GetVerb(), gr, a.GetSubresource(), name, a.GetNamespace()))
	}
	if c, ok := a.(k8stesting.CreateAction); ok && gr == rbacv1.Resource("rolebindings") {
		ref := c.GetObject().(*rbacv1.RoleBinding).RoleRef
		if ref.Kind != "ClusterRole" || !r.allows("bind", rbacv1.Resource("clusterroles"), "", a.GetNamespace(), ref.Name) {
			return true, nil, apierrors.NewForbidden(gr, "", fmt.Errorf("no bind on %s %s", ref.Kind, ref.Name))
		}
	}
	return false, nil, nil
}
