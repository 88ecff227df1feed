package members

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
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
	port, hits, kubeconfigAt := versionServer(t)
	for _, server := range []string{
		"https://0.0.0.0:" + port,
		"https://[::]:" + port,
		"https://169.254.169.254",
		"https://[fe80::1]:6443",
		"https://[::ffff:169.254.169.254]",
	} {
		err := getVersion(t, Addresses{}, Registration{Kubeconfig: kubeconfigAt(server)})
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

// TestRegressionTenantMemberOnLoopbackOrPrivateAddressDialled: a tenant's member was dialled
// at loopback and private addresses like the operator's: the tenant sets its Cluster's
// spec.controlPlaneEndpoint (itself, or through a ClusterClass variable) and writes the
// kubeconfig Secret naming it, and the member's ClusterReachable condition, which it reads,
// then told it whether something answered on netweave's own loopback (its Redis, its API
// server's port) or at any address of the operator's network. A tenant's member is now dialled
// only at globally reachable addresses or those the operator allows
// (--inventory-tenant-member-allowed-cidrs); the operator's members still anywhere.
func TestRegressionTenantMemberOnLoopbackOrPrivateAddressDialled(t *testing.T) {
	port, hits, kubeconfigAt := versionServer(t)
	local := "https://127.0.0.1:" + port
	for _, server := range []string{
		local,
		"https://[::1]:" + port,
		"https://10.1.2.3:6443",
		"https://172.16.0.1:6443",
		"https://192.168.1.1:6443",
		"https://100.64.0.1:6443",
		"https://[fd00::1]:6443",
		"https://[64:ff9b::a01:203]:6443", // NAT64 of 10.1.2.3
	} {
		err := getVersion(t, Addresses{}, Registration{Kubeconfig: kubeconfigAt(server), Origin: OriginTenant})
		var refused *AddressRefusedError
		if !errors.As(err, &refused) {
			t.Errorf("%s: a tenant's member was dialled: %v", server, err)
			continue
		}
		if got := netclass.APIServer(err); got != netclass.APIServerConnect {
			t.Errorf("%s: condition message %q, want %q", server, got, netclass.APIServerConnect)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server on netweave's loopback answered a tenant's member %d times", n)
	}

	// The operator's members, and a tenant's where the operator allows the address, reach it.
	allowed := Addresses{TenantAllowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	for _, tc := range []struct {
		addrs  Addresses
		origin Origin
	}{{Addresses{}, OriginInventory}, {Addresses{}, OriginCAPI}, {allowed, OriginTenant}} {
		before := hits.Load()
		if err := getVersion(t, tc.addrs, Registration{Kubeconfig: kubeconfigAt(local), Origin: tc.origin}); err != nil {
			t.Errorf("origin %d, allowed %v: %v", tc.origin, tc.addrs.TenantAllowed, err)
		}
		if hits.Load() != before+1 {
			t.Errorf("origin %d, allowed %v: the member was not reached", tc.origin, tc.addrs.TenantAllowed)
		}
	}
}

// versionServer is an API server's /version on loopback: its port, the requests it answered,
// and a kubeconfig reaching it at a given server URL.
func versionServer(t *testing.T) (string, *atomic.Int32, func(server string) []byte) {
	t.Helper()
	hits := &atomic.Int32{}
	port, kubeconfigAt := tlsServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"major":"1","minor":"34","gitVersion":"v1.34.0"}`))
	}))
	return port, hits, kubeconfigAt
}

// tlsServer serves h over TLS on loopback: its port, and a kubeconfig reaching it at a given
// server URL.
func tlsServer(t *testing.T, h http.Handler) (string, func(server string) []byte) {
	t.Helper()
	local := httptest.NewTLSServer(h)
	t.Cleanup(local.Close)
	u, err := url.Parse(local.URL)
	if err != nil {
		t.Fatal(err)
	}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: local.Certificate().Raw})
	// httptest's certificate names example.com: the TLS handshake verifies, so only the
	// address decides.
	return u.Port(), func(server string) []byte {
		return []byte("apiVersion: v1\nkind: Config\nclusters: [{name: m, cluster: {server: '" + server + "', tls-server-name: example.com, " +
			"certificate-authority-data: " + base64.StdEncoding.EncodeToString(ca) + "}}]\nusers: [{name: u, user: {token: t}}]\n" +
			"contexts: [{name: c, context: {cluster: m, user: u}}]\ncurrent-context: c\n")
	}
}

// getVersion reads /version of reg's member, dialled as addrs allows.
func getVersion(t *testing.T, addrs Addresses, reg Registration) error {
	t.Helper()
	rc, err := addrs.RESTConfigOf(reg)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return kc.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Error()
}
