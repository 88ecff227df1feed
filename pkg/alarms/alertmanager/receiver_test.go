package alertmanager

import (
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/spf13/pflag"
)

// routedAlertmanager answers like Alertmanager's API v2: /api/v2/alerts filtered by the
// receiver parameter (an anchored regular expression over the receivers an alert is routed
// to), each alert routed to the receivers routes names.
func routedAlertmanager(t *testing.T, alerts models.GettableAlerts, routes map[string]string) *url.URL {
	t.Helper()
	for _, a := range alerts {
		a.Receivers = []*models.ReceiverReference{{Name: ptr(routes[*a.Fingerprint])}}
	}
	started := time.Now().Add(-time.Hour)
	return fakeAlertmanager(t, func() time.Time { return started }, alerts)
}

func ptr[T any](v T) *T { return &v }

// TestRegressionResyncRaisesAlertsRoutedToOtherReceivers: the webhook receives only the alerts
// Alertmanager routes to netweave's receiver, but the resync read every active alert of
// Alertmanager, whatever its route: an alert the operator routed elsewhere (kube-prometheus's
// ever-firing Watchdog to its null receiver, a tenant's alerts to the tenant's own receiver, as
// docs/alarms.md advises) was raised as an O-Cloud alarm by the resync and never cleared. With
// --alertmanager-receiver the resync reads only the alerts routed to that receiver; a name with
// regular-expression characters means itself.
func TestRegressionResyncRaisesAlertsRoutedToOtherReceivers(t *testing.T) {
	now := time.Now()
	alerts := models.GettableAlerts{
		gettableAlert("KubeletDown", "1111111111111111", now.Add(-time.Hour)),
		gettableAlert("Watchdog", "2222222222222222", now.Add(-time.Hour)),
		gettableAlert("TenantAppDown", "3333333333333333", now.Add(-time.Hour)),
		gettableAlert("OtherO2", "4444444444444444", now.Add(-time.Hour)),
	}
	base := routedAlertmanager(t, alerts, map[string]string{
		"1111111111111111": "o2.netweave",
		"2222222222222222": "null",
		"3333333333333333": "tenant-a",
		"4444444444444444": "o2xnetweave",
	})
	o := NewOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--alertmanager-url=" + base.String(), "--alertmanager-receiver=o2.netweave"}); err != nil {
		t.Fatalf("parse the flags: %v", err)
	}
	if errs := o.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	cfg, err := o.SourceConfig(fixedResolver{object}, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sink := &resyncSink{}
	if result, err := src.Resync(t.Context(), sink); result != resyncSuccess || err != nil {
		t.Fatalf("Resync: %q, %v; want %q", result, err, resyncSuccess)
	}
	var stated []string
	for _, o := range sink.active {
		stated = append(stated, o.Definition)
	}
	if len(stated) != 1 || stated[0] != "KubeletDown" {
		t.Errorf("the resync stated %v active; want only [KubeletDown], the alert routed to netweave's receiver", stated)
	}
}
