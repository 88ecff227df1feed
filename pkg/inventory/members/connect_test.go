package members

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TestConnectRateLimit: a member's clients are rate limited as netweave is configured, not as
// the member's kubeconfig (which cannot carry a rate) would leave them: client-go's defaults.
func TestConnectRateLimit(t *testing.T) {
	kubeconfig := []byte(`apiVersion: v1
kind: Config
clusters: [{name: m, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: m, user: {token: x}}]
contexts: [{name: m, context: {cluster: m, user: m}}]
current-context: m
`)
	for _, tc := range []struct {
		qps   float32
		burst int
		want  float32
	}{{qps: 7, burst: 3, want: 7}, {want: 5}} {
		c, err := NewConnect(tc.qps, tc.burst, 0, Addresses{})(Registration{Kubeconfig: kubeconfig})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Kube.CoreV1().RESTClient().GetRateLimiter().QPS(); got != tc.want {
			t.Errorf("qps %v burst %d: client QPS %v, want %v", tc.qps, tc.burst, got, tc.want)
		}
	}
}

// memberServer is a member API server that records the Authorization header of every request.
type memberServer struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
}

func newMemberServer(t *testing.T) *memberServer {
	s := &memberServer{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"major":"1","minor":"33","gitVersion":"v1.33.0"}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *memberServer) authorizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.auth)
}

// kubeconfig is a self-contained kubeconfig of s (inline CA, inline token), edited by edit.
func (s *memberServer) kubeconfig(t *testing.T, edit func(*clientcmdapi.Cluster, *clientcmdapi.AuthInfo)) []byte {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	cfg := clientcmdapi.NewConfig()
	cluster := &clientcmdapi.Cluster{Server: s.URL, CertificateAuthorityData: ca}
	user := &clientcmdapi.AuthInfo{Token: "inline-token"}
	if edit != nil {
		edit(cluster, user)
	}
	cfg.Clusters["m"], cfg.AuthInfos["m"] = cluster, user
	cfg.Contexts["m"] = &clientcmdapi.Context{Cluster: "m", AuthInfo: "m"}
	cfg.CurrentContext = "m"
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConnectRefusesLocalReferences: a member kubeconfig is whatever the writer of its Secret
// chose, possibly a tenant; one that names local files (netweave's own ServiceAccount token as
// tokenFile, its CA or keys), runs code, impersonates or proxies is refused before any request,
// with an error naming the field. Only inline data and tokens are used.
func TestConnectRefusesLocalReferences(t *testing.T) {
	srv := newMemberServer(t)
	dir := t.TempDir()
	// Stands in for /var/run/secrets/kubernetes.io/serviceaccount/token.
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("netweave-serviceaccount-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*clientcmdapi.Cluster, *clientcmdapi.AuthInfo)
	}{
		{"tokenFile", func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { u.Token, u.TokenFile = "", tokenFile }},
		{"client-certificate", func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { u.ClientCertificate = caFile }},
		{"client-key", func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { u.ClientKey = caFile }},
		{"certificate-authority", func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) {
			c.CertificateAuthorityData, c.CertificateAuthority = nil, caFile
		}},
		{"exec", func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
			u.Token, u.Exec = "", &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1", Command: "/bin/true",
				InteractiveMode: clientcmdapi.NeverExecInteractiveMode}
		}},
		{"auth-provider", func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
			u.Token, u.AuthProvider = "", &clientcmdapi.AuthProviderConfig{Name: "oidc"}
		}},
		{"as", func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { u.Impersonate = "system:admin" }},
		{"as-groups", func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
			u.ImpersonateGroups = []string{"system:masters"}
		}},
		{"as-uid", func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { u.ImpersonateUID = "0" }},
		{"as-user-extra", func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
			u.ImpersonateUserExtra = map[string][]string{"scopes": {"all"}}
		}},
		{"proxy-url", func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) { c.ProxyURL = srv.URL }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			before := len(srv.authorizations())
			c, err := NewConnect(0, 0, 0, Addresses{})(Registration{Kubeconfig: srv.kubeconfig(t, tc.edit)})
			if err == nil {
				// What the old code did next: probe the member with what the kubeconfig named.
				err = c.Probe(t.Context())
				t.Errorf("kubeconfig with %s accepted (probe: %v)", tc.field, err)
			} else if !strings.Contains(err.Error(), tc.field+" ") || !strings.Contains(err.Error(), "not allowed") {
				t.Errorf("error %q does not say that %s is not allowed", err, tc.field)
			}
			if got := srv.authorizations()[before:]; len(got) != 0 {
				t.Errorf("the member's server was sent %d requests (Authorization %q)", len(got), got)
			}
		})
	}
	// The same server with the kubeconfig's inline CA and token is reached, with that token:
	// the refusals above are of the fields, not of the server.
	for name, edit := range map[string]func(*clientcmdapi.Cluster, *clientcmdapi.AuthInfo){
		"inline": nil,
		"username password": func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
			u.Token, u.Username, u.Password = "", "u", "p"
		},
	} {
		before := len(srv.authorizations())
		c, err := NewConnect(0, 0, 0, Addresses{})(Registration{Kubeconfig: srv.kubeconfig(t, edit)})
		if err != nil {
			t.Fatalf("%s kubeconfig: %v", name, err)
		}
		if err := c.Probe(t.Context()); err != nil {
			t.Fatalf("%s kubeconfig: probe: %v", name, err)
		}
		if got := srv.authorizations()[before:]; len(got) != 1 || got[0] == "" {
			t.Errorf("%s kubeconfig: Authorization %q", name, got)
		}
	}
}
