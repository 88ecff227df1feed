package options

import (
	"fmt"
	"net/url"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netweave-io/netweave/pkg/apiserver"
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
}

// NewO2Options returns the defaults: O2-IMS on 9443, subscriptions of the default apiRoot
// kept in o2ims-system.
func NewO2Options() *O2Options {
	return &O2Options{BindAddress: "0.0.0.0", Port: 9443, SubscriptionNamespace: apiserver.DefaultSubscriptionNamespace, PageSize: o2rest.DefaultPageSize}
}

// AddFlags registers the O2-IMS flags.
func (o *O2Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.BindAddress, "o2ims-bind-address", o.BindAddress, "Address the O2-IMS REST API listens on.")
	fs.IntVar(&o.Port, "o2ims-secure-port", o.Port, "HTTPS port of the O2-IMS REST API; 0 disables it. Uses the API server's serving certificate and TLS settings.")
	fs.StringVar(&o.APIRoot, "o2ims-api-root", o.APIRoot, "The apiRoot SMOs use to reach the O2-IMS API (e.g. https://o2ims.example.net); reported as the O-Cloud's serviceUri. Defaults to https://<bind-address>:<port>.")
	fs.StringVar(&o.SubscriptionNamespace, "o2ims-subscription-namespace", o.SubscriptionNamespace, "Namespace of the InventorySubscriptions created through the default apiRoot (tenant apiRoots use their own namespace).")
	fs.IntVar(&o.PageSize, "o2ims-page-size", o.PageSize, "Most items in one O2-IMS list response; further pages through nextpage_opaque_marker.")
	fs.BoolVar(&o.RequireClientCert, "o2ims-require-client-cert", o.RequireClientCert, "Refuse O2-IMS connections without a TLS client certificate.")
}

// Validate reports invalid flags.
func (o *O2Options) Validate() []error {
	var errs []error
	if o.Port < 0 || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("--o2ims-secure-port %d is not a port", o.Port))
	}
	if o.APIRoot != "" {
		u, err := url.Parse(o.APIRoot)
		if err != nil || !u.IsAbs() || u.Host == "" || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("--o2ims-api-root %q must be an absolute URL without query", o.APIRoot))
		}
	}
	for _, msg := range validation.IsDNS1123Label(o.SubscriptionNamespace) {
		errs = append(errs, fmt.Errorf("--o2ims-subscription-namespace: %s", msg))
	}
	if o.PageSize < 1 {
		errs = append(errs, fmt.Errorf("--o2ims-page-size must be at least 1"))
	}
	return errs
}

// Config returns the server's O2 configuration, nil when disabled.
func (o *O2Options) Config() *apiserver.O2Config {
	if o.Port == 0 {
		return nil
	}
	root := o.APIRoot
	if root == "" {
		root = fmt.Sprintf("https://%s:%d", o.BindAddress, o.Port)
	}
	return &apiserver.O2Config{
		BindAddress: o.BindAddress, Port: o.Port, APIRoot: root,
		SubscriptionNamespace: o.SubscriptionNamespace, PageSize: o.PageSize, RequireClientCert: o.RequireClientCert,
	}
}
