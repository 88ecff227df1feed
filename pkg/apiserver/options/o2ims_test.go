package options

import (
	"net/url"
	"strings"
	"testing"

	"github.com/netweave-io/netweave/pkg/apiserver"
)

// TestRegressionDefaultAPIRootIsAURL: without --o2ims-api-root the apiRoot was
// "https://<bind address>:<port>" by Sprintf: "https://:::9443" for --o2ims-bind-address=::,
// which no URL parser reads, and "https://0.0.0.0:9443" by default, which no client reaches;
// either went out as the O-Cloud's serviceUri, and as IMS_EP to an SMO registration. The
// default is now a URL (IPv6 bracketed, loopback for an unspecified address), and an SMO
// registration needs --o2ims-api-root.
func TestRegressionDefaultAPIRootIsAURL(t *testing.T) {
	for bind, want := range map[string]string{
		"0.0.0.0":  "https://localhost:9443",
		"::":       "https://localhost:9443",
		"10.0.0.5": "https://10.0.0.5:9443",
		"fd00::1":  "https://[fd00::1]:9443",
	} {
		o := NewO2Options()
		o.BindAddress = bind
		root := o.Config(nil, "", apiserver.MemberSources{}).APIRoot
		if u, err := url.Parse(root); root != want || err != nil || u.Port() != "9443" {
			t.Errorf("bind address %s: apiRoot %q (%v), want %q", bind, root, err, want)
		}
	}

	o := completedServer(t, []string{"--smo-registration-url=https://smo.example.net/register"})
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--smo-registration-url needs --o2ims-api-root") {
		t.Errorf("an SMO registration without an apiRoot: %v", err)
	}
}

// TestO2PortDiffersFromTheSecurePort: the same port for both faces passed validation, and the
// O2 listener then failed after the start, leaving the replica unready with only a log line.
func TestO2PortDiffersFromTheSecurePort(t *testing.T) {
	o := completedServer(t, []string{"--secure-port=9443", "--o2ims-secure-port=9443"})
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--o2ims-secure-port and --secure-port must differ") {
		t.Errorf("one port for both faces: %v", err)
	}
}

// TestRegressionSubscriptionNamespaceWithTheO2FaceOff: --o2ims-subscription-namespace reached
// the server only through the O2 face's config, so a replica with the face off (a notifier-only
// replica) treated o2ims-system as the shared namespace, whose subscriptions may receive changes
// from every namespace, while the replica serving the default apiRoot used the flag's.
func TestRegressionSubscriptionNamespaceWithTheO2FaceOff(t *testing.T) {
	o := completedServer(t, []string{"--o2ims-secure-port=0", "--o2ims-subscription-namespace=smo-subscriptions"})
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := o.tenancy().SubscriptionNamespace; got != "smo-subscriptions" {
		t.Errorf("shared subscription namespace with the O2 face off: %q, want smo-subscriptions", got)
	}
}

// TestRegressionAPIRootWithFragmentOrOtherScheme: --o2ims-api-root=https://gw/o2#x (or a
// trailing "?", or ftp://gw) passed validation, and every uriPrefix and Location the O2 face
// built by appending its paths to the apiRoot put them into the fragment or query, or under a
// scheme no SMO speaks: links that lead nowhere, from a server that started fine.
func TestRegressionAPIRootWithFragmentOrOtherScheme(t *testing.T) {
	for _, tc := range []struct {
		root string
		ok   bool
	}{
		{"https://o2ims.example.net", true},
		{"https://gw.example.net/o2/", true},
		{"http://o2ims.example.net:8080/o2", true},
		{"https://gw.example.net/o2#frag", false},
		{"https://gw.example.net/o2#", false},
		{"https://gw.example.net/o2?", false},
		{"https://gw.example.net/o2?a=b", false},
		{"ftp://gw.example.net/o2", false},
		{"gw.example.net/o2", false},
	} {
		o := NewO2Options()
		o.APIRoot = tc.root
		errs := o.Validate()
		if tc.ok && len(errs) != 0 {
			t.Errorf("%q refused: %v", tc.root, errs)
		}
		if !tc.ok && (len(errs) != 1 || !strings.Contains(errs[0].Error(), "--o2ims-api-root")) {
			t.Errorf("%q: %v, want one --o2ims-api-root error", tc.root, errs)
		}
	}
}

// TestRegressionO2BindAddressNotAnIP: --o2ims-bind-address=o2.example (or a typo such as
// 10.0.0.300) passed validation; the server started, the O2 listener then failed to listen, and
// the operator saw only "O2-IMS listener stopped" in the log and a failing /livez.
func TestRegressionO2BindAddressNotAnIP(t *testing.T) {
	for _, tc := range []struct {
		bind string
		port int
		ok   bool
	}{
		{"0.0.0.0", 9443, true},
		{"::", 9443, true},
		{"127.0.0.1", 9443, true},
		{"fd00::1", 9443, true},
		{"", 9443, true},
		{"10.0.0.300", 9443, false},
		{"o2.example", 9443, false},
		{"127.0.0.1:9443", 9443, false},
		{"[::1]", 9443, false},
		{"o2.example", 0, true}, // the face is off: nothing listens
	} {
		o := NewO2Options()
		o.BindAddress, o.Port = tc.bind, tc.port
		errs := o.Validate()
		if tc.ok && len(errs) != 0 {
			t.Errorf("%q (port %d) refused: %v", tc.bind, tc.port, errs)
		}
		if !tc.ok && (len(errs) != 1 || !strings.Contains(errs[0].Error(), "--o2ims-bind-address")) {
			t.Errorf("%q: %v, want one --o2ims-bind-address error", tc.bind, errs)
		}
	}
}

// TestRegressionProfileTokensForTheInventoryNamespace: --o2ims-profile-local-namespaces took the
// inventory namespace, so the local cluster's Kubernetes profile could issue a token bound to
// edit there, which reads every member cluster's kubeconfig Secret.
func TestRegressionProfileTokensForTheInventoryNamespace(t *testing.T) {
	for args, refused := range map[string]bool{
		"--o2ims-profile-local-namespaces=smo-a,o2ims-system":                             true,
		"--o2ims-profile-local-namespaces=smo-a":                                          false,
		"--o2ims-profile-local-namespaces=inv --inventory-sync --inventory-namespace=inv": true,
	} {
		o := completedServer(t, strings.Fields(args))
		err := o.Validate()
		if got := err != nil && strings.Contains(err.Error(), "must not name the inventory namespace"); got != refused {
			t.Errorf("%s: %v, want refused %v", args, err, refused)
		}
	}
}

// TestRegressionProfileTokenTTLUnbounded: --o2ims-profile-token-ttl=8760h was accepted, so the
// Kubernetes profile handed out member-cluster tokens valid for a year, which a caller keeps
// using after its RoleBinding is removed (a token is not revoked with the RBAC that let it be
// issued). The lifetime is now bounded (k8sprofile.MaxTokenTTL).
func TestRegressionProfileTokenTTLUnbounded(t *testing.T) {
	for ttl, refused := range map[string]bool{"5m": true, "10m": false, "24h": false, "25h": true, "8760h": true} {
		o := completedServer(t, []string{"--o2ims-profile-token-ttl=" + ttl})
		err := o.Validate()
		if got := err != nil && strings.Contains(err.Error(), "--o2ims-profile-token-ttl must be between 10m0s and 24h0m0s"); got != refused {
			t.Errorf("ttl %s: %v, want refused %v", ttl, err, refused)
		}
	}
}
