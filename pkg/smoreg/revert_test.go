package smoreg

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// An operator typo in the OCloud (globalCloudId cleared), reverted: the O-Cloud's values are
// again the ones the SMO accepted, but the status keeps saying it is not announced (False),
// and nothing is ever sent again to correct it.
func TestRegressionRevertedEditLeavesStatusFalse(t *testing.T) {
	f := newFixture(t, 0, "")
	ctx := context.Background()
	f.a.Sync(ctx)
	f.edit(t, func(o *v1alpha1.OCloud) { o.Spec.GlobalCloudID = "" })
	f.a.Sync(ctx)
	f.edit(t, func(o *v1alpha1.OCloud) { o.Spec.GlobalCloudID = globalID })
	f.a.Sync(ctx)
	c := meta.FindStatusCondition(f.status(t).Conditions, v1alpha1.OCloudSMORegistered)
	if c == nil || c.Status != metav1.ConditionTrue {
		t.Fatalf("values back to the accepted ones, but condition %+v (sent %d announcements)", c, len(f.smo.received()))
	}
}

// globalCloudId changed to B, the SMO refuses B, the operator puts A back: A is announced
// again (the SMO may hold what it was last sent) and the status says what the SMO answered,
// instead of keeping B's failure (SMORegistered False, smoRegistration.globalCloudId B,
// consecutiveFailures 1) for good.
func TestRegressionRevertAfterFailedChangeLeavesStaleFailure(t *testing.T) {
	f := newFixture(t, 0, "")
	ctx := context.Background()
	f.a.Sync(ctx)
	f.smo.mu.Lock()
	f.smo.failFirst = 2 // the second POST (B) is refused
	f.smo.mu.Unlock()
	f.edit(t, func(o *v1alpha1.OCloud) { o.Spec.GlobalCloudID = otherID })
	f.a.Sync(ctx)
	if c := meta.FindStatusCondition(f.status(t).Conditions, v1alpha1.OCloudSMORegistered); c == nil || c.Status != metav1.ConditionFalse {
		t.Fatalf("B refused, but condition %+v", c)
	}
	f.edit(t, func(o *v1alpha1.OCloud) { o.Spec.GlobalCloudID = globalID })
	f.a.Sync(ctx)
	st := f.status(t)
	c := meta.FindStatusCondition(st.Conditions, v1alpha1.OCloudSMORegistered)
	if c == nil || c.Status != metav1.ConditionTrue || st.SMORegistration.GlobalCloudID != globalID {
		t.Fatalf("current values are the accepted ones, but condition %+v, smoRegistration %+v", c, st.SMORegistration)
	}
	if got := f.smo.received(); len(got) != 3 || got[2].GlobalCloudID != globalID {
		t.Fatalf("announcements %+v, want A, B (refused), A again", got)
	}
}

// The SMO accepts the retry, but the status write of that success fails once (an API server
// blip, a conflict storm): writeStatus says "the next change or attempt writes it again", yet
// a registered announcer never attempts again, so the stored status keeps the earlier failure
// for good.
func TestRegressionLostSuccessStatusWriteIsNeverRepaired(t *testing.T) {
	f := newFixture(t, 1, "")
	ctx := context.Background()
	f.a.Sync(ctx) // fails: status False
	failed := false
	f.client.PrependReactor("update", "oclouds", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "status" && !failed {
			failed = true
			return true, nil, apierrors.NewServiceUnavailable("blip")
		}
		return false, nil, nil
	})
	f.clk.Step(time.Second)
	f.a.Sync(ctx) // accepted; its status write lost
	for range 3 {
		f.clk.Step(time.Hour)
		f.a.Sync(ctx)
	}
	c := meta.FindStatusCondition(f.status(t).Conditions, v1alpha1.OCloudSMORegistered)
	if c == nil || c.Status != metav1.ConditionTrue {
		t.Fatalf("registered (%d POSTs, the last accepted), but the stored condition stays %+v", len(f.smo.received()), c)
	}
}
