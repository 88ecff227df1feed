package options

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/notify"
	o2dmscontroller "github.com/netweave-io/netweave/pkg/o2dms/controller"
)

// O2DMSOptions configure the O2-DMS controller (issue 13): NfDeployments → Helm releases.
type O2DMSOptions struct {
	Enabled bool
	// Wait makes installs, upgrades and rollbacks wait for the workloads to be ready.
	Wait bool
	// Timeout bounds one Helm action, waits included.
	Timeout time.Duration
	// Resync is how often a deployed release is checked for drift.
	Resync   time.Duration
	RetryMax time.Duration
	Workers  int
	// MaxHistory is how many revisions Helm keeps per release.
	MaxHistory int
	// LocalNamespaces are the namespaces of the cluster netweave runs in where NfDeployments
	// may deploy (netweave's RBAC lets it act there only).
	LocalNamespaces []string
	// ChartCacheSize bounds the charts kept in memory, ChartCacheBytes what they unpacked to.
	ChartCacheSize  int
	ChartCacheBytes int64
	// ChartAllowedCIDRs are the special-purpose addresses chart sources may be reached at.
	ChartAllowedCIDRs []string
	// RenderMemory and RenderTimeout bound one rendering of a chart's templates, which runs in
	// a child process (pkg/helmrelease, render.go).
	RenderMemory  int64
	RenderTimeout time.Duration
	Lease         *leader.Options
}

// NewO2DMSOptions returns the defaults: off; wait for readiness, 5 min per action, drift
// checked every minute, retries backing off to 5 min, 2 workers, 10 revisions kept.
func NewO2DMSOptions() *O2DMSOptions {
	return &O2DMSOptions{
		Wait: true, Timeout: 5 * time.Minute, Resync: time.Minute, RetryMax: 5 * time.Minute, Workers: 2, MaxHistory: 10,
		ChartCacheSize: o2dmscontroller.DefaultChartCacheSize, ChartCacheBytes: o2dmscontroller.DefaultChartCacheBytes,
		RenderMemory: helmrelease.DefaultRenderLimits().Memory, RenderTimeout: helmrelease.DefaultRenderLimits().Timeout,
		Lease: leader.NewOptions("o2dms", "o2ims-system", "netweave-o2dms-controller"),
	}
}

// AddFlags registers the controller's flags.
func (o *O2DMSOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Enabled, "o2dms-controller", o.Enabled, "Run the O2-DMS controller: install, upgrade, roll back and uninstall each NfDeployment's Helm release in its target cluster (leader-elected).")
	fs.BoolVar(&o.Wait, "o2dms-wait", o.Wait, "Wait for a release's workloads to be ready before it is DEPLOYED (an install or upgrade not ready within --o2dms-timeout is undone and FAILED). Production should wait; clusters without kubelets (the local stack) cannot.")
	fs.DurationVar(&o.Timeout, "o2dms-timeout", o.Timeout, "Bound on one install, upgrade, rollback or uninstall, waits included.")
	fs.DurationVar(&o.Resync, "o2dms-resync", o.Resync, "How often each deployed release is read from its target cluster: a release gone (drift) is installed again, workload readiness refreshed.")
	fs.DurationVar(&o.RetryMax, "o2dms-retry-max", o.RetryMax, "Longest wait between two attempts of a FAILED NfDeployment (the wait starts at 1s and doubles).")
	fs.IntVar(&o.Workers, "o2dms-workers", o.Workers, "NfDeployments reconciled at once.")
	fs.IntVar(&o.MaxHistory, "o2dms-max-history", o.MaxHistory, "Revisions Helm keeps per release (0: all).")
	fs.IntVar(&o.ChartCacheSize, "o2dms-chart-cache-size", o.ChartCacheSize, "Charts kept in memory (by source, version, digest and credentials), least recently used dropped first.")
	fs.Int64Var(&o.ChartCacheBytes, "o2dms-chart-cache-bytes", o.ChartCacheBytes, "Bytes the charts kept in memory may unpack to, together, whichever of it and --o2dms-chart-cache-size binds first; a chart larger on its own is used but not kept.")
	fs.StringSliceVar(&o.ChartAllowedCIDRs, "o2dms-chart-allowed-cidrs", o.ChartAllowedCIDRs, "Special-purpose addresses (CIDRs or addresses: private-use, loopback, link-local, cloud metadata, ...) that chart repositories and OCI registries may be reached at, e.g. a site's private registry; refused otherwise, at every connection (redirects and archives elsewhere included), as notification callbacks are. Descriptors' chart URLs are chosen by whoever may write descriptors.")
	fs.Int64Var(&o.RenderMemory, "o2dms-render-memory-bytes", o.RenderMemory, "Memory one rendering of a chart's templates, or one parse of a chart repository's index.yaml, may use. Templates are the descriptor writer's code, and the index is whatever the repository it names serves: both run in a child process of netweave held to this and --o2dms-render-timeout (a release past either is FAILED); the children of --o2dms-workers renderings at once count against netweave's container memory.")
	fs.DurationVar(&o.RenderTimeout, "o2dms-render-timeout", o.RenderTimeout, "Time (and CPU time) one rendering of a chart's templates may take, its template lookups included, and one parse of a chart repository's index.yaml.")
	fs.StringSliceVar(&o.LocalNamespaces, "o2dms-local-namespaces", o.LocalNamespaces, "Namespaces of the cluster netweave runs in where NfDeployments may deploy (netweave is granted the rights to do so there only, chart value o2dms.localNamespaces); a release targeting another namespace of this cluster is FAILED \"namespace not enabled for deployments\".")
	o.Lease.AddFlags(fs)
}

