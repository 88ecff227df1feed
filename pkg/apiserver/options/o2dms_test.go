package options

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/netweave-io/netweave/pkg/apiserver"
)

// TestO2DMSChartAllowedCIDRs: --o2dms-chart-allowed-cidrs is validated and reaches the
// controller's configuration, CIDRs and single addresses alike; nothing is allowed by default.
func TestO2DMSChartAllowedCIDRs(t *testing.T) {
	parse := func(args ...string) *O2DMSOptions {
		t.Helper()
		o := NewO2DMSOptions()
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(append([]string{"--o2dms-controller"}, args...)); err != nil {
			t.Fatal(err)
		}
		if err := o.Complete(); err != nil {
			t.Fatal(err)
		}
		return o
	}
	if errs := parse().Validate(); len(errs) != 0 {
		t.Fatalf("defaults: %v", errs)
	}
	if got := parse().Config(nil, apiserver.MemberSources{}).ChartAllowedPrefixes; len(got) != 0 {
		t.Errorf("allowed by default: %v", got)
	}
	o := parse("--o2dms-chart-allowed-cidrs=10.20.30.0/24,192.168.5.7")
	if errs := o.Validate(); len(errs) != 0 {
		t.Fatalf("valid CIDRs: %v", errs)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.20.30.0/24"), netip.MustParsePrefix("192.168.5.7/32")}
	if got := o.Config(nil, apiserver.MemberSources{}).ChartAllowedPrefixes; !slices.Equal(got, want) {
		t.Errorf("allowed %v, want %v", got, want)
	}
	errs := parse("--o2dms-chart-allowed-cidrs=bogus").Validate()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "--o2dms-chart-allowed-cidrs") {
		t.Errorf("bogus CIDR: %v", errs)
	}
}
