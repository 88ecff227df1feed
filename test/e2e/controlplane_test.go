package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
)

// TestControlPlane proves the harness before netweave exists: a real kube-apiserver with static
// users and RBAC, and the aggregator proxying o2ims.oran.org/v1alpha1 to a server on 127.0.0.1
// through an ExternalName Service and an APIService verified by caBundle.
func TestControlPlane(t *testing.T) {
	t.Parallel()
	cp := stacktest.StartControlPlane(t, localstack.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	admin := cp.Kubeconfig(localstack.Admin)

	t.Run("admin lists namespaces with kubectl", func(t *testing.T) {
		out, _, err := localstack.Kubectl(ctx, admin, "get", "ns", "-o", "name")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "namespace/kube-system") {
			t.Fatalf("kubectl get ns: want namespace/kube-system in\n%s", out)
		}
	})

	t.Run("alice is forbidden to list secrets in kube-system", func(t *testing.T) {
		_, stderr, err := localstack.Kubectl(ctx, cp.Kubeconfig(localstack.Alice), "get", "secrets", "-n", "kube-system")
		if err == nil || !strings.Contains(stderr, `User "alice" cannot list resource "secrets"`) {
			t.Fatalf("kubectl as alice: want a forbidden error, got err=%v stderr=%s", err, stderr)
		}
		cs, err := kubernetes.NewForConfig(cp.RESTConfig(localstack.Alice))
		if err != nil {
			t.Fatal(err)
		}
		_, err = cs.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{})
		if !apierrors.IsForbidden(err) {
			t.Fatalf("client-go as alice: want 403 Forbidden, got %v", err)
		}
	})

	t.Run("client certificates authenticate with their groups", func(t *testing.T) {
		cert, err := cp.IssueClientCert("carol", "o2-readers")
		if err != nil {
			t.Fatal(err)
		}
		cfg := cp.RESTConfig(localstack.Admin)
		cfg.BearerToken = ""
		cfg.CertData, cfg.KeyData = cert.CertPEM, cert.KeyPEM
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if u := review.Status.UserInfo; u.Username != "carol" || !slices.Contains(u.Groups, "o2-readers") {
			t.Fatalf("whoami with carol's certificate: got %+v", u)
		}
	})

	t.Run("aggregator proxies to a server on 127.0.0.1", func(t *testing.T) {
		testAggregation(ctx, t, cp)
	})
}

// fakeDiscovery is what an aggregated server must answer, per path, for the aggregator to mark
// the APIServices RegisterAPIService creates (o2ims and o2dms) Available and to list their
// group versions in /openapi/v3, which WaitForAPIServiceDiscovery waits for (kubectl explain
// reads it).
var fakeDiscovery = map[string]string{
	"/openapi/v3": `{"paths":{` +
		`"apis/o2ims.oran.org/v1alpha1":{"serverRelativeURL":"/openapi/v3/apis/o2ims.oran.org/v1alpha1?hash=1"},` +
		`"apis/o2dms.oran.org/v1alpha1":{"serverRelativeURL":"/openapi/v3/apis/o2dms.oran.org/v1alpha1?hash=1"}}}`,
	"/openapi/v3/apis/o2ims.oran.org/v1alpha1": fakeOpenAPIDoc,
	"/openapi/v3/apis/o2dms.oran.org/v1alpha1": fakeOpenAPIDoc,
	"/apis/o2ims.oran.org/v1alpha1": `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"o2ims.oran.org/v1alpha1",` +
		`"resources":[{"name":"resourcepools","singularName":"resourcepool","namespaced":true,"kind":"ResourcePool","verbs":["get","list"]}]}`,
	"/apis/o2dms.oran.org/v1alpha1": `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"o2dms.oran.org/v1alpha1",` +
		`"resources":[{"name":"nfdeployments","singularName":"nfdeployment","namespaced":true,"kind":"NfDeployment","verbs":["get","list"]}]}`,
}

const fakeOpenAPIDoc = `{"openapi":"3.0.0","info":{"title":"fake","version":"v1alpha1"},"paths":{}}`

