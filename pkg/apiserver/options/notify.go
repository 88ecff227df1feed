package options

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/notify"
)

// NotifyOptions configure the notifier (issue 5).
type NotifyOptions struct {
	Enabled              bool
	AllowedCallbackCIDRs []string
	Timeout              time.Duration
	MaxAge               time.Duration
	// QueueBytes and QueueLength bound each subscription's queue in Redis (0: unbounded).
	QueueBytes, QueueLength int64
	// NamespaceQueueBytes bounds the queues of one namespace's subscriptions together (one
	// owner's in the shared subscription namespace), split evenly among them (0: unbounded).
	NamespaceQueueBytes int64
	RetryBase, RetryMax time.Duration
	StatusInterval      time.Duration
	// PackStatesFrom is the number of objects of a kind from which the notifier keeps their
	// recorded states compressed in memory (0: never).
	PackStatesFrom int
	// Lease elects the replica that notifies (--notifier-lease-*, --notifier-leader-identity).
	Lease                  *leader.Options
	ClientCertFile         string
	ClientKeyFile          string
	CAFile                 string
	OAuth2TokenURL         string
	OAuth2ClientID         string
	OAuth2ClientSecretFile string
	OAuth2Scopes           []string
	OAuth2Hosts            []string
}

// NewNotifyOptions returns the defaults: off; 10 s per POST, retries from 1 s to 5 min,
// notifications kept up to 24 h and, per subscription, up to 4 MiB of bodies and 10,000
// notifications; client-go's usual lease timings.
func NewNotifyOptions() *NotifyOptions {
	return &NotifyOptions{
		Timeout: 10 * time.Second, MaxAge: 24 * time.Hour, RetryBase: time.Second, RetryMax: 5 * time.Minute,
		QueueBytes: 4 << 20, QueueLength: 10000, NamespaceQueueBytes: DefaultNamespaceQueueBytes,
		StatusInterval: time.Second, PackStatesFrom: notify.DefaultPackStatesFrom, Lease: leader.NewOptions("notifier", "o2ims-system", "netweave-notifier"),
	}
}

// DefaultNamespaceQueueBytes is --notifier-namespace-queue-bytes by default: a namespace keeps
// the whole --notifier-queue-bytes for each of up to 256 subscriptions, and 1 MiB each for the
// 1,000 of one kind --subscriptions-per-namespace allows, instead of 16 GiB for the four kinds'
// 4,000 whose callbacks never answer.
const DefaultNamespaceQueueBytes = 1 << 30

