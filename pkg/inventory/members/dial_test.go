package members

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/pkg/netclass"
)

// TestRegressionMemberEndpointOnUnspecifiedOrLinkLocalAddressDialled: a member's server is
// whatever its kubeconfig says, and a tenant's (the Secret in its namespace, matching the
// Cluster's spec.controlPlaneEndpoint, which a ClusterClass variable may set) was dialled
// wherever it pointed: https://0.0.0.0:<port> reached a server on netweave's own loopback
// (Linux routes the unspecified address to the local host) and https://169.254.169.254 the
// cloud's metadata service, their answers classed into the member's ClusterReachable condition
// that the tenant reads. No cluster's API server is at such an address: the dial is refused,
// the server never sees a connection, and the condition says "cannot connect", as for a
// closed port.
func TestRegressionMemberEndpointOnUnspecifiedOrLinkLocalAddressDialled(t *testing.T) {
	var hits atomic.Int32
	local := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"major":"1","minor":"34","gitVersion":"v1.34.0"}`))
	}))
	defer local.Close()
	u, err := url.Parse(local.URL)
	if err != nil {
		t.Fatal(err)
	}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: local.Certificate().Raw})
	// httptest's certificate names example.com: the TLS handshake verifies, so only the
	// address decides.
	kubeconfigAt := func(server string) []byte {
		return []byte("apiVersion: v1\nkind: Config\nclusters: [{name: m, cluster: {server: '" + server + "', tls-server-name: example.com, " +
			"certificate-authority-data: " + base64.StdEncoding.EncodeToString(ca) + "}}]\nusers: [{name: u, user: {token: t}}]\n" +
			"contexts: [{name: c, context: {cluster: m, user: u}}]\ncurrent-context: c\n")
	}
	for _, server := range []string{
		"https://0.0.0.0:" + u.Port(),
		"https://[::]:" + u.Port(),
		"https://169.254.169.254",
		"https://[fe80::1]:6443",
		"https://[::ffff:169.254.169.254]",
	} {
		rc, err := RESTConfigOf(kubeconfigAt(server))
		if err != nil {
			t.Fatalf("%s: %v", server, err)
		}
		kc, err := kubernetes.NewForConfig(rc)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = kc.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Error()
		cancel()
		var refused *AddressRefusedError
		if !errors.As(err, &refused) {
			t.Errorf("%s: the member's server was dialled: %v", server, err)
			continue
		}
		if got := netclass.APIServer(err); got != netclass.APIServerConnect {
			t.Errorf("%s: condition message %q, want %q", server, got, netclass.APIServerConnect)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server on netweave's loopback answered %d requests", n)
	}
}
