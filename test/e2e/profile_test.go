package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
)

// TestDeploymentManagerK8sProfile: a member's DeploymentManager answers ?profile=k8s with the
// member's endpoint and CA to a tenant's ServiceAccount; a token only once the ServiceAccount
// may get deploymentmanagers/credentials in the manager's namespace. The token lets kubectl
// work in the tenant's namespace of the member and nowhere else. The stack runs with
// --o2ims-profile-suite-keys: the compliance suite's admin_user names the identity the token
// authenticates as (checked with kubectl auth whoami), and its certificate keys stay empty.
// The token is in no list and in no log line of netweave.
func TestDeploymentManagerK8sProfile(t *testing.T) {
	t.Parallel()
	s := startStack(t, append(invArgs("profile"), "--inventory-member-probe-interval=1s", "--o2ims-profile-suite-keys")...)
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(s.cp.RESTConfig(localstack.Admin))
	o2 := versioned.NewForConfigOrDie(s.cp.RESTConfig(localstack.Admin))
	const tenant, other = "smo-a", "smo-b"

	mcp := stacktest.StartControlPlane(t, localstack.Options{})
	mkube := kubernetes.NewForConfigOrDie(mcp.RESTConfig(localstack.Admin))
	for _, ns := range []string{tenant, other} {
		if _, err := mkube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	kubeconfig, err := os.ReadFile(mcp.Kubeconfig(localstack.Admin))
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "edge-1", Namespace: invNS, Labels: map[string]string{o2v1.LabelMemberCluster: "true"}},
		Data:       map[string][]byte{o2v1.SecretKeyKubeconfig: kubeconfig},
	}
	if _, err := kube.CoreV1().Secrets(invNS).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The tenant's SMO: a ServiceAccount of namespace smo-a in the central cluster, allowed to
	// read deployment managers in the inventory namespace.
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tenant}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := kube.CoreV1().ServiceAccounts(tenant).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "smo"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	grant := func(name string, rule rbacv1.PolicyRule) {
		t.Helper()
		if _, err := kube.RbacV1().Roles(invNS).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{rule}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "smo", Namespace: tenant}}}
		if _, err := kube.RbacV1().RoleBindings(invNS).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	grant("smo-a-read-dms", rbacv1.PolicyRule{APIGroups: []string{o2v1.GroupName}, Resources: []string{"deploymentmanagers"}, Verbs: []string{"get", "list"}})
	token, err := s.cp.ServiceAccountToken(ctx, tenant, "smo")
	if err != nil {
		t.Fatal(err)
	}
	smo := s.o2As(t, "")
	smo.token = token

	var dmID string
	eventually(t, syncWait, "member deployment manager", func() error {
		dm, err := o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(ctx, "edge-1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		dmID = dm.Spec.DeploymentManagerID
		return nil
	})
	path := inventoryAPI + "/v1/deploymentManagers/" + dmID
	profile := func(query string) (int, map[string]any, string) {
		code, _, body := smo.do(http.MethodGet, path+query, "")
		var doc struct {
			Extensions struct {
				ProfileName string         `json:"profileName"`
				ProfileData map[string]any `json:"profileData"`
			} `json:"extensions"`
		}
		if code == http.StatusOK {
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
		}
		return code, doc.Extensions.ProfileData, string(body)
	}

	t.Run("without the permission: endpoint and CA, no token", func(t *testing.T) {
		eventually(t, syncWait, "profile readable", func() error {
			code, data, body := profile("?profile=k8s")
			if code != http.StatusOK {
				return fmt.Errorf("%d: %s", code, body)
			}
			ca, _ := base64.StdEncoding.DecodeString(fmt.Sprint(data["cluster_ca_cert"]))
			if data["cluster_api_endpoint"] != mcp.KubeAPIServer.URL || !strings.Contains(string(ca), "BEGIN CERTIFICATE") {
				return fmt.Errorf("profileData %v", data)
			}
			if _, ok := data["token"]; ok || len(data) != 5 {
				return fmt.Errorf("credentials without the permission: %v", data)
			}
			if data["admin_user"] != "" || data["admin_client_cert"] != "" || data["admin_client_key"] != "" {
				return fmt.Errorf("suite keys without the permission: %v", data)
			}
			return nil
		})
		if code, data, body := profile("?all_fields"); code != http.StatusOK || data["token"] != nil || data["cluster_api_endpoint"] != mcp.KubeAPIServer.URL {
			t.Errorf("all_fields: %d %s", code, body)
		}
	})

	var tok map[string]any
	t.Run("with get on deploymentmanagers/credentials: a token for the tenant's namespace", func(t *testing.T) {
		grant("smo-a-dm-credentials", rbacv1.PolicyRule{APIGroups: []string{o2v1.GroupName}, Resources: []string{"deploymentmanagers/credentials"}, Verbs: []string{"get"}})
		eventually(t, syncWait, "token issued", func() error {
			code, data, body := profile("?profile=native_k8sapi")
			if code != http.StatusOK {
				return fmt.Errorf("%d: %s", code, body)
			}
			if data["token"] == nil || data["namespace"] != tenant || data["service_account"] != "o2ims-smo" || data["token_expiration"] == nil {
				return fmt.Errorf("profileData keys %v", keysOf(data))
			}
			if data["admin_user"] != "system:serviceaccount:"+tenant+":o2ims-smo" || data["admin_client_cert"] != "" || data["admin_client_key"] != "" {
				return fmt.Errorf("suite keys admin_user %v, certificate given: %t", data["admin_user"], data["admin_client_cert"] != "" || data["admin_client_key"] != "")
			}
			tok = data
			return nil
		})
		// The token is in no list.
		code, _, body := smo.do(http.MethodGet, inventoryAPI+"/v1/deploymentManagers?all_fields", "")
		if code != http.StatusOK || strings.Contains(string(body), fmt.Sprint(tok["token"])) || strings.Contains(string(body), "profileData") {
			t.Errorf("list: %d %s", code, body)
		}
	})

	t.Run("the token works in the tenant's namespace of the member only", func(t *testing.T) {
		if tok == nil {
			t.Fatal("the previous step issued no token")
		}
		ca, err := base64.StdEncoding.DecodeString(fmt.Sprint(tok["cluster_ca_cert"]))
		if err != nil {
			t.Fatal(err)
		}
		cfg := clientcmdapi.NewConfig()
		cfg.Clusters["edge-1"] = &clientcmdapi.Cluster{Server: fmt.Sprint(tok["cluster_api_endpoint"]), CertificateAuthorityData: ca}
		cfg.AuthInfos["smo"] = &clientcmdapi.AuthInfo{Token: fmt.Sprint(tok["token"])}
		cfg.Contexts["smo"] = &clientcmdapi.Context{Cluster: "edge-1", AuthInfo: "smo"}
		cfg.CurrentContext = "smo"
		kc := filepath.Join(t.TempDir(), "smo.kubeconfig")
		if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
			t.Fatal(err)
		}
		for _, res := range []string{"pods", "configmaps"} {
			eventually(t, syncWait, "kubectl get "+res+" in "+tenant, func() error {
				out, stderr, err := localstack.Kubectl(ctx, kc, "get", res, "-n", tenant)
				if err != nil {
					return fmt.Errorf("%w: %s%s", err, out, stderr)
				}
				return nil
			})
		}
		for _, ns := range []string{other, invNS, "default"} {
			_, stderr, err := localstack.Kubectl(ctx, kc, "get", "pods", "-n", ns)
			if err == nil || !strings.Contains(stderr, "Forbidden") {
				t.Errorf("kubectl get pods -n %s: %v %s", ns, err, stderr)
			}
		}
		if _, stderr, err := localstack.Kubectl(ctx, kc, "get", "nodes"); err == nil || !strings.Contains(stderr, "Forbidden") {
			t.Errorf("kubectl get nodes: %v %s", err, stderr)
		}
		// The suite's admin_user is who the token is.
		out, stderr, err := localstack.Kubectl(ctx, kc, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		if err != nil || strings.TrimSpace(out) != tok["admin_user"] {
			t.Errorf("kubectl auth whoami: %q %v %s, admin_user %v", out, err, stderr, tok["admin_user"])
		}
		logs, err := os.ReadFile(s.netweave.LogPath())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(logs), fmt.Sprint(tok["token"])) {
			t.Error("netweave logged the profile's token")
		}
	})
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
