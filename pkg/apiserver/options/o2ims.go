package options

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"

	o2validation "github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/k8sprofile"
	"github.com/netweave-io/netweave/pkg/o2rest"
)

// O2Options configure the O2-IMS REST listener.
type O2Options struct {
	BindAddress           string
	Port                  int
	APIRoot               string
	SubscriptionNamespace string
	PageSize              int
	RequireClientCert     bool
	// ProfileTokenTTL and ProfileTokenAudiences shape the tokens of the Kubernetes profile
	// (--o2ims-profile-token-ttl, --o2ims-profile-token-audiences).
	ProfileTokenTTL       time.Duration
	ProfileTokenAudiences []string
	// ProfileLocalNamespaces (--o2ims-profile-local-namespaces) enable tokens for the local
	// cluster's DeploymentManager in these tenant namespaces.
	ProfileLocalNamespaces []string
	// ProfileSuiteKeys adds the compliance suite's admin_user, admin_client_cert and
	// admin_client_key to profileData (--o2ims-profile-suite-keys).
	ProfileSuiteKeys bool
}

// NewO2Options returns the defaults: O2-IMS on 9443, subscriptions of the default apiRoot
// kept in o2ims-system.
func NewO2Options() *O2Options {
	return &O2Options{BindAddress: "0.0.0.0", Port: 9443, SubscriptionNamespace: apiserver.DefaultSubscriptionNamespace, PageSize: o2rest.DefaultPageSize,
		ProfileTokenTTL: k8sprofile.DefaultTokenTTL}
}

// AddFlags registers the O2-IMS flags.
func (o *O2Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.BindAddress, "o2ims-bind-address", o.BindAddress, "Address the O2-IMS REST API listens on.")
	fs.IntVar(&o.Port, "o2ims-secure-port", o.Port, "HTTPS port of the O2-IMS REST API; 0 disables it. Uses the API server's serving certificate and TLS settings.")
	fs.StringVar(&o.APIRoot, "o2ims-api-root", o.APIRoot, "The apiRoot SMOs use to reach the O2-IMS API (e.g. https://o2ims.example.net); reported as the O-Cloud's serviceUri. Defaults to https://<bind-address>:<port>.")
	fs.StringVar(&o.SubscriptionNamespace, "o2ims-subscription-namespace", o.SubscriptionNamespace, "Namespace of the subscriptions created through the default apiRoot (tenant apiRoots use their own namespace); the notifier and the kubectl face treat it as shared also on a replica with the O2 face off.")
	fs.IntVar(&o.PageSize, "o2ims-page-size", o.PageSize, "Most items in one O2-IMS list response; further pages through nextpage_opaque_marker.")
	fs.DurationVar(&o.ProfileTokenTTL, "o2ims-profile-token-ttl", o.ProfileTokenTTL, "Lifetime of the ServiceAccount tokens a deployment manager's Kubernetes profile (?profile=k8s) hands to callers holding get on deploymentmanagers/credentials; from 10m (the TokenRequest API's minimum) to 24h (a token outlives the RBAC that let it be issued). See docs/multicluster.md.")
	fs.StringSliceVar(&o.ProfileTokenAudiences, "o2ims-profile-token-audiences", o.ProfileTokenAudiences, "Audiences of the Kubernetes profile's tokens; empty: the member API server's own (its --api-audiences), so the token is good for that API server only.")
	fs.StringSliceVar(&o.ProfileLocalNamespaces, "o2ims-profile-local-namespaces", o.ProfileLocalNamespaces, "Tenant namespaces of the cluster netweave runs in where the Kubernetes profile of its own DeploymentManager issues tokens (ServiceAccount o2ims-smo bound to edit there); needs the RBAC the chart grants with o2ims.profileLocalNamespaces. Empty: that profile carries endpoint and CA only.")
	fs.BoolVar(&o.ProfileSuiteKeys, "o2ims-profile-suite-keys", o.ProfileSuiteKeys, "Add the O-RAN SC compliance suite's admin-style keys (admin_user, admin_client_cert, admin_client_key) to a deployment manager's profileData: admin_user is the ServiceAccount the token acts as (empty without a token), the certificate keys are always empty, since netweave never hands out a client certificate. See docs/o2ims.md.")
	fs.BoolVar(&o.RequireClientCert, "o2ims-require-client-cert", o.RequireClientCert, "Refuse O2-IMS connections without a TLS client certificate.")
}

