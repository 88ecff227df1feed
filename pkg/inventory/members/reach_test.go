package members

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/netclass"
)

// peerMarker stands for what a member's server answers or is: a tenant's kubeconfig may point
// at an internal service, which must not be read back through the condition.
const peerMarker = "internal-secret-7d1f"

// TestUnreachableMessageCarriesNoPeerData: the ClusterReachable condition of an unreachable
// member (which the tenant's ProvisioningRequest, its notifications and the cluster's alarm
// copy) says the class of the failure, never the error's text: not the body of the server's
// answer, nor addresses or certificate names.
func TestUnreachableMessageCarriesNoPeerData(t *testing.T) {
	answering := func(code int) *memberServer {
		s := &memberServer{}
		s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "the body of "+peerMarker, code)
		}))
		t.Cleanup(s.Close)
		return s
	}
	closed := newMemberServer(t)
	closedKubeconfig := closed.kubeconfig(t, nil)
	closed.Close()
	untrusted := newMemberServer(t)
	for _, tc := range []struct {
		name       string
		kubeconfig []byte
		want       string
	}{
		{"HTTP 500 with a body", answering(http.StatusInternalServerError).kubeconfig(t, nil), "HTTP 500"},
		{"HTTP 502 with a body", answering(http.StatusBadGateway).kubeconfig(t, nil), "HTTP 502"},
		{"HTTP 401", answering(http.StatusUnauthorized).kubeconfig(t, nil), netclass.APIServerUnauthorized},
		{"HTTP 403", answering(http.StatusForbidden).kubeconfig(t, nil), netclass.APIServerForbidden},
		{"untrusted certificate", untrusted.kubeconfig(t, func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) {
			c.CertificateAuthorityData = nil // the system roots, which do not hold httptest's CA
		}), netclass.APIServerTLS},
		{"connection refused", closedKubeconfig, netclass.APIServerConnect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewConnect(0, 0, 0, Addresses{})(Registration{Kubeconfig: tc.kubeconfig})
			if err != nil {
				t.Fatal(err)
			}
			probeErr := c.Probe(t.Context())
			if probeErr == nil {
				t.Fatal("probe succeeded")
			}
			var r reachability
			r.set(probeErr)
			cond := meta.FindStatusCondition(r.status().Conditions, v1alpha1.DeploymentManagerClusterReachable)
			host := strings.TrimPrefix(c.Host, "https://")
			if cond.Message != tc.want || strings.Contains(cond.Message, peerMarker) || strings.Contains(cond.Message, host) {
				t.Errorf("condition message %q (probe error %q); want %q", cond.Message, probeErr, tc.want)
			}
		})
	}
}

// TestUnreachableClass: the classes of failures a test server cannot produce quickly; every way
// of not getting a connection is one class.
func TestUnreachableClass(t *testing.T) {
	get := func(err error) error { return &url.Error{Op: "Get", URL: "https://10.0.0.1:6443/version", Err: err} }
	for _, tc := range []struct {
		err  error
		want string
	}{
		{get(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: no route to host")}), netclass.APIServerConnect},
		{get(&net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}), netclass.APIServerConnect},
		{get(&net.DNSError{Err: "no such host", Name: "kube.internal", IsNotFound: true}), netclass.APIServerConnect},
		{get(context.DeadlineExceeded), netclass.APIServerTimeout},
		{get(errors.New("EOF")), netclass.APIServerConnect},
		{fmt.Errorf("get namespace kube-system: %w", errors.New("couldn't get version/kind; json parse error: "+peerMarker)), netclass.APIServerOther},
	} {
		if got := netclass.APIServer(tc.err); got != tc.want {
			t.Errorf("netclass.APIServer(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
