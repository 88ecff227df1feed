package smoreg

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionSMORegisteredObservedGenerationFollowsEdits: an edit of the OCloud that
// changes nothing announced (its name or description) bumps metadata.generation, and the
// SMORegistered condition kept the generation of the last announcement. `kubectl wait
// --for=condition=SMORegistered ocloud/default` (and any tool that reads observedGeneration as
// Kubernetes' conventions say) ignores a condition older than the object's generation, so it
// waited forever although the O-Cloud stayed registered.
func TestRegressionSMORegisteredObservedGenerationFollowsEdits(t *testing.T) {
	f := newFixture(t, 0, "")
	ctx := context.Background()
	f.a.Sync(ctx)
	// The informer then sees the status the announcer wrote, and the admin's edit.
	stored := f.status(t)
	f.edit(t, func(o *v1alpha1.OCloud) {
		o.Status = stored
		o.Spec.Description = "edited by the admin"
		o.Generation = 2
	})
	f.a.Sync(ctx)

	if n := len(f.smo.received()); n != 1 {
		t.Fatalf("%d announcements, want 1: nothing announced changed", n)
	}
	c := meta.FindStatusCondition(f.status(t).Conditions, v1alpha1.OCloudSMORegistered)
	if c == nil || c.ObservedGeneration != 2 {
		t.Fatalf("SMORegistered after an edit to generation 2: %+v, want observedGeneration 2", c)
	}
	if want := meta.FindStatusCondition(stored.Conditions, v1alpha1.OCloudSMORegistered); !c.LastTransitionTime.Equal(&want.LastTransitionTime) || c.Status != want.Status {
		t.Errorf("the condition's status did not change, yet it became %+v (was %+v)", c, want)
	}
}
