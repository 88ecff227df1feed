package options

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestSMORegistrationOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "" for valid
	}{
		{nil, ""},
		{[]string{"--smo-registration-url=https://smo.example.net/register", "--smo-registration-allowed-cidrs=10.0.0.0/8"}, ""},
		{[]string{"--smo-registration-url=smo.example.net/register"}, "absolute http(s) URL"},
		{[]string{"--smo-registration-url=ftp://smo.example.net/"}, "absolute http(s) URL"},
		{[]string{"--smo-registration-allowed-cidrs=bogus"}, "--smo-registration-allowed-cidrs"},
		{[]string{"--smo-registration-retry-base=10s", "--smo-registration-retry-max=1s"}, "retry-max"},
		{[]string{"--smo-registration-client-cert-file=c.pem"}, "go together"},
	} {
		o := NewSMORegistrationOptions()
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if err := o.Complete(); err != nil {
			t.Fatal(err)
		}
		errs := o.Validate()
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		got := strings.Join(msgs, "; ")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%v: errors %q, want %q", tc.args, got, tc.want)
		}
		cfg := o.Config(nil, "https://o2ims.example.net")
		if (o.URL == "") != (cfg == nil) {
			t.Errorf("%v: config %+v", tc.args, cfg)
		}
	}
}
