package certs

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Options are the flags of the certificate source.
type Options struct {
	// Secrets are "namespace/name" of the TLS Secrets to watch.
	Secrets []string
	// Selector selects more Secrets by label, in SelectorNamespace, which it requires: across
	// every namespace, any namespace admin could label a Secret of its own and raise an alarm on
	// the O-Cloud (with a subject of its choosing), and every tenant's certificate names would
	// reach the readers of the operator's alarms.
	Selector          string
	SelectorNamespace string
	Warning           time.Duration
	Critical          time.Duration
	CheckInterval     time.Duration

	// Filled by Complete.
	secrets  []types.NamespacedName
	selector labels.Selector
}

// NewOptions returns the defaults: no Secrets watched; alarms 30 days before expiry, critical
// from 7 days; certificates checked hourly.
func NewOptions() *Options {
	return &Options{Warning: 30 * 24 * time.Hour, Critical: 7 * 24 * time.Hour, CheckInterval: time.Hour}
}

// AddFlags registers the certificate source flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&o.Secrets, "alarm-certificate-secrets", o.Secrets, "TLS Secrets (namespace/name,…) whose tls.crt raises CERTIFICATE_EXPIRATION alarms as it nears expiry. Only these Secrets are watched.")
	fs.StringVar(&o.Selector, "alarm-certificate-selector", o.Selector, "Label selector of more TLS Secrets to watch for expiring certificates (e.g. cert-manager's controller.cert-manager.io/fao=true).")
	fs.StringVar(&o.SelectorNamespace, "alarm-certificate-selector-namespace", o.SelectorNamespace, "Namespace the --alarm-certificate-selector looks in (required with it: an operator's namespace, since whoever may write Secrets there may raise O-Cloud alarms).")
	fs.DurationVar(&o.Warning, "alarm-certificate-warning", o.Warning, "How long before expiry a certificate raises a CLUSTER_WARNING alarm.")
	fs.DurationVar(&o.Critical, "alarm-certificate-critical", o.Critical, "How long before expiry the alarm becomes CLUSTER_CRITICAL.")
	fs.DurationVar(&o.CheckInterval, "alarm-certificate-check-interval", o.CheckInterval, "How often certificates are checked against the clock (expiry approaches without any Secret changing).")
}

// Complete parses the Secrets and the selector; call after Validate.
func (o *Options) Complete() error {
	o.secrets = nil
	for _, s := range o.Secrets {
		ns, name, _ := strings.Cut(s, "/")
		o.secrets = append(o.secrets, types.NamespacedName{Namespace: ns, Name: name})
	}
	o.selector = nil
	if o.Selector != "" {
		sel, err := labels.Parse(o.Selector)
		if err != nil {
			return fmt.Errorf("--alarm-certificate-selector: %w", err)
		}
		o.selector = sel
	}
	return nil
}

// Validate reports invalid flags.
func (o *Options) Validate() []error {
	var errs []error
	for _, s := range o.Secrets {
		ns, name, ok := strings.Cut(s, "/")
		if !ok {
			errs = append(errs, fmt.Errorf("--alarm-certificate-secrets %q: want namespace/name", s))
			continue
		}
		for _, msg := range validation.IsDNS1123Label(ns) {
			errs = append(errs, fmt.Errorf("--alarm-certificate-secrets %q namespace: %s", s, msg))
		}
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			errs = append(errs, fmt.Errorf("--alarm-certificate-secrets %q name: %s", s, msg))
		}
	}
	if o.Selector != "" {
		if _, err := labels.Parse(o.Selector); err != nil {
			errs = append(errs, fmt.Errorf("--alarm-certificate-selector: %w", err))
		}
		if o.SelectorNamespace == "" {
			errs = append(errs, fmt.Errorf("--alarm-certificate-selector needs --alarm-certificate-selector-namespace: across every namespace, any namespace admin could raise O-Cloud certificate alarms with a labelled Secret (name other namespaces' Secrets with --alarm-certificate-secrets)"))
		}
	}
	if o.SelectorNamespace != "" {
		for _, msg := range validation.IsDNS1123Label(o.SelectorNamespace) {
			errs = append(errs, fmt.Errorf("--alarm-certificate-selector-namespace: %s", msg))
		}
	}
	if o.Critical <= 0 || o.Warning < o.Critical {
		errs = append(errs, fmt.Errorf("certificate alarms need 0 < --alarm-certificate-critical <= --alarm-certificate-warning"))
	}
	if o.CheckInterval <= 0 {
		errs = append(errs, fmt.Errorf("--alarm-certificate-check-interval must be positive"))
	}
	return errs
}

// Enabled reports whether any Secret is to be watched.
func (o *Options) Enabled() bool { return len(o.Secrets) > 0 || o.Selector != "" }

// Apply copies the completed options into cfg.
func (o *Options) Apply(cfg *Config) {
	cfg.Secrets = o.secrets
	cfg.Selector = o.selector
	cfg.SelectorNamespace = o.SelectorNamespace
	cfg.Windows = Windows{Warning: o.Warning, Critical: o.Critical}
	cfg.CheckInterval = o.CheckInterval
}