// AddFlags registers the notifier flags.
func (o *NotifyOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Enabled, "notifier", o.Enabled, "Run the O2-IMS notifier: InventoryChangeNotifications to every InventorySubscription's callback (leader-elected).")
	fs.StringSliceVar(&o.AllowedCallbackCIDRs, "notifier-allowed-callback-cidrs", o.AllowedCallbackCIDRs, "Addresses (CIDRs) callbacks may use although they are special-purpose (private-use, unique-local, CGNAT, loopback, link-local, metadata, multicast, documentation, ... and IPv6 forms embedding such IPv4 addresses); refused otherwise, at subscription create time and at every connection.")
	fs.DurationVar(&o.Timeout, "notifier-timeout", o.Timeout, "Bound on one notification POST.")
	fs.DurationVar(&o.MaxAge, "notifier-max-age", o.MaxAge, "Undelivered notifications older than this are dropped; 0 keeps them until delivered.")
	fs.Int64Var(&o.QueueBytes, "notifier-queue-bytes", o.QueueBytes, "Bytes of notification bodies each subscription's queue may hold in Redis; past it the oldest undelivered notifications are dropped (counted in the subscription's status.dropped and netweave_notifier_dropped_total), and a notification larger on its own is dropped. 0 removes the bound.")
	fs.Int64Var(&o.NamespaceQueueBytes, "notifier-namespace-queue-bytes", o.NamespaceQueueBytes, "Bytes of notification bodies the queues of one namespace's subscriptions (of every kind; one owner's, in the shared subscription namespace) may hold in Redis together, split evenly among them: a queue past its share drops its oldest undelivered notifications as past --notifier-queue-bytes, and keeps at least its newest. Bounds what one tenant whose callbacks do not answer can make the shared Redis hold. 0 removes the bound.")
	fs.Int64Var(&o.QueueLength, "notifier-queue-length", o.QueueLength, "Notifications each subscription's queue may hold in Redis; past it the oldest undelivered ones are dropped, as for --notifier-queue-bytes. 0 removes the bound.")
	fs.DurationVar(&o.RetryBase, "notifier-retry-base", o.RetryBase, "First wait after a failed POST; doubles per failure, with full jitter.")
	fs.DurationVar(&o.RetryMax, "notifier-retry-max", o.RetryMax, "Longest wait between two POSTs of a failing callback.")
	fs.DurationVar(&o.StatusInterval, "notifier-status-interval", o.StatusInterval, "Least time between two status writes of one subscription.")
	fs.IntVar(&o.PackStatesFrom, "notifier-pack-states-from", o.PackStatesFrom, "Number of objects of a kind from which the notifier keeps the last state of each (the prior state of its next notification) compressed in memory: about an eighth of the JSON for ~15 µs of CPU per change, and ~0.7 MB per kind for the compressor. 0 keeps every state uncompressed.")
	o.Lease.AddFlags(fs)
	// The flag's old name, from before every controller's Lease had the same flags.
	fs.StringVar(&o.Lease.Identity, "notifier-identity", o.Lease.Identity, "This replica's identity in the notifier's Lease.")
	_ = fs.MarkDeprecated("notifier-identity", "use --notifier-leader-identity")
	fs.StringVar(&o.ClientCertFile, "notifier-client-cert-file", o.ClientCertFile, "TLS client certificate presented to callbacks (mTLS).")
	fs.StringVar(&o.ClientKeyFile, "notifier-client-key-file", o.ClientKeyFile, "Key of --notifier-client-cert-file.")
	fs.StringVar(&o.CAFile, "notifier-ca-file", o.CAFile, "CA bundle callbacks' certificates, and the OAuth2 token endpoint's, are verified against (default: system roots).")
	fs.StringVar(&o.OAuth2TokenURL, "notifier-oauth2-token-url", o.OAuth2TokenURL, "OAuth2 token endpoint: POSTs to --notifier-oauth2-hosts carry a client-credentials bearer token from it.")
	fs.StringVar(&o.OAuth2ClientID, "notifier-oauth2-client-id", o.OAuth2ClientID, "OAuth2 client id for --notifier-oauth2-token-url.")
	fs.StringVar(&o.OAuth2ClientSecretFile, "notifier-oauth2-client-secret-file", o.OAuth2ClientSecretFile, "File holding the OAuth2 client secret; read again for every token fetched, so a secret rotated in the file needs no restart.")
	fs.StringSliceVar(&o.OAuth2Scopes, "notifier-oauth2-scopes", o.OAuth2Scopes, "OAuth2 scopes to request.")
	fs.StringSliceVar(&o.OAuth2Hosts, "notifier-oauth2-hosts", o.OAuth2Hosts, "Callback hosts that receive the OAuth2 token (name, address or *.domain, optionally :port), over https only: a listed host's http callback is refused. Other callbacks are delivered without the token. Required with --notifier-oauth2-token-url.")
}

// Complete fills in the identity.
func (o *NotifyOptions) Complete() error { return o.Lease.Complete() }

