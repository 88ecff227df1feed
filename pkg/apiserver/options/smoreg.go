package options

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/clienttls"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/notify"
)

// SMORegistrationOptions configure the O-Cloud's registration with the SMO (issue 12 item 4):
// an OCloudAvailableNotification POSTed to --smo-registration-url.
type SMORegistrationOptions struct {
	URL            string
	AllowedCIDRs   []string
	Timeout        time.Duration
	RetryBase      time.Duration
	RetryMax       time.Duration
	CAFile         string
	ClientCertFile string
	ClientKeyFile  string
	Lease          *leader.Options
}

// NewSMORegistrationOptions returns the defaults: off; 10 s per POST, retries from 1 s to
// 5 min; client-go's usual lease timings.
func NewSMORegistrationOptions() *SMORegistrationOptions {
	return &SMORegistrationOptions{
		Timeout: 10 * time.Second, RetryBase: time.Second, RetryMax: 5 * time.Minute,
		Lease: leader.NewOptions("smo-registration", "o2ims-system", "netweave-smo-registration"),
	}
}

// AddFlags registers the SMO registration flags.
func (o *SMORegistrationOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.URL, "smo-registration-url", o.URL, "The SMO's O-Cloud registration endpoint (https recommended): netweave POSTs an OCloudAvailableNotification {globalCloudId, oCloudId, IMS_EP} there when it starts leading and whenever one of them changes, and reports the outcome in the OCloud's status. Empty: no registration.")
	fs.StringSliceVar(&o.AllowedCIDRs, "smo-registration-allowed-cidrs", o.AllowedCIDRs, "Special-purpose addresses (CIDRs: private-use, loopback, link-local, ...) the registration endpoint may resolve to; refused otherwise, at every connection, as notification callbacks are.")
	fs.DurationVar(&o.Timeout, "smo-registration-timeout", o.Timeout, "Bound on one registration POST.")
	fs.DurationVar(&o.RetryBase, "smo-registration-retry-base", o.RetryBase, "First wait after a failed registration; doubles per failure.")
	fs.DurationVar(&o.RetryMax, "smo-registration-retry-max", o.RetryMax, "Longest wait between two registration attempts.")
	fs.StringVar(&o.CAFile, "smo-registration-ca-file", o.CAFile, "CA bundle the registration endpoint's certificate is verified against (default: system roots).")
	fs.StringVar(&o.ClientCertFile, "smo-registration-client-cert-file", o.ClientCertFile, "TLS client certificate presented to the registration endpoint (mTLS); re-read when it rotates.")
	fs.StringVar(&o.ClientKeyFile, "smo-registration-client-key-file", o.ClientKeyFile, "Key of --smo-registration-client-cert-file.")
	o.Lease.AddFlags(fs)
}

// Complete fills in the identity.
func (o *SMORegistrationOptions) Complete() error { return o.Lease.Complete() }

// Validate reports invalid flags.
func (o *SMORegistrationOptions) Validate() []error {
	var errs []error
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("--smo-registration-url %q must be an absolute http(s) URL without fragment", o.URL))
		}
		errs = append(errs, o.Lease.Validate()...)
	}
	if _, err := notify.ParsePrefixes(o.AllowedCIDRs); err != nil {
		errs = append(errs, fmt.Errorf("--smo-registration-allowed-cidrs: %w", err))
	}
	if o.Timeout <= 0 || o.RetryBase <= 0 || o.RetryMax < o.RetryBase {
		errs = append(errs, errors.New("--smo-registration-timeout and --smo-registration-retry-base must be positive, --smo-registration-retry-max at least the base"))
	}
	if (o.ClientCertFile == "") != (o.ClientKeyFile == "") {
		errs = append(errs, errors.New("--smo-registration-client-cert-file and --smo-registration-client-key-file go together"))
	}
	return errs
}

// Config returns the server's SMO registration configuration, nil when off. imsEndpoint is
// the O2 face's apiRoot ("" when the face is off).
func (o *SMORegistrationOptions) Config(kube *rest.Config, imsEndpoint string) *apiserver.SMORegistrationConfig {
	if o.URL == "" {
		return nil
	}
	allowed, _ := notify.ParsePrefixes(o.AllowedCIDRs)
	return &apiserver.SMORegistrationConfig{
		KubeConfig: kube, URL: o.URL, AllowedPrefixes: allowed, IMSEndpoint: imsEndpoint,
		Timeout: o.Timeout, RetryBase: o.RetryBase, RetryMax: o.RetryMax,
		TLSFiles: clienttls.Files{CAFile: o.CAFile, CertFile: o.ClientCertFile, KeyFile: o.ClientKeyFile,
			CAFlag: "--smo-registration-ca-file", CertFlag: "--smo-registration-client-cert-file"},
		Lease: *o.Lease,
	}
}