func testAggregation(ctx context.Context, t *testing.T, cp *localstack.ControlPlane) {
	adminCfg := cp.RESTConfig(localstack.Admin)
	cs, err := kubernetes.NewForConfig(adminCfg)
	if err != nil {
		t.Fatal(err)
	}
	// Read the front-proxy CA the way an aggregated server does, which also proves kube-apiserver
	// published it (it does not without the --requestheader-* flags).
	cm, err := cs.CoreV1().ConfigMaps("kube-system").Get(ctx, "extension-apiserver-authentication", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read extension-apiserver-authentication: %v", err)
	}
	frontProxyCAs := x509.NewCertPool()
	if !frontProxyCAs.AppendCertsFromPEM([]byte(cm.Data["requestheader-client-ca-file"])) {
		t.Fatalf("extension-apiserver-authentication has no requestheader-client-ca-file: %v", cm.Data)
	}

	servingCert, err := tls.LoadX509KeyPair(cp.Serving.CertFile, cp.Serving.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	seen := &remoteUsers{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Requiring the front-proxy client certificate below means these headers can be trusted.
		seen.add(r.Header.Get("X-Remote-User"), r.Header.Values("X-Remote-Group"))
		body, ok := fakeDiscovery[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{servingCert},
		ClientCAs:    frontProxyCAs,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, portStr, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if err := localstack.RegisterAPIService(ctx, adminCfg, port, cp.Serving.CABundle); err != nil {
		t.Fatal(err)
	}
	// Registering twice must be harmless: the launcher and tests re-register after restarts.
	if err := localstack.RegisterAPIService(ctx, adminCfg, port, cp.Serving.CABundle); err != nil {
		t.Fatalf("re-register: %v", err)
	}
	if err := localstack.WaitForAPIServiceAvailable(ctx, adminCfg, time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Logf("APIService Available %s after registration", time.Since(start).Round(100*time.Millisecond))
	if err := localstack.WaitForAPIServiceDiscovery(ctx, adminCfg, time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Logf("o2ims.oran.org/v1alpha1 in discovery %s after registration", time.Since(start).Round(100*time.Millisecond))
	out, _, err := localstack.Kubectl(ctx, cp.Kubeconfig(localstack.Admin), "api-resources", "--api-group=o2ims.oran.org", "-o", "name")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != "resourcepools.o2ims.oran.org" {
		t.Fatalf("kubectl api-resources --api-group=o2ims.oran.org: got %q", out)
	}

	for _, user := range []string{localstack.Admin, localstack.Alice} {
		out, _, err := localstack.Kubectl(ctx, cp.Kubeconfig(user), "get", "--raw", "/apis/o2ims.oran.org/v1alpha1")
		if err != nil {
			t.Fatalf("kubectl get --raw as %s: %v", user, err)
		}
		var list metav1.APIResourceList
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("kubectl get --raw as %s: decode %q: %v", user, out, err)
		}
		if list.GroupVersion != "o2ims.oran.org/v1alpha1" || len(list.APIResources) != 1 || list.APIResources[0].Name != "resourcepools" {
			t.Fatalf("kubectl get --raw as %s: unexpected discovery %+v", user, list)
		}
	}
	if groups, ok := seen.groupsOf(localstack.Admin); !ok || !slices.Contains(groups, "system:masters") {
		t.Fatalf("aggregated server never saw admin in system:masters; saw %v", seen.all())
	}
	if groups, ok := seen.groupsOf(localstack.Alice); !ok || slices.Contains(groups, "system:masters") {
		t.Fatalf("aggregated server did not see alice as herself (groups %v); saw %v", groups, seen.all())
	}
}

// remoteUsers records the identities the aggregator forwarded, to check that the proxy passes
// the caller's user and groups through.
type remoteUsers struct {
	mu     sync.Mutex
	groups map[string][]string
}

func (r *remoteUsers) add(user string, groups []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.groups == nil {
		r.groups = map[string][]string{}
	}
	r.groups[user] = groups
}

func (r *remoteUsers) groupsOf(user string) ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g, ok := r.groups[user]
	return g, ok
}

func (r *remoteUsers) all() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.groups)
}
