package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// TestRegressionPersistentConflictIsAnError: a Resource whose create the store refuses for
// good with 409 (its O2 id held by another object) was retried for ever as a benign race with
// a write the informers had not seen: logged at V(4), counted as reason="conflict", so nothing
// told the operator that a node was missing from the inventory. A conflict that persists past
// a few retries is now an error.
func TestRegressionPersistentConflictIsAnError(t *testing.T) {
	registry := metrics.NewKubeRegistry()
	m, err := inventory.NewMetrics(registry.Register)
	if err != nil {
		t.Fatal(err)
	}
	r := startSyncWithMetrics(t, m, inventory.NodePoolNamespaces{}, "worker-1")
	r.o2.PrependReactor("create", "resources", func(a k8stesting.Action) (bool, runtime.Object, error) {
		o := a.(k8stesting.CreateAction).GetObject().(*v1alpha1.O2Resource)
		if o.Name != "worker-9" {
			return false, nil, nil
		}
		return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "o2ims.oran.org", Resource: "resources"}, o.Name,
			errors.New("spec.resourceId "+o.Spec.ResourceID+" is already held"))
	})
	if _, err := r.kube.CoreV1().Nodes().Create(context.Background(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-9", UID: "uid-worker-9"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the persistent conflict is counted as an error", func() error {
		if v, _ := testutil.GetCounterMetricValue(m.SyncErrors.WithLabelValues("source", "error")); v == 0 {
			conflicts, _ := testutil.GetCounterMetricValue(m.SyncErrors.WithLabelValues("source", "conflict"))
			return fmt.Errorf("no error counted after %v conflicts", conflicts)
		}
		return nil
	})
}