// Validate reports invalid flags.
func (o *O2Options) Validate() []error {
	var errs []error
	if o.Port < 0 || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("--o2ims-secure-port %d is not a port", o.Port))
	}
	// As upstream's --bind-address: an IP address. Anything else passed validation and the O2
	// listener then failed after the start, leaving only a log line and a failing /livez.
	if o.Port != 0 && o.BindAddress != "" && net.ParseIP(o.BindAddress) == nil {
		errs = append(errs, fmt.Errorf("--o2ims-bind-address %q must be an IP address (0.0.0.0 or :: for all)", o.BindAddress))
	}
	if o.APIRoot != "" {
		// The O2 face appends its paths to the apiRoot (uriPrefix, Location): after a query or
		// a fragment, or under a scheme SMOs do not speak, they would not be paths at all.
		u, err := url.Parse(o.APIRoot)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(o.APIRoot, "#") {
			errs = append(errs, fmt.Errorf("--o2ims-api-root %q must be an absolute http(s) URL without query or fragment", o.APIRoot))
		}
		// The OCloud's serviceUri, which its validation bounds.
		if len(o.APIRoot) > o2validation.MaxURILength {
			errs = append(errs, fmt.Errorf("--o2ims-api-root must be at most %d bytes, not %d", o2validation.MaxURILength, len(o.APIRoot)))
		}
	}
	for _, msg := range validation.IsDNS1123Label(o.SubscriptionNamespace) {
		errs = append(errs, fmt.Errorf("--o2ims-subscription-namespace: %s", msg))
	}
	for _, ns := range o.ProfileLocalNamespaces {
		for _, msg := range validation.IsDNS1123Label(ns) {
			errs = append(errs, fmt.Errorf("--o2ims-profile-local-namespaces %q: %s", ns, msg))
		}
	}
	if o.ProfileTokenTTL < k8sprofile.DefaultTokenTTL || o.ProfileTokenTTL > k8sprofile.MaxTokenTTL {
		errs = append(errs, fmt.Errorf("--o2ims-profile-token-ttl must be between %s and %s, not %s (a token outlives the RBAC that let it be issued)",
			k8sprofile.DefaultTokenTTL, k8sprofile.MaxTokenTTL, o.ProfileTokenTTL))
	}
	if o.PageSize < 1 {
		errs = append(errs, fmt.Errorf("--o2ims-page-size must be at least 1"))
	}
	return errs
}

// Config returns the server's O2 configuration, nil when disabled.
// kubeConfig reaches the cluster netweave runs in, clusterURL is --inventory-cluster-url and
// members where member clusters are registered and reached: the Kubernetes profile of
// deployment managers reads them (every replica serves it, whether or not it syncs).
func (o *O2Options) Config(kubeConfig *rest.Config, clusterURL string, members apiserver.MemberSources) *apiserver.O2Config {
	if o.Port == 0 {
		return nil
	}
	root := o.APIRoot
	if root == "" {
		// A bare netweave: the listener's own address, as a URL (an IPv6 address bracketed),
		// and loopback for an unspecified bind address, which no client can reach.
		host := o.BindAddress
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "localhost"
		}
		root = "https://" + net.JoinHostPort(host, strconv.Itoa(o.Port))
	}
	return &apiserver.O2Config{
		BindAddress: o.BindAddress, Port: o.Port, APIRoot: root,
		PageSize: o.PageSize, RequireClientCert: o.RequireClientCert,
		ProfileTokenTTL: o.ProfileTokenTTL, ProfileTokenAudiences: o.ProfileTokenAudiences, ProfileLocalNamespaces: o.ProfileLocalNamespaces,
		ProfileSuiteKeys: o.ProfileSuiteKeys,
		KubeConfig:       kubeConfig, ClusterURL: clusterURL, Members: members,
	}
}
