package retention

import (
	"strings"
	"testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// A purge may name its alarms in either case: validation (IsUUID, "either case") and the
// admission's reference check (unique.Key folds case) accept an upper-case alarmRecordId of an
// alarm of the namespace. The worker then compares the ids exactly, purges nothing and reports
// COMPLETED with purged 0: the SMO is told its cleared, acknowledged alarm is gone (202, then
// COMPLETED) while it is still listed.
func TestRegressionPurgeByUpperCaseIDPurgesTheAlarm(t *testing.T) {
	f := newFixture(t, record(tenantNS, idOld, 20*day, true),
		purge([]string{strings.ToUpper(idOld)}, nil, nil, v1alpha1.AlarmPurgeStatus{}))
	p := f.runPurge(t)
	if p.Status.OperationState != v1alpha1.PurgeOperationStateCompleted {
		t.Fatalf("state %s", p.Status.OperationState)
	}
	if f.exists(tenantNS, idOld) || p.Status.Purged != 1 {
		t.Errorf("purge naming %s: purged %d, alarm still stored: %v", strings.ToUpper(idOld), p.Status.Purged, f.exists(tenantNS, idOld))
	}
}
