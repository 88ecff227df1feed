package leader

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestCompleteGivesEveryProcessItsOwnIdentity(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	a, b := NewOptions("inventory", "ns", "lease"), NewOptions("inventory", "ns", "lease")
	for _, o := range []*Options{a, b} {
		if err := o.Complete(); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(o.Identity, host+"_") || len(o.Identity) <= len(host)+1 {
			t.Errorf("identity %q, want %s_<suffix>", o.Identity, host)
		}
	}
	if a.Identity == b.Identity {
		t.Errorf("two Complete calls on one host gave the same identity %q", a.Identity)
	}
	c := NewOptions("inventory", "ns", "lease")
	c.Identity = "replica-a"
	if err := c.Complete(); err != nil || c.Identity != "replica-a" {
		t.Errorf("explicit identity became %q (%v)", c.Identity, err)
	}
}

func TestFlagsKeepTheirPrefixedNames(t *testing.T) {
	o := NewOptions("notifier", "o2ims-system", "netweave-notifier")
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	err := fs.Parse([]string{"--notifier-lease-namespace=ns", "--notifier-lease-name=n", "--notifier-leader-identity=x",
		"--notifier-lease-duration=4s", "--notifier-renew-deadline=3s", "--notifier-retry-period=500ms"})
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Namespace: "ns", Name: "n", Identity: "x", LeaseDuration: 4 * time.Second,
		RenewDeadline: 3 * time.Second, RetryPeriod: 500 * time.Millisecond, flagPrefix: "notifier"}
	if *o != want {
		t.Errorf("parsed %+v, want %+v", *o, want)
	}
}

func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*Options)
		want string // substring of the error; "" for none
	}{
		"defaults":               {func(*Options) {}, ""},
		"renew deadline = lease": {func(o *Options) { o.RenewDeadline = o.LeaseDuration }, "0 < --x-retry-period < --x-renew-deadline < --x-lease-duration"},
		"retry period = renew":   {func(o *Options) { o.RetryPeriod = o.RenewDeadline }, "--x-retry-period"},
		"no retry period":        {func(o *Options) { o.RetryPeriod = 0 }, "--x-retry-period"},
		// TestRegressionElectorRefusedTimingsStopTheStart: these passed Validate, and client-go's
		// elector then refused them at run time: the controller never ran, and only a log line
		// said so.
		"TestRegressionElectorRefusedTimingsStopTheStart": {func(o *Options) { o.RetryPeriod, o.RenewDeadline = 9*time.Second, 10*time.Second }, "--x-renew-deadline must be more than 1.2 × --x-retry-period"},
		"fractional lease duration":                       {func(o *Options) { o.LeaseDuration = 15500 * time.Millisecond }, "--x-lease-duration must be whole seconds"},
		"empty identity":                                  {func(o *Options) { o.Identity = "" }, "--x-leader-identity must not be empty"},
		"bad namespace":                                   {func(o *Options) { o.Namespace = "Not_A_Label" }, "--x-lease-namespace"},
		"bad lease name":                                  {func(o *Options) { o.Name = "" }, "--x-lease-name"},
	} {
		t.Run(name, func(t *testing.T) {
			o := NewOptions("x", "o2ims-system", "netweave-x")
			o.Identity = "me"
			tc.edit(o)
			errs := o.Validate()
			if tc.want == "" {
				if len(errs) > 0 {
					t.Errorf("errors %v, want none", errs)
				}
				return
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Errorf("errors %v, want one containing %q", errs, tc.want)
		})
	}
}
