package retention

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// Record ids: UUIDs, as the API requires.
const (
	idOld     = "0d5a1c4e-1111-4a5b-8c6d-000000000001"
	idUnacked = "0d5a1c4e-1111-4a5b-8c6d-000000000002"
	idRecent  = "0d5a1c4e-1111-4a5b-8c6d-000000000003"
	idActive  = "0d5a1c4e-1111-4a5b-8c6d-000000000004"
	idOtherNS = "0d5a1c4e-1111-4a5b-8c6d-000000000005"
	idOutside = "0d5a1c4e-1111-4a5b-8c6d-000000000006"
	tenantNS  = "tenant-a"
	otherNS   = "tenant-b"
)

func TestRetentionPurgesOnlyClearedAndAcknowledgedPastThePeriod(t *testing.T) {
	f := newFixture(t, config(14),
		record(tenantNS, idOld, 20*day, true),
		record(tenantNS, idUnacked, 20*day, false),
		record(tenantNS, idRecent, 10*day, true),
		record(tenantNS, idActive, 0, true))
	f.refresh()
	next, err := f.c.syncRetention(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.exists(tenantNS, idOld) {
		t.Error("cleared, acknowledged alarm past the period kept")
	}
	for _, id := range []string{idUnacked, idRecent, idActive} {
		if !f.exists(tenantNS, id) {
			t.Errorf("alarm %s purged", id)
		}
	}
	// The next pass is due when the recent alarm's period ends, and then purges it.
	if next != 4*day {
		t.Fatalf("next pass in %v, want 4 days", next)
	}
	f.clock.Step(next)
	f.refresh()
	if next, err = f.c.syncRetention(context.Background()); err != nil || next != 0 {
		t.Fatalf("second pass: next %v, err %v", next, err)
	}
	if f.exists(tenantNS, idRecent) || !f.exists(tenantNS, idUnacked) {
		t.Error("second pass purged the wrong alarms")
	}
}

func TestRetentionEnsuresTheDefaultConfiguration(t *testing.T) {
	f := newFixture(t)
	f.refresh()
	if _, err := f.c.syncRetention(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg, err := f.o2.O2imsV1alpha1().AlarmServiceConfigurations().Get(context.Background(), configName, metav1.GetOptions{})
	if err != nil || cfg.Spec.RetentionPeriod == nil || *cfg.Spec.RetentionPeriod != v1alpha1.DefaultAlarmRetentionDays {
		t.Fatalf("configuration %+v, err %v", cfg, err)
	}

	// An operator's value is never overwritten, even when the cache has not seen it yet.
	g := newFixture(t, config(3))
	if _, err := g.c.syncRetention(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, a := range g.o2.Actions() {
		if a.GetResource().Resource == "alarmserviceconfigurations" && (a.GetVerb() == "update" || a.GetVerb() == "patch") {
			t.Errorf("configuration written: %v", a)
		}
	}
}

func TestConcurrentChangeWinsOverRetention(t *testing.T) {
	f := newFixture(t, config(14), record(tenantNS, idOld, 20*day, true), record(tenantNS, idUnacked, 20*day, true))
	f.refresh()
	// Behind the cache's back, one alarm is raised again (no longer cleared) and the other is
	// changed but still purgeable: the first is kept, the second judged again and purged.
	ctx := context.Background()
	client := f.o2.O2imsV1alpha1().AlarmEventRecords(tenantNS)
	raised := record(tenantNS, idOld, 0, true)
	raised.ResourceVersion = "2"
	changed := record(tenantNS, idUnacked, 20*day, true)
	changed.ResourceVersion = "2"
	changed.Status.Text = "edited"
	for _, r := range []*v1alpha1.AlarmEventRecord{raised, changed} {
		if _, err := client.UpdateStatus(ctx, r, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.c.syncRetention(ctx); err != nil {
		t.Fatal(err)
	}
	if !f.exists(tenantNS, idOld) {
		t.Error("alarm raised again was purged on the cache's stale view")
	}
	if f.exists(tenantNS, idUnacked) {
		t.Error("alarm still purgeable at its new version kept")
	}
}

// TestLoweringRetentionPurgesAtOnce runs the controller: the configuration's informer event,
// not a timer, triggers the purge.
func TestLoweringRetentionPurgesAtOnce(t *testing.T) {
	f := newFixture(t, config(14), record(tenantNS, idRecent, 10*day, true))
	configsWatched := f.watching("alarmserviceconfigurations")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		f.inf.Shutdown()
	})
	// The configuration is lowered only once the controller watches it, so the change reaches
	// it as an event (what the test is about) rather than being lost between list and watch.
	select {
	case <-configsWatched:
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("the controller never watched the alarm service configuration")
	}
	waitFor(t, func() bool { return f.inf.O2ims().V1alpha1().AlarmEventRecords().Informer().HasSynced() })
	if !f.exists(tenantNS, idRecent) {
		t.Fatal("alarm within the period purged")
	}
	if _, err := f.o2.O2imsV1alpha1().AlarmServiceConfigurations().Update(ctx, config(7), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !f.exists(tenantNS, idRecent) })
}

// waitFor polls cond: the controller runs in its own goroutines.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, wait.ForeverTestTimeout, true,
		func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatal(err)
	}
}