// Complete fills in the identity.
func (o *O2DMSOptions) Complete() error { return o.Lease.Complete() }

// Validate reports invalid flags.
func (o *O2DMSOptions) Validate() []error {
	var errs []error
	if o.Timeout <= 0 || o.Resync <= 0 || o.RetryMax < time.Second || o.Workers <= 0 || o.MaxHistory < 0 || o.ChartCacheSize <= 0 || o.ChartCacheBytes <= 0 {
		errs = append(errs, errors.New("--o2dms-timeout, --o2dms-resync, --o2dms-workers, --o2dms-chart-cache-size and --o2dms-chart-cache-bytes must be positive, --o2dms-retry-max at least 1s, --o2dms-max-history not negative"))
	}
	// Below 32 MiB the renderer's own runtime would not start; below a second, process start
	// alone could exceed the bound.
	if o.RenderMemory < 32<<20 || o.RenderTimeout < time.Second {
		errs = append(errs, errors.New("--o2dms-render-memory-bytes must be at least 32 MiB (33554432) and --o2dms-render-timeout at least 1s"))
	}
	if _, err := notify.ParsePrefixes(o.ChartAllowedCIDRs); err != nil {
		errs = append(errs, fmt.Errorf("--o2dms-chart-allowed-cidrs: %w", err))
	}
	for _, ns := range o.LocalNamespaces {
		for _, msg := range validation.IsDNS1123Label(ns) {
			errs = append(errs, fmt.Errorf("--o2dms-local-namespaces: %q: %s", ns, msg))
		}
	}
	if o.Enabled {
		errs = append(errs, o.Lease.Validate()...)
	}
	return errs
}

// Config returns the server's controller configuration, nil when disabled.
func (o *O2DMSOptions) Config(kube *rest.Config, members apiserver.MemberSources) *apiserver.O2DMSConfig {
	if !o.Enabled {
		return nil
	}
	allowed, _ := notify.ParsePrefixes(o.ChartAllowedCIDRs)
	return &apiserver.O2DMSConfig{
		KubeConfig: kube, Members: members, ChartAllowedPrefixes: allowed,
		Wait: o.Wait, Timeout: o.Timeout, Resync: o.Resync, RetryMax: o.RetryMax, Workers: o.Workers,
		MaxHistory: o.MaxHistory, LocalNamespaces: o.LocalNamespaces, ChartCacheSize: o.ChartCacheSize,
		ChartCacheBytes: o.ChartCacheBytes, Lease: *o.Lease,
		Render: helmrelease.RenderLimits{Memory: o.RenderMemory, Timeout: o.RenderTimeout},
	}
}
