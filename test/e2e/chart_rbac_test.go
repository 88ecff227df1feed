package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
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
// The chart's rendered RBAC is applied to a real kube-apiserver, and k8sprofile asks for a
// first and a second token as netweave's ServiceAccount (impersonated).
func TestRegressionO2DMSLocalTokensReadBackTheirAccount(t *testing.T) {
	t.Parallel()
	c := newChartRenderer(t)
	cp := stacktest.StartControlPlane(t, localstack.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	admin := cp.Kubeconfig(localstack.Admin)
	for _, ns := range []string{chartNamespace, "nf-a", "nf-b"} {
		if out, stderr, err := localstack.Kubectl(ctx, admin, "create", "namespace", ns); err != nil {
			t.Fatalf("create namespace %s: %v\n%s%s", ns, err, out, stderr)
		}
	}
	for _, tc := range []struct {
		name, set, namespace, account, binding string
	}{
		// pkg/apiserver/o2dms.go: o2dmsServiceAccount, o2dmsRoleBinding.
		{"o2dms.localNamespaces", "o2dms.enabled=true,o2dms.localNamespaces={nf-a}", "nf-a", "netweave-o2dms", "netweave-o2dms-edit"},
		{"o2ims.profileLocalNamespaces", "o2ims.profileLocalNamespaces={nf-b}", "nf-b", k8sprofile.ServiceAccountName, k8sprofile.RoleBindingName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifests, err := c.helm("template", "netweave", c.chart, "--namespace", chartNamespace, "--set", tc.set)
			if err != nil {
				t.Fatalf("render: %v\n%s", err, manifests)
			}
			rbac := rbacOf(t, manifests)
			if out, stderr, err := localstack.KubectlWithInput(ctx, admin, strings.NewReader(rbac),
				"apply", "--server-side", "--field-manager=helm", "-f", "-"); err != nil {
				t.Fatalf("apply the chart's RBAC: %v\n%s%s", err, out, stderr)
			}
			cfg := cp.RESTConfig(localstack.Admin)
			cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + chartNamespace + ":netweave",
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + chartNamespace, "system:authenticated"}}
			local, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			p := k8sprofile.NewProvider(k8sprofile.Config{Namespace: chartNamespace, LocalURL: "https://kubernetes.default.svc",
				Local: local, LocalNamespaces: []string{tc.namespace}, ServiceAccount: tc.account, RoleBinding: tc.binding})
			dm := &o2v1.DeploymentManager{ObjectMeta: inventory.ManagedMeta(chartNamespace, "kubernetes", "cluster")}
			for _, which := range []string{"first", "second"} {
				a, err := p.Access(ctx, dm, tc.namespace)
				if err != nil || a.Token == "" {
					t.Fatalf("%s token in %s with the chart's RBAC: %v", which, tc.namespace, err)
				}
			}
		})
	}
}

// rbacOf is the RBAC of rendered manifests: its ServiceAccounts, Roles, ClusterRoles and their
// bindings.
func rbacOf(t *testing.T, manifests string) string {
	t.Helper()
	var keep []string
	for _, doc := range strings.Split(manifests, "\n---") {
		var obj struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("parse %q: %v", doc, err)
		}
		switch obj.Kind {
		case "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding":
			keep = append(keep, doc)
		}
	}
	return strings.Join(keep, "\n---")
}
