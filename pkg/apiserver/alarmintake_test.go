package apiserver

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/alarmstest"
)

type fixedObject struct{ ref alarms.ObjectRef }

func (f fixedObject) Resolve(context.Context, map[string]string) (alarms.ObjectRef, error) {
	return f.ref, nil
}

// TestRegressionWebhookRecordedBeforeCachesSynced: at the start of a leadership term the
// webhook was connected before the term's caches had listed. A resolution then found no alarm
// to clear, was answered 204 and never sent again: the stored alarm stayed raised. Now the
// intake refuses every call with a retryable error (the webhook answers 500, Alertmanager
// re-sends) until the caches have synced, and passes them on once they have.
func TestRegressionWebhookRecordedBeforeCachesSynced(t *testing.T) {
	var synced atomic.Bool
	sink := alarmstest.NewSink()
	intake := &alarmIntake{}
	defer intake.lead(context.Background(), sink, fixedObject{}, synced.Load)()

	ctx := context.Background()
	resolved := alarms.Observation{Source: "alertmanager", Key: "aa11", Since: time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC)}
	if _, err := intake.Resolve(ctx, map[string]string{"alertname": "NodeDown"}); !errors.Is(err, errAlarmsNotSynced) {
		t.Errorf("resolve before the caches synced: %v, want %v", err, errAlarmsNotSynced)
	}
	if err := intake.Observe(ctx, resolved); !errors.Is(err, errAlarmsNotSynced) {
		t.Errorf("observe before the caches synced: %v, want %v", err, errAlarmsNotSynced)
	}
	if err := intake.Sync(ctx, "alertmanager", nil, time.Now()); !errors.Is(err, errAlarmsNotSynced) {
		t.Errorf("sync before the caches synced: %v, want %v", err, errAlarmsNotSynced)
	}
	if _, seen := sink.Latest("aa11"); seen || len(sink.Syncs()) != 0 {
		t.Fatal("the recorder was reached before the caches synced")
	}

	synced.Store(true)
	if err := intake.Observe(ctx, resolved); err != nil {
		t.Fatalf("observe once the caches synced: %v", err)
	}
	if _, seen := sink.Latest("aa11"); !seen {
		t.Error("the observation did not reach the recorder once the caches synced")
	}
}

// TestRegressionWebhookAfterTheTermEndedIsRefused: between the end of a leadership term (its
// context cancelled: the Lease may be another replica's soon) and the release of the intake
// (after the term's alarm side returned), a webhook call was passed to the term's recorder
// with its own request context, which the term's end cancels only from another goroutine
// (context.AfterFunc), after the recorder may have sent its write: a write of this replica
// after its term ended. Now a call is refused once the term's context is done.
func TestRegressionWebhookAfterTheTermEndedIsRefused(t *testing.T) {
	sink := alarmstest.NewSink()
	intake := &alarmIntake{}
	term, endTerm := context.WithCancel(context.Background())
	defer intake.lead(term, sink, fixedObject{}, func() bool { return true })()
	endTerm()

	o := alarms.Observation{Source: "alertmanager", Key: "bb22", Since: time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC)}
	if err := intake.Observe(context.Background(), o); !errors.Is(err, errNotAlarmLeader) {
		t.Errorf("observe after the term ended: %v, want %v", err, errNotAlarmLeader)
	}
	if err := intake.Sync(context.Background(), "alertmanager", nil, time.Now()); !errors.Is(err, errNotAlarmLeader) {
		t.Errorf("sync after the term ended: %v, want %v", err, errNotAlarmLeader)
	}
	if _, err := intake.Resolve(context.Background(), map[string]string{"alertname": "NodeDown"}); !errors.Is(err, errNotAlarmLeader) {
		t.Errorf("resolve after the term ended: %v, want %v", err, errNotAlarmLeader)
	}
	if _, seen := sink.Latest("bb22"); seen || len(sink.Syncs()) != 0 {
		t.Fatal("the term's recorder was reached after the term ended")
	}
}
