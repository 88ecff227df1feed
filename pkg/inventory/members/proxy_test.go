package members

import (
	"net/http"
	"testing"
)

// TestRegressionMemberDialledThroughEnvironmentProxy: a member's client had no Proxy, so
// client-go used http.ProxyFromEnvironment: with HTTPS_PROXY set in netweave's environment
// (egress to the SMO, chart sources), every member request went through that proxy, and the
// address check of Dial saw only the proxy's address. A tenant's member whose kubeconfig names
// https://10.1.2.3 or the metadata service was then reached by the proxy on netweave's behalf,
// its answer classed into the ClusterReachable condition the tenant reads: the same bypass as a
// kubeconfig's proxy-url, which is refused. A member is never reached through a proxy.
func TestRegressionMemberDialledThroughEnvironmentProxy(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://203.0.113.7:3128")
	_, _, kubeconfigAt := versionServer(t)
	for _, origin := range []Origin{OriginInventory, OriginCAPI, OriginTenant} {
		rc, err := Addresses{}.RESTConfigOf(Registration{Kubeconfig: kubeconfigAt("https://10.1.2.3:6443"), Origin: origin})
		if err != nil {
			t.Fatal(err)
		}
		if rc.Proxy == nil {
			t.Errorf("origin %d: no Proxy set: client-go sends the member's requests through the environment's proxy (http.ProxyFromEnvironment)", origin)
			continue
		}
		req, _ := http.NewRequest(http.MethodGet, "https://10.1.2.3:6443/version", nil)
		if u, err := rc.Proxy(req); err != nil || u != nil {
			t.Errorf("origin %d: member reached through proxy %v (%v)", origin, u, err)
		}
	}
}
