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

// TestRegressionResourceOfUnknownSourceIsDeleted: a Resource labelled as synced whose source
// annotation names no kind of source the adapter has (left by another version, or so labelled
// by a tenant in their own namespace, which anyone who may create Resources can do) made the
// sync of that key fail for ever, an error logged and counted every 30 s, and the Resource was
// never deleted. A source the adapter does not know is a source that is gone.
func TestRegressionResourceOfUnknownSourceIsDeleted(t *testing.T) {
	r := startSync(t, inventory.NodePoolNamespaces{}, "worker-1")
	ctx := context.Background()
	w1, err := r.o2.O2imsV1alpha1().O2Resources(invNS).Get(ctx, "worker-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, ns := range []string{invNS, "tenant-a"} {
		odd := w1.DeepCopy()
		odd.ObjectMeta = metav1.ObjectMeta{Namespace: ns, Name: "odd", Labels: w1.Labels,
			Annotations: map[string]string{v1alpha1.AnnotationSource: "Machine/odd"}}
		odd.Spec.ResourceID = fmt.Sprintf("6f1b7f7e-2d5c-5b8a-9c4d-1e2f3a4b5c6%d", i)
		if _, err := r.o2.O2imsV1alpha1().O2Resources(ns).Create(ctx, odd, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range []string{invNS, "tenant-a"} {
		r.eventually("resource of a source of unknown kind in "+ns+" deleted", func() error {
			if _, err := r.o2.O2imsV1alpha1().O2Resources(ns).Get(ctx, "odd", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("resource %s/odd: %v", ns, err)
			}
			return nil
		})
	}
	if err := r.resourceIn(invNS, "worker-1"); err != nil {
		t.Fatal(err)
	}
}
