package inventory

import (
	"context"
	"fmt"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionSyncUpdateDropsOthersMetadata: when a Node changed, the sync replaced its
// Resource with the object it derived, which carries no finalizers, owner references or
// foreign labels: a backup tool's finalizer, an owner reference another controller had set
// and the labels an admin put there with kubectl vanished with the Node's next change, and
// an admin's label made the sync rewrite the object. The sync's update now keeps what others
// put on the object, changes only the labels and annotations of its own domain, and is not
// triggered by the others' keys.
func TestRegressionSyncUpdateDropsOthersMetadata(t *testing.T) {
	const id = "11111111-1111-5111-8111-111111111111"
	m := &memStore{objs: map[types.NamespacedName]*v1alpha1.O2Resource{}}
	ops := m.ops()
	w := writer{fieldManager: "test"}
	ctx := context.Background()
	if err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{desired("o2ims-system", "worker-1", id, v1alpha1.OperationalStateEnabled)}, nil); err != nil {
		t.Fatal(err)
	}
	k := types.NamespacedName{Namespace: "o2ims-system", Name: "worker-1"}
	stored := m.objs[k]
	stored.Finalizers = []string{"backup.example.com/hold"}
	stored.OwnerReferences = []metav1.OwnerReference{{APIVersion: "example.com/v1", Kind: "Thing", Name: "t", UID: "u-1"}}
	stored.Labels["team"] = "radio"
	stored.Labels[v1alpha1.GroupName+"/stale"] = "x"
	stored.Annotations["note"] = "hand-written"

	// Only the others' keys differ: nothing to write.
	delete(stored.Labels, v1alpha1.GroupName+"/stale")
	m.writes = nil
	existing, _ := ops.list()
	if err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{desired("o2ims-system", "worker-1", id, v1alpha1.OperationalStateEnabled)}, existing); err != nil {
		t.Fatal(err)
	}
	if len(m.writes) != 0 {
		t.Errorf("writes %v, want none: only others' labels and annotations differ", m.writes)
	}

	// A key of the sync's own domain it does not set is removed; the Node changed.
	stored.Labels[v1alpha1.GroupName+"/stale"] = "x"
	d := desired("o2ims-system", "worker-1", id, v1alpha1.OperationalStateEnabled)
	d.Spec.Description = "the node changed"
	m.writes = nil
	existing, _ = ops.list()
	if err := syncKind(ctx, w, ops, []*v1alpha1.O2Resource{d}, existing); err != nil {
		t.Fatal(err)
	}
	if want := "[update o2ims-system/worker-1]"; fmt.Sprint(m.writes) != want {
		t.Fatalf("writes %v, want %s", m.writes, want)
	}
	got := m.objs[k]
	if got.Spec.Description != "the node changed" {
		t.Errorf("spec not updated: %+v", got.Spec)
	}
	if !slices.Equal(got.Finalizers, []string{"backup.example.com/hold"}) {
		t.Errorf("finalizers %v, want the backup tool's kept", got.Finalizers)
	}
	if len(got.OwnerReferences) != 1 || got.OwnerReferences[0].UID != "u-1" {
		t.Errorf("owner references %v, want the other controller's kept", got.OwnerReferences)
	}
	if got.Labels["team"] != "radio" || got.Annotations["note"] != "hand-written" {
		t.Errorf("labels %v annotations %v, want the admin's kept", got.Labels, got.Annotations)
	}
	if _, ok := got.Labels[v1alpha1.GroupName+"/stale"]; ok || !IsManaged(got) {
		t.Errorf("labels %v: want the sync's own domain exactly as it derives it", got.Labels)
	}
	if got.Annotations[v1alpha1.AnnotationSource] != "Node/worker-1" {
		t.Errorf("annotations %v: the source annotation lost", got.Annotations)
	}
}

func TestSameOwnedKeys(t *testing.T) {
	own := v1alpha1.GroupName + "/a"
	for _, c := range []struct {
		want, have map[string]string
		same       bool
	}{
		{nil, nil, true},
		{map[string]string{own: "1"}, map[string]string{own: "1", "x": "y"}, true},
		{map[string]string{own: "1"}, map[string]string{own: "2"}, false},
		{map[string]string{own: "1"}, map[string]string{"x": "y"}, false},
		{nil, map[string]string{own: "1"}, false},
		{map[string]string{"plain": "1"}, map[string]string{"plain": "1"}, true},
		{map[string]string{"plain": "1"}, map[string]string{"plain": "2"}, false},
	} {
		if got := sameOwnedKeys(c.want, c.have); got != c.same {
			t.Errorf("sameOwnedKeys(%v, %v) = %v, want %v", c.want, c.have, got, c.same)
		}
	}
}
