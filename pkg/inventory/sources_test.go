package inventory_test

import (
	"context"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// TestResourcesOfGoneSourcesAreDeleted checks the controller finds the synced Resources of a
// source through its (hashed) source index: a Node deleted takes its Resource with it, and a
// synced Resource naming a source the cluster does not have is deleted.
func TestResourcesOfGoneSourcesAreDeleted(t *testing.T) {
	r := startSync(t, inventory.NodePoolNamespaces{}, "worker-1", "worker-2", "worker-3")
	ctx := context.Background()
	resources := r.o2.O2imsV1alpha1().O2Resources(invNS)

	if err := r.kube.CoreV1().Nodes().Delete(ctx, "worker-2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("resource of the deleted node deleted", func() error {
		if _, err := resources.Get(ctx, "worker-2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("resource worker-2: %v", err)
		}
		return nil
	})

	// A synced Resource left behind by a Node nobody saw go (as after a restore).
	w1, err := resources.Get(ctx, "worker-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ghost := w1.DeepCopy()
	ghost.ObjectMeta = metav1.ObjectMeta{Namespace: invNS, Name: "ghost", Labels: w1.Labels,
		Annotations: map[string]string{v1alpha1.AnnotationSource: "Node/ghost"}}
	ghost.Spec.ResourceID = "6f1b7f7e-2d5c-5b8a-9c4d-1e2f3a4b5c6d"
	if _, err := resources.Create(ctx, ghost, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("resource of the unknown source deleted", func() error {
		if _, err := resources.Get(ctx, "ghost", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("resource ghost: %v", err)
		}
		return nil
	})
	for _, n := range []string{"worker-1", "worker-3"} {
		if err := r.resourceIn(invNS, n); err != nil {
			t.Fatal(err)
		}
	}
}
