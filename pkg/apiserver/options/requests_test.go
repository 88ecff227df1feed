package options

import (
	"testing"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	genericapiserver "k8s.io/apiserver/pkg/server"
)

// TestRequestFlags: the request bounds are settable with upstream's names and reach the
// server's config; the rest of ServerRunOptions is not offered.
func TestRequestFlags(t *testing.T) {
	o := NewRequestOptions()
	fs := pflag.NewFlagSet("netweave", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--request-timeout=15s", "--min-request-timeout=300", "--max-requests-inflight=40", "--max-mutating-requests-inflight=20"}); err != nil {
		t.Fatal(err)
	}
	if errs := o.Validate(); len(errs) != 0 {
		t.Fatalf("valid flags refused: %v", errs)
	}
	c := genericapiserver.NewConfig(serializer.CodecFactory{})
	o.ApplyTo(c)
	if c.RequestTimeout != 15*time.Second || c.MinRequestTimeout != 300 || c.MaxRequestsInFlight != 40 || c.MaxMutatingRequestsInFlight != 20 {
		t.Errorf("config: timeout %s, min %d, in flight %d/%d", c.RequestTimeout, c.MinRequestTimeout, c.MaxRequestsInFlight, c.MaxMutatingRequestsInFlight)
	}
	for _, name := range []string{"emulated-version", "cors-allowed-origins", "advertise-address", "goaway-chance", "feature-gates"} {
		if fs.Lookup(name) != nil {
			t.Errorf("--%s is offered", name)
		}
	}
}

func TestRequestFlagsValidation(t *testing.T) {
	for _, args := range [][]string{{"--request-timeout=0s"}, {"--request-timeout=-1s"}, {"--max-requests-inflight=-1"}, {"--min-request-timeout=-5"}} {
		o := NewRequestOptions()
		fs := pflag.NewFlagSet("netweave", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if errs := o.Validate(); len(errs) == 0 {
			t.Errorf("%v accepted", args)
		}
	}
}
