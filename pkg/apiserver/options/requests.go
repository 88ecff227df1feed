package options

import (
	"errors"

	"github.com/spf13/pflag"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	basecompatibility "k8s.io/component-base/compatibility"
)

// requestFlags are the flags of kube-apiserver's ServerRunOptions that bound requests, on both
// faces: how long one may take (--request-timeout: the Kubernetes face's timeout filter, the
// O2 face's request deadline and its listener's read and write deadlines), how long a watch
// lives, and how many requests run at once (API Priority and Fairness's total seats, or the
// max-in-flight limits when it is off). The rest of ServerRunOptions (emulated versions, CORS,
// HSTS, advertise addresses, shutdown delays) configures things netweave does not have or sets
// itself, so those flags are not offered.
var requestFlags = []string{"request-timeout", "min-request-timeout", "max-requests-inflight", "max-mutating-requests-inflight"}

// RequestOptions are requestFlags, with upstream's names, defaults, help and validation.
type RequestOptions struct {
	run *genericoptions.ServerRunOptions
}

// NewRequestOptions returns kube-apiserver's defaults (60s, 1800s, 400 and 200).
func NewRequestOptions() *RequestOptions {
	// A registry of its own: the run options' emulated-version machinery is not used, and the
	// process-wide default registry is left alone.
	return &RequestOptions{run: genericoptions.NewServerRunOptionsForComponent("netweave", basecompatibility.NewComponentGlobalsRegistry())}
}

// AddFlags registers requestFlags as upstream defines them.
func (o *RequestOptions) AddFlags(fs *pflag.FlagSet) {
	all := pflag.NewFlagSet("server-run", pflag.ContinueOnError)
	o.run.AddUniversalFlags(all)
	for _, name := range requestFlags {
		fs.AddFlag(all.Lookup(name))
	}
}

// Validate reports negative values (upstream's checks) and a request timeout of zero, which
// would end every request as it starts.
func (o *RequestOptions) Validate() []error {
	errs := o.run.Validate()
	if o.run.RequestTimeout == 0 {
		errs = append(errs, errors.New("--request-timeout must be positive"))
	}
	return errs
}

// ApplyTo sets the limits in c. Before RecommendedOptions.ApplyTo: API Priority and Fairness
// takes its total seats from the in-flight limits when it is built there.
func (o *RequestOptions) ApplyTo(c *genericapiserver.Config) {
	c.RequestTimeout = o.run.RequestTimeout
	c.MinRequestTimeout = o.run.MinRequestTimeout
	c.MaxRequestsInFlight = o.run.MaxRequestsInFlight
	c.MaxMutatingRequestsInFlight = o.run.MaxMutatingRequestsInFlight
}
