package leader

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/tools/leaderelection"
)

// Options configure one controller's Lease and this replica's identity in it.
type Options struct {
	Namespace string
	Name      string
	// Identity names this replica in the Lease; Complete makes it unique when unset.
	Identity      string
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration

	// flagPrefix names the flags: --<prefix>-lease-name and so on.
	flagPrefix string
}

// NewOptions returns client-go's usual timings for the Lease namespace/name, with flags named
// after flagPrefix.
func NewOptions(flagPrefix, namespace, name string) *Options {
	return &Options{
		Namespace: namespace, Name: name, flagPrefix: flagPrefix,
		LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
	}
}

func (o *Options) flag(name string) string { return o.flagPrefix + "-" + name }

// AddFlags registers --<prefix>-lease-namespace, -lease-name, -leader-identity,
// -lease-duration, -renew-deadline and -retry-period; what is the controller that leads is the
// caller's to say in the prefix.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Namespace, o.flag("lease-namespace"), o.Namespace, "Namespace of the Lease that elects the replica that leads.")
	fs.StringVar(&o.Name, o.flag("lease-name"), o.Name, "Name of that Lease.")
	fs.StringVar(&o.Identity, o.flag("leader-identity"), o.Identity, "This replica's identity in the Lease; must differ between replicas. Defaults to the host name and a random suffix.")
	fs.DurationVar(&o.LeaseDuration, o.flag("lease-duration"), o.LeaseDuration, "How long other replicas wait after the last renewal before taking over (whole seconds).")
	fs.DurationVar(&o.RenewDeadline, o.flag("renew-deadline"), o.RenewDeadline, "How long after its last successful renewal the leader stops writing; less than the lease duration.")
	fs.DurationVar(&o.RetryPeriod, o.flag("retry-period"), o.RetryPeriod, "How often replicas try to acquire or renew the Lease.")
}

// Complete defaults the identity to the host name and a random suffix, so that two processes
// on one host never share it.
func (o *Options) Complete() error {
	if o.Identity != "" {
		return nil
	}
	host, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("--%s: %w", o.flag("leader-identity"), err)
	}
	o.Identity = host + "_" + uuid.NewString()
	return nil
}

// Validate reports invalid flags; it expects Complete to have run.
func (o *Options) Validate() []error {
	var errs []error
	for _, msg := range validation.IsDNS1123Label(o.Namespace) {
		errs = append(errs, fmt.Errorf("--%s: %s", o.flag("lease-namespace"), msg))
	}
	for _, msg := range validation.IsDNS1123Subdomain(o.Name) {
		errs = append(errs, fmt.Errorf("--%s: %s", o.flag("lease-name"), msg))
	}
	if o.Identity == "" {
		errs = append(errs, fmt.Errorf("--%s must not be empty", o.flag("leader-identity")))
	}
	if o.RetryPeriod <= 0 || o.RenewDeadline <= o.RetryPeriod || o.LeaseDuration <= o.RenewDeadline {
		errs = append(errs, fmt.Errorf("0 < --%s < --%s < --%s is required",
			o.flag("retry-period"), o.flag("renew-deadline"), o.flag("lease-duration")))
	} else if jittered := time.Duration(leaderelection.JitterFactor * float64(o.RetryPeriod)); o.RenewDeadline <= jittered {
		// client-go's elector refuses these (each retry waits up to JitterFactor × the period);
		// refused here, they stop the start instead of leaving the controller never running.
		errs = append(errs, fmt.Errorf("--%s must be more than %.1f × --%s (%s)",
			o.flag("renew-deadline"), leaderelection.JitterFactor, o.flag("retry-period"), jittered))
	}
	// The Lease stores whole seconds and other replicas wait that long: a fraction would
	// shorten the wait below what the fencing argument (see the package doc) assumes.
	if o.LeaseDuration%time.Second != 0 {
		errs = append(errs, errors.New("--"+o.flag("lease-duration")+" must be whole seconds"))
	}
	return errs
}
