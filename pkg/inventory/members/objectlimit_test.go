package members

import (
	"context"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionMemberNodesUnbounded: every Node a member reported became a Resource in the
// inventory (and its labels pools), however many: a tenant's member may be a server the tenant
// runs, and one reporting a million Nodes filled netweave's memory and Redis, for every tenant.
// A member's inventory now holds at most Config.MaxNodes Nodes; its DeploymentManager says
// when Nodes are left out, and a Node left out is admitted once there is room.
func TestRegressionMemberNodesUnbounded(t *testing.T) {
	ctx := context.Background()
	r := newRigWith(t, func(c *Config) { c.MaxNodes = 2 },
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "edge-1-kubeconfig", Namespace: invNS,
			Labels: map[string]string{v1alpha1.LabelMemberCluster: "true"}}, Data: map[string][]byte{"value": []byte("kubeconfig of edge-1")}})
	res := r.o2.O2imsV1alpha1().O2Resources(invNS)
	resources := func() ([]string, error) {
		list, err := res.List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		var names []string
		for _, o := range list.Items {
			if o.Labels[v1alpha1.LabelCluster] == "edge-1" {
				names = append(names, o.Name)
			}
		}
		slices.Sort(names)
		return names, nil
	}
	complete := func() (*metav1.Condition, error) {
		dm, err := r.manager()
		if err != nil {
			return nil, err
		}
		return meta.FindStatusCondition(dm.Status.Conditions, v1alpha1.DeploymentManagerInventoryComplete), nil
	}
	r.eventually("the member's Node synced", func() error {
		names, err := resources()
		if err != nil || !slices.Equal(names, []string{"edge-1-n1"}) {
			return fmt.Errorf("resources %v (%v)", names, err)
		}
		return nil
	})
	node := func(name string) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)}}
	}
	for _, n := range []string{"n2", "n3"} {
		if _, err := r.member.CoreV1().Nodes().Create(ctx, node(n), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r.eventually("the DeploymentManager says Nodes are left out", func() error {
		c, err := complete()
		if err != nil {
			return err
		}
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonTooManyNodes {
			return fmt.Errorf("InventoryComplete %+v", c)
		}
		return nil
	})
	r.eventually("two Nodes in the inventory", func() error {
		names, err := resources()
		if err != nil || !slices.Equal(names, []string{"edge-1-n1", "edge-1-n2"}) {
			return fmt.Errorf("resources %v (%v)", names, err)
		}
		return nil
	})
	if _, err := res.Get(ctx, "edge-1-n3", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the Node past the limit in the inventory: %v", err)
	}

	// One goes; the one left out is admitted by its next change, and nothing is left out.
	if err := r.member.CoreV1().Nodes().Delete(ctx, "n1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	n3 := node("n3")
	n3.Labels = map[string]string{"changed": "yes"}
	if _, err := r.member.CoreV1().Nodes().Update(ctx, n3, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the Node left out admitted", func() error {
		names, err := resources()
		if err != nil || !slices.Equal(names, []string{"edge-1-n2", "edge-1-n3"}) {
			return fmt.Errorf("resources %v (%v)", names, err)
		}
		if c, err := complete(); err != nil || c != nil {
			return fmt.Errorf("InventoryComplete %+v (%v)", c, err)
		}
		return nil
	})
}

// TestNodeLimitWatchList: with a stream of initial events (watch-list) instead of a list, the
// admitted set starts over and the limit is settled by the initial-events-end bookmark; a
// Node left out and deleted is no longer counted.
func TestNodeLimitWatchList(t *testing.T) {
	l := newNodeLimit(2)
	changes := 0
	l.onChange = func() { changes++ }
	l.startOver()
	ev := func(typ watch.EventType, name string) bool {
		_, pass := l.admit(watch.Event{Type: typ, Object: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}})
		return pass
	}
	for i, want := range []bool{true, true, false, false} {
		if got := ev(watch.Added, fmt.Sprintf("n%d", i)); got != want {
			t.Errorf("initial event n%d passed %v, want %v", i, got, want)
		}
	}
	bookmark := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{metav1.InitialEventsAnnotationKey: "true"}}}
	if _, pass := l.admit(watch.Event{Type: watch.Bookmark, Object: bookmark}); !pass {
		t.Error("the initial-events-end bookmark filtered out")
	}
	if !l.isLimited() || changes != 1 {
		t.Fatalf("limited %v after %d changes, want true after 1", l.isLimited(), changes)
	}
	if ev(watch.Modified, "n3") {
		t.Error("a change of a Node left out passed while there is no room")
	}
	if ev(watch.Deleted, "n2") {
		t.Error("the deletion of a Node left out passed")
	}
	if !ev(watch.Deleted, "n0") || !ev(watch.Modified, "n3") {
		t.Error("deleting an admitted Node, then changing the Node left out, did not pass both")
	}
	if l.isLimited() || changes != 2 {
		t.Errorf("limited %v after %d changes, want false after 2: nothing is left out", l.isLimited(), changes)
	}
	if ev(watch.Added, "n4") || !l.isLimited() {
		t.Error("a Node added past the limit passed, or left the limit unreported")
	}
}
