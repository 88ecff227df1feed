package retention

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionPurgeCountSurvivesAFailedCompletion: a purge task deletes its alarms, then the
// status write that reports it COMPLETED with the count fails (Redis refusing: 503). The retry
// finds the alarms gone and nothing left to delete, and reported COMPLETED with purged 0: the
// SMO was told nothing was purged although every alarm it selected was deleted. The count is
// carried to the retry.
func TestRegressionPurgeCountSurvivesAFailedCompletion(t *testing.T) {
	f := newFixture(t,
		record(tenantNS, idOld, 20*day, true),
		record(tenantNS, idRecent, 10*day, true),
		purge([]string{idOld}, at(12), at(5), v1alpha1.AlarmPurgeStatus{}))
	failed := false
	f.o2.PrependReactor("update", "alarmpurges", func(a k8stesting.Action) (bool, runtime.Object, error) {
		u := a.(k8stesting.UpdateAction)
		if a.GetSubresource() == "status" && !failed &&
			u.GetObject().(*v1alpha1.AlarmPurge).Status.OperationState == v1alpha1.PurgeOperationStateCompleted {
			failed = true
			return true, nil, apierrors.NewServiceUnavailable("redis: LOADING")
		}
		return false, nil, nil
	})
	f.refresh()
	if err := f.c.syncPurge(context.Background(), tenantNS+"/purge-1"); err == nil {
		t.Fatal("the failed completion was not returned, so the task would not be retried")
	}
	if f.exists(tenantNS, idOld) || f.exists(tenantNS, idRecent) {
		t.Fatal("selected alarms kept")
	}
	// The retry, once the caches have the deletions.
	p := f.runPurge(t)
	if s := p.Status; s.OperationState != v1alpha1.PurgeOperationStateCompleted || s.Purged != 2 {
		t.Errorf("status %+v, want COMPLETED with purged 2", s)
	}
}