// Validate reports invalid flags.
func (o *NotifyOptions) Validate() []error {
	var errs []error
	if _, err := notify.ParsePrefixes(o.AllowedCallbackCIDRs); err != nil {
		errs = append(errs, fmt.Errorf("--notifier-allowed-callback-cidrs: %w", err))
	}
	if o.Timeout <= 0 || o.RetryBase <= 0 || o.RetryMax < o.RetryBase || o.MaxAge < 0 || o.StatusInterval <= 0 {
		errs = append(errs, errors.New("--notifier-timeout, --notifier-retry-base and --notifier-status-interval must be positive, --notifier-retry-max at least the base, --notifier-max-age not negative"))
	}
	if o.Enabled {
		errs = append(errs, o.Lease.Validate()...)
	}
	if (o.ClientCertFile == "") != (o.ClientKeyFile == "") {
		errs = append(errs, errors.New("--notifier-client-cert-file and --notifier-client-key-file go together"))
	}
	if o.PackStatesFrom < 0 {
		errs = append(errs, errors.New("--notifier-pack-states-from must not be negative (0 never compresses)"))
	}
	if o.QueueBytes < 0 || o.QueueLength < 0 || o.NamespaceQueueBytes < 0 {
		errs = append(errs, errors.New("--notifier-queue-bytes, --notifier-queue-length and --notifier-namespace-queue-bytes must not be negative (0 removes the bound)"))
	}
	// Every token request carries the client secret, and every answer a token that the
	// listed hosts accept: over plain http either is anyone's on the way.
	if u, err := url.Parse(o.OAuth2TokenURL); o.OAuth2TokenURL != "" && (err != nil || u.Scheme != "https" || u.Host == "") {
		errs = append(errs, fmt.Errorf("--notifier-oauth2-token-url must be an https URL, not %q", o.OAuth2TokenURL))
	}
	if o.OAuth2TokenURL != "" && (o.OAuth2ClientID == "" || o.OAuth2ClientSecretFile == "") {
		errs = append(errs, errors.New("--notifier-oauth2-token-url needs --notifier-oauth2-client-id and --notifier-oauth2-client-secret-file"))
	}
	// The token used to go to every callback; now it goes nowhere unless the operator says
	// where, so an install that sets a token URL must say it (rather than silently stop
	// authenticating).
	if o.OAuth2TokenURL != "" && len(o.OAuth2Hosts) == 0 {
		errs = append(errs, errors.New("--notifier-oauth2-token-url needs --notifier-oauth2-hosts: the callback hosts the token may be sent to"))
	}
	if o.OAuth2TokenURL == "" && len(o.OAuth2Hosts) > 0 {
		errs = append(errs, errors.New("--notifier-oauth2-hosts needs --notifier-oauth2-token-url"))
	}
	if _, err := notify.ParseTokenHosts(o.OAuth2Hosts); err != nil {
		errs = append(errs, fmt.Errorf("--notifier-oauth2-hosts: %w", err))
	}
	return errs
}

// Config returns the server's notifier configuration, nil when disabled.
func (o *NotifyOptions) Config(kube *rest.Config) *apiserver.NotifierConfig {
	if !o.Enabled {
		return nil
	}
	allowed, _ := notify.ParsePrefixes(o.AllowedCallbackCIDRs)
	tokenHosts, _ := notify.ParseTokenHosts(o.OAuth2Hosts)
	return &apiserver.NotifierConfig{
		KubeConfig:              kube,
		AllowedCallbackPrefixes: allowed,
		OAuth2Hosts:             tokenHosts,
		Timeout:                 o.Timeout, MaxAge: o.MaxAge,
		QueueLimits:    notify.QueueLimits{Bytes: o.QueueBytes, Length: o.QueueLength, NamespaceBytes: o.NamespaceQueueBytes},
		Retry:          notify.Backoff{Base: o.RetryBase, Max: o.RetryMax},
		StatusInterval: o.StatusInterval,
		PackStatesFrom: o.PackStatesFrom,
		Lease:          *o.Lease,
		ClientCertFile: o.ClientCertFile, ClientKeyFile: o.ClientKeyFile, CAFile: o.CAFile,
		OAuth2TokenURL: o.OAuth2TokenURL, OAuth2ClientID: o.OAuth2ClientID,
		OAuth2ClientSecretFile: o.OAuth2ClientSecretFile, OAuth2Scopes: o.OAuth2Scopes,
	}
}
