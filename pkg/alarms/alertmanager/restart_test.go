package alertmanager

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/netweave-io/netweave/pkg/alarms"
)

// resyncSink records what a resync stated: the active observations and whether the alarms
// missing from them may be cleared.
type resyncSink struct {
	mu      sync.Mutex
	calls   int
	active  []alarms.Observation
	clears  bool
	scoped  alarms.Scope
	unknown bool
}

func (s *resyncSink) Observe(context.Context, alarms.Observation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unknown = true
	return nil
}

func (s *resyncSink) Sync(_ context.Context, _ string, active []alarms.Observation, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.active, s.clears, s.scoped = active, true, nil
	return nil
}

func (s *resyncSink) SyncScope(_ context.Context, _ string, active []alarms.Observation, _ time.Time, scope alarms.Scope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.active, s.clears, s.scoped = active, false, scope
	return nil
}

// fakeAlertmanager answers /api/v2/status with the start time started returns (one call per
// read) and /api/v2/alerts with alerts, filtered as Alertmanager filters by its receiver
// parameter (an anchored regular expression over the receivers each alert is routed to).
func fakeAlertmanager(t *testing.T, started func() time.Time, alerts models.GettableAlerts) *url.URL {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body any
		switch r.URL.Path {
		case "/api/v2/status":
			up := strfmt.DateTime(started())
			name := "01HPEER"
			body = models.AlertmanagerStatus{Uptime: &up, Cluster: &models.ClusterStatus{Name: name}}
		case "/api/v2/alerts":
			if !r.URL.Query().Has("receiver") {
				body = alerts
				break
			}
			filter, err := regexp.Compile("^(?:" + r.URL.Query().Get("receiver") + ")$")
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			out := models.GettableAlerts{}
			for _, a := range alerts {
				if slices.ContainsFunc(a.Receivers, func(rr *models.ReceiverReference) bool { return filter.MatchString(*rr.Name) }) {
					out = append(out, a)
				}
			}
			body = out
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// resyncSourceAt is the Alertmanager source of base, with a startup grace of 3 minutes, whose
// alerts are all about one O-Cloud.
func resyncSourceAt(t *testing.T, base *url.URL) *Source {
	t.Helper()
	src, err := NewSource(SourceConfig{URL: base, Client: http.DefaultClient, Interval: time.Minute, StartupGrace: 3 * time.Minute,
		Resolver: fixedResolver{alarms.ObjectRef{Class: "OCloud", ID: "c", Namespace: "o2ims-system"}}})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func gettableAlert(name, fingerprint string, startsAt time.Time) *models.GettableAlert {
	s, e, u := strfmt.DateTime(startsAt), strfmt.DateTime(startsAt.Add(time.Hour)), strfmt.DateTime(startsAt)
	state := models.AlertStatusStateActive
	return &models.GettableAlert{
		Alert:       models.Alert{Labels: models.LabelSet{"alertname": name, "severity": "major"}},
		Annotations: models.LabelSet{},
		Fingerprint: &fingerprint, StartsAt: &s, EndsAt: &e, UpdatedAt: &u,
		Receivers: []*models.ReceiverReference{},
		Status:    &models.AlertStatus{State: &state, InhibitedBy: []string{}, SilencedBy: []string{}, MutedBy: []string{}},
	}
}

// TestRegressionRestartedAlertmanagerClearsNoAlarm: Alertmanager keeps no alerts across a
// restart and has each again only once Prometheus sends it again (its resend delay, a minute by
// default). A resync that reached it in between read no alerts and cleared every alarm of the
// Alertmanager source; the same faults were raised again under new ids, unacknowledged, when
// the alerts came back. An Alertmanager younger than the startup grace now has what it holds
// raised and nothing cleared; one that answers as another process between the reads (a
// restart during the resync, another peer behind one Service) is not believed at all.
func TestRegressionRestartedAlertmanagerClearsNoAlarm(t *testing.T) {
	now := time.Now()
	firing := models.GettableAlerts{gettableAlert("KubeletDown", "1111111111111111", now.Add(-time.Hour))}
	for name, tc := range map[string]struct {
		started func() time.Time
		alerts  models.GettableAlerts
		result  string
		clears  bool
	}{
		"up for an hour: stated whole":        {func() time.Time { return now.Add(-time.Hour) }, firing, resyncSuccess, true},
		"up for a minute, empty: clears none": {func() time.Time { return now.Add(-time.Minute) }, nil, resyncRaiseOnly, false},
		"up for a minute: raises what it has": {func() time.Time { return now.Add(-time.Minute) }, firing, resyncRaiseOnly, false},
		"restarted during the read: not used": {restartedBetweenReads(now), firing, resyncFailure, false},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.alerts == nil {
				tc.alerts = models.GettableAlerts{}
			}
			base := fakeAlertmanager(t, tc.started, tc.alerts)
			src := resyncSourceAt(t, base)
			sink := &resyncSink{}
			result, err := src.Resync(t.Context(), sink)
			if result != tc.result || (err != nil) != (tc.result == resyncFailure) {
				t.Fatalf("Resync: %q, %v; want %q", result, err, tc.result)
			}
			if tc.result == resyncFailure {
				if sink.calls != 0 {
					t.Errorf("a read across two Alertmanager processes was stated to the recorder")
				}
				return
			}
			if sink.calls != 1 || sink.unknown || len(sink.active) != len(tc.alerts) || sink.clears != tc.clears {
				t.Fatalf("stated %d times, %d active, clears %v; want once, %d active, clears %v", sink.calls, len(sink.active), sink.clears, len(tc.alerts), tc.clears)
			}
			if !sink.clears && sink.scoped("2222222222222222", nil) {
				t.Errorf("a raise-only resync leaves another alarm in the scope it clears")
			}
		})
	}
}

// restartedBetweenReads is the start time of an Alertmanager that restarted after the first
// status read.
func restartedBetweenReads(now time.Time) func() time.Time {
	var reads atomic.Int32
	return func() time.Time {
		if reads.Add(1) == 1 {
			return now.Add(-time.Hour)
		}
		return now.Add(-time.Second)
	}
}

// TestRegressionAlertmanagerInAHalfHourZoneIsNotTakenForAnotherProcess: Alertmanager reports its
// start (/api/v2/status uptime) in its own local zone. Parsed, an offset that is not a whole hour
// (Asia/Kolkata's +05:30, Australia/Adelaide's +09:30, …) gets a zone of its own on every read,
// and the start times of the two status reads, compared with ==, never matched: every resync
// failed as "answered as another process", so no lost webhook was ever made good.
func TestRegressionAlertmanagerInAHalfHourZoneIsNotTakenForAnotherProcess(t *testing.T) {
	kolkata := time.FixedZone("IST", 5*60*60+30*60)
	started := time.Now().Add(-time.Hour).In(kolkata)
	firing := models.GettableAlerts{gettableAlert("KubeletDown", "1111111111111111", started)}
	base := fakeAlertmanager(t, func() time.Time { return started }, firing)
	src := resyncSourceAt(t, base)
	sink := &resyncSink{}
	result, err := src.Resync(t.Context(), sink)
	if result != resyncSuccess || err != nil {
		t.Fatalf("Resync: %q, %v; want %q", result, err, resyncSuccess)
	}
	if sink.calls != 1 || !sink.clears || len(sink.active) != 1 {
		t.Fatalf("stated %d times, %d active, clears %v; want once, 1 active, clears true", sink.calls, len(sink.active), sink.clears)
	}
}

// TestRegressionNullAlertListClearsEveryAlarm: an answer of null to /api/v2/alerts (not
// Alertmanager's: it answers [] when it has no alerts; a broken proxy's) decoded as an empty
// list, and the resync stated no active alerts, clearing every alarm of the source.
func TestRegressionNullAlertListClearsEveryAlarm(t *testing.T) {
	base := fakeAlertmanager(t, func() time.Time { return time.Now().Add(-time.Hour) }, nil)
	src := resyncSourceAt(t, base)
	sink := &resyncSink{}
	if result, err := src.Resync(t.Context(), sink); result != resyncFailure || err == nil {
		t.Errorf("Resync of a null alert list: %q, %v; want %q with an error", result, err, resyncFailure)
	}
	if sink.calls != 0 {
		t.Errorf("the null list was stated %d times (clears %v)", sink.calls, sink.clears)
	}
}
