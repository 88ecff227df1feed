package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// TestRegressionUnreadableTenantNamespaceStopsEveryRequest: one provisioning namespace whose
// Clusters netweave may not list (its Role there missing, or lacking clusters) kept the
// controller's leader term waiting for that namespace's Cluster informer: no request of any
// namespace was reconciled, nothing was built, every request stayed PENDING. The other
// namespaces' requests are reconciled now; that namespace's wait until its Clusters are read,
// and are then reconciled without waiting for their backoff.
func TestRegressionUnreadableTenantNamespaceStopsEveryRequest(t *testing.T) {
	var denied atomic.Bool
	denied.Store(true)
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{clusterapi.Clusters: "ClusterList", clusterapi.Machines: "MachineList"})
	dyn.PrependReactor("list", "clusters", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "tenant-b" && denied.Load() {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "cluster.x-k8s.io", Resource: "clusters"}, "", errors.New("no Role"))
		}
		return false, nil, nil
	})
	a, b := request("tenant-a"), request("tenant-b")
	b.UID = "uid-b"
	// As admission leaves a new request.
	b.Status.ProvisioningPhase, b.Status.Message = v1alpha1.ProvisioningPhasePending, "accepted"
	o2 := fake.NewSimpleClientset(a, b, template("v1.33.0"))
	// The generated fake lists kind O2ResourceList, which its scheme registers as ResourceList.
	o2.PrependReactor("list", "resources", func(act k8stesting.Action) (bool, runtime.Object, error) {
		objs, err := o2.Tracker().List(act.GetResource(), v1alpha1.SchemeGroupVersion.WithKind("Resource"), act.GetNamespace())
		return true, objs, err
	})
	shared, err := o2informers.New(o2, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := New(Config{Client: o2, Informers: shared, Dynamic: dyn, InventoryNamespace: inv, Namespaces: []string{"tenant-a", "tenant-b"},
		RetryBase: time.Millisecond, RetryMax: time.Hour, Now: func() time.Time { return now }})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		shared.Shutdown()
	})
	shared.Start(ctx)
	wg.Go(func() { c.Lead(ctx) })

	built := func(ns string) func() error {
		return func() error {
			_, err := dyn.Resource(clusterapi.Clusters).Namespace(ns).Get(context.Background(), ClusterName(ns, id), metav1.GetOptions{})
			return err
		}
	}
	eventually(t, "tenant-a's Cluster built while tenant-b cannot be read", built("tenant-a"))
	if err := built("tenant-b")(); !apierrors.IsNotFound(err) {
		t.Errorf("tenant-b's Cluster built before its namespace's Clusters could be read: %v", err)
	}
	// Its owner reads why nothing happens (TestRegressionUnreadableNamespaceRequestSaysNothing:
	// it said "accepted" for as long as the Role was missing).
	eventually(t, "tenant-b's request says what it waits for", func() error {
		got, err := o2.O2imsV1alpha1().ProvisioningRequests("tenant-b").Get(context.Background(), id, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhasePending || got.Status.Message != unreadMessage {
			return fmt.Errorf("status %s %q", got.Status.ProvisioningPhase, got.Status.Message)
		}
		return nil
	})
	denied.Store(false) // the Role is fixed
	eventually(t, "tenant-b's Cluster built once its namespace is read", built("tenant-b"))
}

func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	var last error
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	}); err != nil {
		t.Fatalf("%s: %v", what, fmt.Errorf("%w (last: %v)", err, last))
	}
}
