package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

// TestDeploymentManagerLocalProfileToken: the cluster netweave runs in is a deployment manager
// too. With --o2ims-profile-local-namespaces and the chart's RBAC for those namespaces
// (o2ims.profileLocalNamespaces), a tenant's ServiceAccount holding
// deploymentmanagers/credentials gets a token for o2ims-smo in its own namespace of that
// cluster, good there and nowhere else; a tenant whose namespace is not listed gets a 403
// saying so, and netweave has no rights there to issue one.
func TestDeploymentManagerLocalProfileToken(t *testing.T) {
	t.Parallel()
	const listed, unlisted = "smo-l", "smo-x"
	s := startStack(t, append(invArgs("localprofile"), "--o2ims-profile-local-namespaces="+listed)...)
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(s.cp.RESTConfig(localstack.Admin))
	o2 := versioned.NewForConfigOrDie(s.cp.RESTConfig(localstack.Admin))
	for _, ns := range []string{listed, unlisted} {
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "smo"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The chart's RBAC for the listed namespace, as an install with the value has it.
	chart := newChartRenderer(t)
	manifests, err := chart.helm("template", "netweave", chart.chart, "--namespace", invNS,
		"--set", "o2ims.profileLocalNamespaces={"+listed+"}", "--show-only", "templates/rbac-profile.yaml")
	if err != nil {
		t.Fatalf("render: %v\n%s", err, manifests)
	}
	if out, stderr, err := s.kubectlStdin(t, localstack.Admin, manifests, "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v\n%s%s", err, out, stderr)
	}
	// Both tenants' SMOs may read deployment managers and their credentials.
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "smo-dm-credentials"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{o2v1.GroupName}, Resources: []string{"deploymentmanagers", "deploymentmanagers/credentials"}, Verbs: []string{"get", "list"}}}}
	if _, err := kube.RbacV1().Roles(invNS).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "smo-dm-credentials"},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "smo", Namespace: listed},
			{Kind: rbacv1.ServiceAccountKind, Name: "smo", Namespace: unlisted}}}
	if _, err := kube.RbacV1().RoleBindings(invNS).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	var dmID string
	eventually(t, syncWait, "local deployment manager", func() error {
		dm, err := o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(ctx, "e2e-cluster", metav1.GetOptions{})
		if err != nil {
			return err
		}
		dmID = dm.Spec.DeploymentManagerID
		return nil
	})
	smoOf := func(ns string) *o2Client {
		token, err := s.cp.ServiceAccountToken(ctx, ns, "smo")
		if err != nil {
			t.Fatal(err)
		}
		c := s.o2As(t, "")
		c.token = token
		return c
	}
	path := inventoryAPI + "/v1/deploymentManagers/" + dmID + "?profile=k8s"

	var token string
	t.Run("a listed tenant gets a token for its namespace", func(t *testing.T) {
		smo := smoOf(listed)
		eventually(t, syncWait, "token issued", func() error {
			code, _, body := smo.do(http.MethodGet, path, "")
			if code != http.StatusOK {
				return fmt.Errorf("%d: %s", code, body)
			}
			var doc struct {
				Extensions struct {
					ProfileData map[string]any `json:"profileData"`
				} `json:"extensions"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				return err
			}
			data := doc.Extensions.ProfileData
			if data["cluster_api_endpoint"] != s.cp.KubeAPIServer.URL || data["namespace"] != listed || data["service_account"] != "o2ims-smo" {
				return fmt.Errorf("profileData keys %v", keysOf(data))
			}
			token, _ = data["token"].(string)
			if token == "" {
				return fmt.Errorf("no token: keys %v", keysOf(data))
			}
			return nil
		})
		code, _, body := smo.do(http.MethodGet, inventoryAPI+"/v1/deploymentManagers", "")
		if code != http.StatusOK || strings.Contains(string(body), token) || strings.Contains(string(body), "profileData") {
			t.Errorf("the list carries credentials or failed: %d %s", code, body)
		}
		// The next token goes through the account and binding made for the first, read back
		// with the chart's RBAC (TestRegressionProfileTokenOnlyForItsOwnEditAccount).
		if code, _, body := smo.do(http.MethodGet, path, ""); code != http.StatusOK || !strings.Contains(string(body), `"token"`) {
			t.Errorf("a second token: %d %s", code, body)
		}
	})

	t.Run("the token acts in that namespace of the cluster and nowhere else", func(t *testing.T) {
		if token == "" {
			t.Fatal("no token issued by the step before")
		}
		cfg := &rest.Config{Host: s.cp.KubeAPIServer.URL, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: s.cp.KubeAPIServer.CAData}}
		as := kubernetes.NewForConfigOrDie(cfg)
		cm := func(ns string) error {
			_, err := as.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "nf-config"}}, metav1.CreateOptions{})
			return err
		}
		if err := cm(listed); err != nil {
			t.Errorf("create in %s: %v", listed, err)
		}
		for _, ns := range []string{unlisted, invNS, "default"} {
			if err := cm(ns); !apierrors.IsForbidden(err) {
				t.Errorf("create in %s: %v, want Forbidden", ns, err)
			}
		}
		if _, err := as.CoreV1().Secrets(invNS).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("list secrets of %s: %v, want Forbidden", invNS, err)
		}
	})

	t.Run("a tenant not listed gets a 403 saying why, and nothing is created for it", func(t *testing.T) {
		code, hdr, body := smoOf(unlisted).do(http.MethodGet, path, "")
		if code != http.StatusForbidden || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") || !strings.Contains(string(body), "not enabled") {
			t.Errorf("unlisted tenant: %d %s %s", code, hdr.Get("Content-Type"), body)
		}
		if _, err := kube.CoreV1().ServiceAccounts(unlisted).Get(ctx, "o2ims-smo", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("o2ims-smo in %s: %v, want NotFound", unlisted, err)
		}
	})
}
