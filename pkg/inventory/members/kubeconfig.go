package members

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// RESTConfigOf turns a member's kubeconfig into the configuration of a client of its API
// server. Every place that reaches a member from its registration Secret builds its clients
// here, whatever namespace the Secret is in.
//
// A member kubeconfig is data a Secret's writer chose, possibly a tenant (Cluster API discovery
// reads tenants' namespaces), and clientcmd resolves whatever it names in netweave's own
// container: a tokenFile of /var/run/secrets/kubernetes.io/serviceaccount/token sends
// netweave's ServiceAccount token to the kubeconfig's server, certificate and key paths read
// local files (the CA is even handed out in the Kubernetes profile), exec and auth-provider run
// code or talk to identity providers, impersonation asks the member's API server for another
// identity than the one the credentials prove, and a proxy-url routes the member's traffic.
// So only self-contained kubeconfigs are accepted: a server, inline *-data fields, a token, or
// a username and password (inline credentials sent only to the server the same kubeconfig
// names, like a token). Every cluster and user entry is checked, not only the current
// context's, so the answer does not depend on which one is selected. The server is dialled
// only at the addresses a member of reg's origin may be at (Addresses), never through the
// proxy of netweave's environment (NoProxy), redirects are not followed, and no answer but a watch's is read past MaxAnswer (BoundAnswers).
func (a Addresses) RESTConfigOf(reg Registration) (*rest.Config, error) {
	rc, err := parseKubeconfig(reg.Kubeconfig)
	if err != nil {
		return nil, err
	}
	rc.Dial = a.dial(reg.Origin)
	rc.Proxy = NoProxy
	if reg.Origin == OriginTenant {
		// client-go asks for protobuf for the built-in kinds unless told otherwise, and what a
		// protobuf answer decodes into is not bounded by its bytes (jsonbound.go): a tenant's
		// member may be a server the tenant runs.
		JSONOnly(rc)
	}
	rc.Wrap(RefuseRedirects)
	rc.Wrap(BoundAnswers)
	return rc, nil
}

// JSONOnly makes every client of rc ask for JSON only, the built-in kinds' included, which
// client-go asks for in protobuf otherwise; BoundAnswers then refuses a protobuf answer.
func JSONOnly(rc *rest.Config) {
	rc.ContentType = runtime.ContentTypeJSON
	rc.AcceptContentTypes = runtime.ContentTypeJSON
}

// NoProxy is the rest.Config.Proxy of every client of a member: no proxy. Left unset,
// client-go sends the requests through the proxy of netweave's environment (HTTPS_PROXY), which
// Dial then sees as the only address connected to: the proxy, allowed, would connect on
// netweave's behalf to whatever the kubeconfig's server names, past the addresses the member's
// origin may reach (a tenant's member at the cloud's metadata service or the operator's
// network), as a kubeconfig's proxy-url would. The notifier's client has no proxy either.
func NoProxy(*http.Request) (*url.URL, error) { return nil, nil }

// MaxKubeconfigBytes bounds a member's kubeconfig. clientcmd parses it as YAML in netweave's
// process at some hundred bytes of memory per node, and a node may take two bytes: the 1 MiB
// a tenant's Secret holds of `x: [a,a,...]` took 127 MiB, at every connect of the
// registration and every check of a provisioned member's endpoint. One member's kubeconfig,
// its CA, client certificate and key inline, is a few KiB (Cluster API's about 6).
const MaxKubeconfigBytes = 128 << 10

// parseKubeconfig is the client configuration a self-contained kubeconfig describes.
func parseKubeconfig(kubeconfig []byte) (*rest.Config, error) {
	if len(kubeconfig) > MaxKubeconfigBytes {
		return nil, fmt.Errorf("refuse kubeconfig: it is larger than %d bytes", MaxKubeconfigBytes)
	}
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	if err := selfContained(cfg); err != nil {
		return nil, fmt.Errorf("refuse kubeconfig: %w", err)
	}
	rc, err := clientcmd.NewDefaultClientConfig(*cfg, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	return rc, nil
}

// selfContained returns an error naming the first field of cfg that refers to something
// outside the kubeconfig, or changes whom or how it reaches.
func selfContained(cfg *clientcmdapi.Config) error {
	for _, name := range slices.Sorted(maps.Keys(cfg.Clusters)) {
		c := cfg.Clusters[name]
		switch {
		case serverCarriesMore(c.Server):
			// net/http sends a URL's user information as Basic credentials, and the server
			// URL is published (a member's DeploymentManager's serviceUri) and logged.
			return fmt.Errorf("cluster %q: a server URL with user information, a query or a fragment is not allowed; use the user's username and password", name)
		case c.CertificateAuthority != "":
			return fmt.Errorf("cluster %q: certificate-authority (a file path) is not allowed; use certificate-authority-data", name)
		case c.ProxyURL != "":
			return fmt.Errorf("cluster %q: proxy-url is not allowed", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.AuthInfos)) {
		u := cfg.AuthInfos[name]
		var field string
		switch {
		case u.TokenFile != "":
			field = "tokenFile (a file path) is not allowed; use token"
		case u.ClientCertificate != "":
			field = "client-certificate (a file path) is not allowed; use client-certificate-data"
		case u.ClientKey != "":
			field = "client-key (a file path) is not allowed; use client-key-data"
		case u.Exec != nil:
			field = "exec is not allowed"
		case u.AuthProvider != nil:
			field = "auth-provider is not allowed"
		case u.Impersonate != "":
			field = "as (impersonation) is not allowed"
		case len(u.ImpersonateGroups) > 0:
			field = "as-groups (impersonation) is not allowed"
		case u.ImpersonateUID != "":
			field = "as-uid (impersonation) is not allowed"
		case len(u.ImpersonateUserExtra) > 0:
			field = "as-user-extra (impersonation) is not allowed"
		default:
			continue
		}
		return fmt.Errorf("user %q: %s", name, field)
	}
	return nil
}

// serverCarriesMore reports whether a kubeconfig's server URL has user information, a query or
// a fragment: what a Kubernetes API server's address never needs.
func serverCarriesMore(server string) bool {
	u, err := url.Parse(server)
	if err != nil {
		// clientcmd refuses it later with its own error.
		return false
	}
	return u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != ""
}
