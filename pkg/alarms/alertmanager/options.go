package alertmanager

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
)

// Options are the flags of the Alertmanager source.
type Options struct {
	// URL is Alertmanager's base URL; empty turns the resync off (the webhook receiver is
	// served regardless).
	URL string
	// CAFile verifies Alertmanager's serving certificate (default: system roots).
	CAFile string
	// BearerTokenFile holds the token sent to Alertmanager (or the proxy in front of it); it is
	// re-read as it changes, so a projected ServiceAccount token works.
	BearerTokenFile string
	// ResyncInterval is how often the active alerts are re-read.
	ResyncInterval time.Duration
	// StartupGrace is how long after Alertmanager started a resync clears nothing
	// (SourceConfig.StartupGrace).
	StartupGrace time.Duration
	// Receiver is the name of netweave's receiver in Alertmanager's configuration
	// (SourceConfig.Receiver); empty: every receiver's alerts.
	Receiver string

	url *url.URL
}

// NewOptions returns the defaults: no Alertmanager, a resync every 5 minutes once one is set,
// clearing nothing for 3 minutes after Alertmanager started (Prometheus's default resend delay
// and rule evaluation interval, a minute each, and a margin).
func NewOptions() *Options {
	return &Options{ResyncInterval: 5 * time.Minute, StartupGrace: 3 * time.Minute}
}

// AddFlags registers the flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.URL, "alertmanager-url", o.URL, "Base URL of the Alertmanager whose active alerts (GET /api/v2/alerts) are re-read every --alertmanager-resync-interval, so an alarm whose webhook was lost is raised or cleared. Empty: no resync.")
	fs.StringVar(&o.CAFile, "alertmanager-ca-file", o.CAFile, "CA bundle Alertmanager's serving certificate is verified against (default: system roots).")
	fs.StringVar(&o.BearerTokenFile, "alertmanager-bearer-token-file", o.BearerTokenFile, "File holding the bearer token sent to Alertmanager; re-read when it changes.")
	fs.DurationVar(&o.ResyncInterval, "alertmanager-resync-interval", o.ResyncInterval, "How often Alertmanager's active alerts are re-read (also once at start).")
	fs.StringVar(&o.Receiver, "alertmanager-receiver", o.Receiver, "Name of the Alertmanager receiver whose webhook posts to netweave: the resync then reads only the alerts routed to it, as the webhook receives them. Empty: every active alert of Alertmanager, whatever its route (an alert routed elsewhere, e.g. kube-prometheus's Watchdog or a tenant's alerts sent to the tenant's own receiver, is raised as an alarm by the resync).")
	fs.DurationVar(&o.StartupGrace, "alertmanager-startup-grace", o.StartupGrace, "For this long after Alertmanager started, a resync raises the alerts it has and clears no alarm: a restarted Alertmanager has an alert again only once Prometheus sends it again. At least Prometheus's --rules.alert.resend-delay plus its rule evaluation interval.")
}

// Validate reports invalid flags.
func (o *Options) Validate() []error {
	var errs []error
	if o.URL == "" {
		if o.CAFile != "" || o.BearerTokenFile != "" || o.Receiver != "" {
			errs = append(errs, errors.New("--alertmanager-ca-file, --alertmanager-bearer-token-file and --alertmanager-receiver need --alertmanager-url"))
		}
	} else if _, err := parseURL(o.URL); err != nil {
		errs = append(errs, fmt.Errorf("--alertmanager-url: %w", err))
	}
	if o.ResyncInterval <= 0 {
		errs = append(errs, errors.New("--alertmanager-resync-interval must be positive"))
	}
	if o.StartupGrace < 0 {
		errs = append(errs, errors.New("--alertmanager-startup-grace must not be negative"))
	}
	return errs
}

// Complete parses the URL.
func (o *Options) Complete() error {
	if o.URL == "" {
		return nil
	}
	u, err := parseURL(o.URL)
	if err != nil {
		return fmt.Errorf("--alertmanager-url: %w", err)
	}
	o.url = u
	return nil
}

// Enabled reports whether an Alertmanager is configured.
func (o *Options) Enabled() bool { return o.url != nil }

// SourceConfig is the resync's configuration with resolver; only when Enabled. The client is
// client-go's, which reads the CA and re-reads the token file.
func (o *Options) SourceConfig(resolver Resolver, m *Metrics) (SourceConfig, error) {
	if o.url == nil {
		return SourceConfig{}, errors.New("no --alertmanager-url")
	}
	client, err := rest.HTTPClientFor(&rest.Config{
		Host:            o.url.String(),
		BearerTokenFile: o.BearerTokenFile,
		TLSClientConfig: rest.TLSClientConfig{CAFile: o.CAFile},
		Timeout:         time.Minute,
	})
	if err != nil {
		return SourceConfig{}, fmt.Errorf("build the Alertmanager client: %w", err)
	}
	return SourceConfig{URL: o.url, Client: client, Interval: o.ResyncInterval, StartupGrace: o.StartupGrace, Receiver: o.Receiver, Resolver: resolver, Metrics: m}, nil
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http or https URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q has a query or fragment; give the base URL only", s)
	}
	return u, nil
}
