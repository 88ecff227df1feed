package alertmanager

import (
	"strings"
	"testing"
	"time"
)

func TestOptionsRefuseWhatCannotReachAlertmanager(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want string // substring of the error; empty: valid
	}{
		{"off", Options{ResyncInterval: time.Minute}, ""},
		{"https", Options{URL: "https://alertmanager.monitoring:9093/am", CAFile: "/ca.crt", BearerTokenFile: "/token", ResyncInterval: time.Minute}, ""},
		{"relative URL", Options{URL: "alertmanager:9093", ResyncInterval: time.Minute}, "--alertmanager-url"},
		{"query in URL", Options{URL: "http://am:9093/?active=false", ResyncInterval: time.Minute}, "query"},
		{"credentials without URL", Options{BearerTokenFile: "/token", ResyncInterval: time.Minute}, "need --alertmanager-url"},
		{"zero interval", Options{URL: "http://am:9093"}, "--alertmanager-resync-interval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := tc.o.Validate()
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Errorf("valid options refused: %v", errs)
			case tc.want != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), tc.want)):
				t.Errorf("errors %v, want one with %q", errs, tc.want)
			}
		})
	}
}

func TestOptionsEnableTheResyncOnlyWithAURL(t *testing.T) {
	o := NewOptions()
	if err := o.Complete(); err != nil || o.Enabled() {
		t.Fatalf("default options: enabled=%v err=%v, want disabled", o.Enabled(), err)
	}
	o.URL = "http://alertmanager.monitoring:9093"
	if err := o.Complete(); err != nil || !o.Enabled() {
		t.Fatalf("with a URL: enabled=%v err=%v", o.Enabled(), err)
	}
	cfg, err := o.SourceConfig(fixedResolver{object}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL.String() != o.URL || cfg.Interval != 5*time.Minute || cfg.Client == nil {
		t.Errorf("source config %+v", cfg)
	}
}
