package inventory

import (
	"context"
	"errors"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionNodeResourceDeletedWhenItsNewNameIsTaken: a tenant of a node pool namespace
// had a hand-made Resource named like a Node (worker-1); when a pool there claimed the Node,
// the sync deleted the Node's Resource in the inventory namespace to move it, the create next
// to the tenant's object was refused (AlreadyExists, not ours), and the Node vanished from the
// inventory, on every pass, until someone renamed the tenant's object. A move whose target
// name another object holds is now not started: the Node's Resource stays where it is and the
// taken name is reported.
func TestRegressionNodeResourceDeletedWhenItsNewNameIsTaken(t *testing.T) {
	const (
		id     = "11111111-1111-5111-8111-111111111111"
		handID = "33333333-3333-4333-8333-333333333333"
	)
	hand := &v1alpha1.O2Resource{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-b", Name: "worker-1", ResourceVersion: "0"},
		Spec:       v1alpha1.ResourceSpec{ResourceID: handID, Description: "the tenant's own"},
	}
	m := &memStore{objs: map[types.NamespacedName]*v1alpha1.O2Resource{keyOf(hand): hand.DeepCopy()}}
	ops := m.ops()
	w := writer{fieldManager: "test"}
	ctx := context.Background()
	synced := desired("o2ims-system", "worker-1", id, v1alpha1.OperationalStateEnabled)
	if err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{synced}, nil); err != nil {
		t.Fatal(err)
	}
	for pass := range 3 {
		m.writes = nil
		existing, _ := ops.list()
		err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{desired("tenant-b", "worker-1", id, v1alpha1.OperationalStateEnabled)}, existing)
		if !errors.Is(err, errNotManaged) {
			t.Errorf("pass %d: err %v, want the taken name reported", pass, err)
		}
		if len(m.writes) != 0 {
			t.Errorf("pass %d: writes %v, want none", pass, m.writes)
		}
		if got := m.objs[keyOf(synced)]; got == nil || got.Spec.ResourceID != id || !IsManaged(got) {
			t.Fatalf("pass %d: the Node's Resource in the inventory namespace is %+v, want it kept", pass, got)
		}
		if got := m.objs[keyOf(hand)]; got.ResourceVersion != "0" || IsManaged(got) || got.Spec.ResourceID != handID {
			t.Fatalf("pass %d: the tenant's object changed: %+v", pass, got)
		}
	}
	// Once the name is free, the move happens.
	delete(m.objs, keyOf(hand))
	m.writes = nil
	existing, _ := ops.list()
	if err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{desired("tenant-b", "worker-1", id, v1alpha1.OperationalStateEnabled)}, existing); err != nil {
		t.Fatal(err)
	}
	if want := "[delete o2ims-system/worker-1 create tenant-b/worker-1 status tenant-b/worker-1]"; fmt.Sprint(m.writes) != want {
		t.Errorf("after the name was freed: writes %v, want %s", m.writes, want)
	}
}

// TestRegressionTerminatingObjectDeletedEveryPass: a synced object that was being deleted but
// held by a finalizer someone else had added (a tenant may add finalizers to the Resources in
// its node pool namespace) was deleted again on every pass, logged as deleted and counted in
// netweave_inventory_writes_total{verb="delete"} each time, for as long as the finalizer
// stayed. An object already being deleted is now left to finish.
func TestRegressionTerminatingObjectDeletedEveryPass(t *testing.T) {
	const id = "11111111-1111-5111-8111-111111111111"
	m := &memStore{objs: map[types.NamespacedName]*v1alpha1.O2Resource{}}
	ops := m.ops()
	w := writer{fieldManager: "test"}
	ctx := context.Background()
	if err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{desired("tenant-b", "worker-1", id, v1alpha1.OperationalStateEnabled)}, nil); err != nil {
		t.Fatal(err)
	}
	k := types.NamespacedName{Namespace: "tenant-b", Name: "worker-1"}
	now := metav1.Now()
	m.objs[k].DeletionTimestamp = &now
	m.objs[k].Finalizers = []string{"example.com/hold"}
	for pass := range 3 {
		m.writes = nil
		existing, _ := ops.list()
		_ = syncKind(ctx, w, ops, nil, existing)
		if len(m.writes) != 0 {
			t.Errorf("pass %d: writes %v, want none: the object is already being deleted", pass, m.writes)
		}
	}
}
