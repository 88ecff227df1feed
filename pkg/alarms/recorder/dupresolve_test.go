package recorder

import (
	"context"
	"testing"
	"time"
)

// TestRegressionDuplicateResolutionSuppressesRestoredFiring: the resolution of a raised alert
// arrives twice (both HA Alertmanager peers send it). The duplicate finds nothing to clear and
// left a tombstone; the alert then fired again with its old start (Prometheus restored its
// state), which TestFiringAgainWithTheOldStartAfterAResolutionIsRaised raises, and was dropped
// as "reported ended".
func TestRegressionDuplicateResolutionSuppressesRestoredFiring(t *testing.T) {
	fx, firing := firingAlert(t)
	ctx := context.Background()
	fx.clock.SetTime(fx.clock.Now().Add(5 * time.Minute))
	resolved := firing
	resolved.Active, resolved.Since, resolved.Started = false, fx.clock.Now(), firing.Since
	for range 2 {
		if err := fx.rec.Observe(ctx, resolved); err != nil {
			t.Fatal(err)
		}
	}
	fx.clock.SetTime(fx.clock.Now().Add(time.Minute))
	if err := fx.rec.Observe(ctx, firing); err != nil {
		t.Fatal(err)
	}
	if act := fx.active(); len(act) != 1 {
		t.Fatalf("%d active alarms after the alert fired again, want 1", len(act))
	}
}
