package inventory

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
)

// TestRegressionRestartKeepsClusterReachableTransitionTime: a member's reachability is
// recorded in memory with the time it was first checked, and the sync wrote the
// DeploymentManager's status wholesale. So every restart of netweave (or change of leader)
// moved the lastTransitionTime of a ClusterReachable condition whose status had not changed
// to the restart: `kubectl describe` said the member had been reachable for minutes when it
// had been for weeks. Kubernetes' conventions change lastTransitionTime only when the status
// changes.
func TestRegressionRestartKeepsClusterReachableTransitionTime(t *testing.T) {
	weeksAgo := metav1.NewTime(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC))
	restart := metav1.NewTime(time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC))
	cond := func(status metav1.ConditionStatus, at metav1.Time, msg string) []metav1.Condition {
		return []metav1.Condition{{Type: v1alpha1.DeploymentManagerClusterReachable, Status: status,
			Reason: v1alpha1.ReasonClusterReachable, Message: msg, LastTransitionTime: at}}
	}
	live := &v1alpha1.DeploymentManager{
		ObjectMeta: metav1.ObjectMeta{Name: "edge-1", Namespace: "o2ims-system", ResourceVersion: "7"},
		Spec:       v1alpha1.DeploymentManagerSpec{DeploymentManagerID: "39c85e74-2e98-4e3d-8fec-e5a849d967c6", Name: "edge-1"},
		Status: v1alpha1.DeploymentManagerStatus{OperationalState: v1alpha1.OperationalStateEnabled,
			Conditions: cond(metav1.ConditionTrue, weeksAgo, "the cluster's API server answers")},
	}
	client := fake.NewSimpleClientset(live.DeepCopy())
	kinds := newO2Kinds(client, nil)
	ctx := context.Background()
	get := func() *metav1.Condition {
		t.Helper()
		dm, err := client.O2imsV1alpha1().DeploymentManagers(live.Namespace).Get(ctx, live.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return meta.FindStatusCondition(dm.Status.Conditions, v1alpha1.DeploymentManagerClusterReachable)
	}

	// After the restart: still reachable, checked just now.
	desired := live.DeepCopy()
	desired.Status.Conditions = cond(metav1.ConditionTrue, restart, "the cluster's API server answers")
	cur := live.DeepCopy()
	if err := ensure(ctx, writer{}, kinds.managers, desired, &cur); err != nil {
		t.Fatal(err)
	}
	if c := get(); c == nil || !c.LastTransitionTime.Equal(&weeksAgo) {
		t.Errorf("ClusterReachable after a restart with no change of status: %+v, want lastTransitionTime %s", c, weeksAgo)
	}
	if desired.Status.Conditions[0].LastTransitionTime != restart {
		t.Errorf("the desired object, the adapter's, was changed: %+v", desired.Status.Conditions[0])
	}

	// A real transition still moves it.
	down := cond(metav1.ConditionFalse, restart, "connection failed")
	down[0].Reason = v1alpha1.ReasonClusterUnreachable
	desired = live.DeepCopy()
	desired.Status.Conditions = down
	cur = live.DeepCopy()
	if err := ensure(ctx, writer{}, kinds.managers, desired, &cur); err != nil {
		t.Fatal(err)
	}
	if c := get(); c == nil || c.Status != metav1.ConditionFalse || !c.LastTransitionTime.Equal(&restart) {
		t.Errorf("ClusterReachable after the member went down: %+v, want False since %s", c, restart)
	}
}
