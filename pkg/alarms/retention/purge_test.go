package retention

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

const taskID = "7e0c2b1a-9d8f-4e6b-a5c4-3b2a19087f6e"

func purge(ids []string, from, to *metav1.Time, status v1alpha1.AlarmPurgeStatus) *v1alpha1.AlarmPurge {
	p := &v1alpha1.AlarmPurge{
		ObjectMeta: metav1.ObjectMeta{Namespace: tenantNS, Name: "purge-1", ResourceVersion: "1"},
		Spec:       v1alpha1.AlarmPurgeSpec{TaskID: taskID, AlarmRecordIDs: ids},
		Status:     status,
	}
	if to != nil {
		p.Spec.PurgeConditions = &v1alpha1.PurgeConditions{StartWindowTime: from, EndWindowTime: *to}
	}
	return p
}

func at(ago float64) *metav1.Time {
	t := metav1.NewTime(t0.Add(-durationDays(ago)))
	return &t
}

func (f *fixture) runPurge(t *testing.T) *v1alpha1.AlarmPurge {
	t.Helper()
	f.refresh()
	if err := f.c.syncPurge(context.Background(), tenantNS+"/purge-1"); err != nil {
		t.Fatal(err)
	}
	p, err := f.o2.O2imsV1alpha1().AlarmPurges(tenantNS).Get(context.Background(), "purge-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// statusStates lists the operationStates the worker wrote, in order.
func (f *fixture) statusStates() []v1alpha1.PurgeOperationState {
	var out []v1alpha1.PurgeOperationState
	for _, a := range f.o2.Actions() {
		if u, ok := a.(k8stesting.UpdateAction); ok && a.GetSubresource() == "status" && a.GetResource().Resource == "alarmpurges" {
			out = append(out, u.GetObject().(*v1alpha1.AlarmPurge).Status.OperationState)
		}
	}
	return out
}

func TestPurgeByIDsAndWindow(t *testing.T) {
	f := newFixture(t,
		record(tenantNS, idOld, 20*day, true),      // named
		record(tenantNS, idUnacked, 20*day, false), // named, not acknowledged
		record(tenantNS, idRecent, 10*day, true),   // in the window
		record(tenantNS, idOutside, 2*day, true),   // cleared after the window
		record(otherNS, idOtherNS, 10*day, true),   // in the window, another namespace
		purge([]string{idOld, idUnacked}, at(12), at(5), v1alpha1.AlarmPurgeStatus{}))
	p := f.runPurge(t)

	if f.exists(tenantNS, idOld) || f.exists(tenantNS, idRecent) {
		t.Error("selected alarms kept")
	}
	for _, r := range [][2]string{{tenantNS, idUnacked}, {tenantNS, idOutside}, {otherNS, idOtherNS}} {
		if !f.exists(r[0], r[1]) {
			t.Errorf("alarm %s/%s purged", r[0], r[1])
		}
	}
	if s := p.Status; s.OperationState != v1alpha1.PurgeOperationStateCompleted || s.Purged != 2 ||
		s.StartTime == nil || s.StateEnteredTime == nil || s.Message != "" {
		t.Errorf("status %+v", s)
	}
	if got := f.statusStates(); len(got) != 2 || got[0] != v1alpha1.PurgeOperationStateProcessing || got[1] != v1alpha1.PurgeOperationStateCompleted {
		t.Errorf("status writes %v, want PROCESSING then COMPLETED", got)
	}
}

func TestPurgeResumesAfterRestart(t *testing.T) {
	// The previous run purged idOld and recorded it, then stopped before completing.
	started := at(0)
	f := newFixture(t,
		record(tenantNS, idRecent, 10*day, true),
		purge([]string{idOld, idRecent}, nil, nil, v1alpha1.AlarmPurgeStatus{
			OperationState: v1alpha1.PurgeOperationStateProcessing, StartTime: started, StateEnteredTime: started, Purged: 1}))
	p := f.runPurge(t)
	if f.exists(tenantNS, idRecent) {
		t.Error("remaining alarm kept")
	}
	if s := p.Status; s.OperationState != v1alpha1.PurgeOperationStateCompleted || s.Purged != 2 || !s.StartTime.Equal(started) {
		t.Errorf("status %+v", s)
	}
	// A finished task is left alone.
	before := len(f.o2.Actions())
	f.runPurge(t)
	if got := f.statusStates(); len(got) != 1 {
		t.Errorf("finished task written again: %v (%d actions before)", got, before)
	}
}

func TestPurgeFailsAfterItsAttempts(t *testing.T) {
	f := newFixture(t, record(tenantNS, idOld, 20*day, true), purge([]string{idOld}, nil, nil, v1alpha1.AlarmPurgeStatus{}))
	f.o2.PrependReactor("delete", "alarmeventrecords", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInternalError(errString("storage down"))
	})
	f.refresh()
	// The first attempt fails and is retried; the last one marks the task FAILED.
	if err := f.c.syncPurge(context.Background(), tenantNS+"/purge-1"); err == nil {
		t.Fatal("first attempt succeeded")
	}
	f.c.purgeQ.AddRateLimited(tenantNS + "/purge-1")
	p := f.runPurge(t)
	if s := p.Status; s.OperationState != v1alpha1.PurgeOperationStateFailed || s.Message == "" || s.StateEnteredTime == nil {
		t.Errorf("status %+v", s)
	}
	if !f.exists(tenantNS, idOld) {
		t.Error("alarm gone")
	}
}
