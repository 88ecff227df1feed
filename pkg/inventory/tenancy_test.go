package inventory_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
)

const (
	invNS      = "o2ims-system"
	testOCloud = "262c8f17-52b5-4614-9e56-812ae21fa8a7"
	tenantPool = "9d5e4c3b-2a19-4f08-8e7d-6c5b4a392817"
)

// syncRig runs the real controller and Kubernetes adapter against fake clients: a cluster with
// Nodes, and an O2 API that stores what the controller writes.
type syncRig struct {
	t    *testing.T
	kube *kubefake.Clientset
	o2   *o2fake.Clientset
}

func startSync(t *testing.T, nodePools inventory.NodePoolNamespaces, nodes ...string) *syncRig {
	t.Helper()
	return startSyncWithMetrics(t, nil, nodePools, nodes...)
}

// startSyncWithMetrics is startSync with the controller's metrics.
func startSyncWithMetrics(t *testing.T, m *inventory.Metrics, nodePools inventory.NodePoolNamespaces, nodes ...string) *syncRig {
	t.Helper()
	var objs []runtime.Object
	for _, n := range nodes {
		objs = append(objs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n, UID: types.UID("uid-" + n),
			Labels: map[string]string{"topology.kubernetes.io/zone": "zone-a"}}})
	}
	r := &syncRig{t: t, kube: kubefake.NewSimpleClientset(objs...), o2: o2fake.NewSimpleClientset()}
	// The generated fake lists kind O2ResourceList, which its scheme registers as ResourceList.
	r.o2.PrependReactor("list", "resources", func(a k8stesting.Action) (bool, runtime.Object, error) {
		objs, err := r.o2.Tracker().List(a.GetResource(), v1alpha1.SchemeGroupVersion.WithKind("Resource"), a.GetNamespace())
		return true, objs, err
	})
	ids, err := inventory.NewIDs(testOCloud)
	if err != nil {
		t.Fatal(err)
	}
	nodeInf := informers.NewSharedInformerFactory(r.kube, 0)
	o2inf := externalversions.NewSharedInformerFactory(r.o2, 0)
	adapter := kube.NewAdapter(kube.Config{IDs: ids, Namespace: invNS, PoolLabel: kube.DefaultPoolLabel, NodePools: nodePools,
		OCloud: kube.OCloudInfo{Name: "test"}, Cluster: kube.ClusterInfo{Name: "test", URL: "https://k8s.example.net", UID: "ks-uid"}},
		nodeInf, o2inf.O2ims().V1alpha1().ResourcePools().Lister(), nil, nil)
	ctrl, err := inventory.NewController(inventory.Config{Client: r.o2, Informers: o2inf, Adapter: adapter,
		FieldManager: "test", NodePools: nodePools, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ctrl.Run(ctx); err != nil {
			t.Errorf("controller: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		o2inf.Shutdown()
		nodeInf.Shutdown()
	})
	for _, n := range nodes {
		r.waitResourceIn(invNS, n)
	}
	return r
}

func (r *syncRig) eventually(what string, check func() error) {
	r.t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	if err != nil {
		r.t.Fatalf("%s: %v", what, last)
	}
}

// waitResourceIn waits until node's Resource is in namespace ns and nowhere else.
func (r *syncRig) waitResourceIn(ns, node string) {
	r.t.Helper()
	r.eventually(fmt.Sprintf("resource of node %s in %s only", node, ns), func() error {
		return r.resourceIn(ns, node)
	})
}

func (r *syncRig) resourceIn(ns, node string) error {
	list, err := r.o2.O2imsV1alpha1().O2Resources("").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		return err
	}
	var where []string
	for _, res := range list.Items {
		if res.Name == node {
			where = append(where, res.Namespace)
		}
	}
	if len(where) != 1 || where[0] != ns {
		return fmt.Errorf("resource %s is in %v", node, where)
	}
	return nil
}

func (r *syncRig) createPool(ns, name string, sel *metav1.LabelSelector) {
	r.t.Helper()
	_, err := r.o2.O2imsV1alpha1().ResourcePools(ns).Create(context.Background(), &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Generation: 1},
		Spec:       v1alpha1.ResourcePoolSpec{ResourcePoolID: tenantPool, Name: name, NodeSelector: sel},
	}, metav1.CreateOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
}

func (r *syncRig) pool(ns, name string) *v1alpha1.ResourcePool {
	r.t.Helper()
	p, err := r.o2.O2imsV1alpha1().ResourcePools(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// touchNode changes a label of node, so its Resource is reconciled again.
func (r *syncRig) touchNode(node, value string) {
	r.t.Helper()
	n, err := r.kube.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	n.Labels["example.com/touched"] = value
	n.ResourceVersion = value
	if _, err := r.kube.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		r.t.Fatal(err)
	}
	r.eventually("resource of "+node+" follows the label", func() error {
		list, err := r.o2.O2imsV1alpha1().O2Resources("").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, res := range list.Items {
			if res.Name == node && slices.Contains(res.Spec.Tags, "example.com/touched="+value) {
				return nil
			}
		}
		return fmt.Errorf("no resource of %s tagged %s", node, value)
	})
}

// TestRegressionTenantPoolCannotClaimNodes reproduces issue 8's second failure: a user with
// o2ims-admin in tenant-b creates ResourcePool{spec.nodeSelector: {}} there, and every Node's
// Resource used to leave o2ims-system for tenant-b within seconds (and come back when the pool
// was deleted). Now a pool outside the node pool namespaces claims nothing, and its status says
// why; the same pool in an allowed namespace still claims the Nodes (so this test would see the
// failure).
func TestRegressionTenantPoolCannotClaimNodes(t *testing.T) {
	nodes := []string{"worker-1", "worker-2", "worker-3"}

	t.Run("a tenant's pool selecting every Node claims none", func(t *testing.T) {
		r := startSync(t, inventory.NewNodePoolNamespaces(invNS), nodes...)
		r.createPool("tenant-b", "everything", &metav1.LabelSelector{})
		r.eventually("the tenant pool says its nodeSelector is ignored", func() error {
			p, err := r.o2.O2imsV1alpha1().ResourcePools("tenant-b").Get(context.Background(), "everything", metav1.GetOptions{})
			if err != nil {
				return err
			}
			c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ResourcePoolNodeSelectorAccepted)
			if c == nil || c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonNamespaceNotAllowed || c.ObservedGeneration != 1 {
				return fmt.Errorf("conditions %+v", p.Status.Conditions)
			}
			if p.Status.ResourceCount != 0 {
				return fmt.Errorf("resourceCount %d", p.Status.ResourceCount)
			}
			return nil
		})
		// Every Node is reconciled again after the pool exists: none moves.
		for _, n := range nodes {
			r.touchNode(n, "after-pool")
			if err := r.resourceIn(invNS, n); err != nil {
				t.Errorf("after a tenant pool selected every Node: %v", err)
			}
		}
		if p := r.pool("tenant-b", "everything"); p.Spec.Name != "everything" || len(p.Labels) != 0 {
			t.Errorf("the tenant's pool was changed beyond its status: %v %+v", p.Labels, p.Spec)
		}
		// Deleting the pool moves nothing either.
		if err := r.o2.O2imsV1alpha1().ResourcePools("tenant-b").Delete(context.Background(), "everything", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		r.touchNode(nodes[0], "after-delete")
		for _, n := range nodes {
			if err := r.resourceIn(invNS, n); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("the same pool in a namespace the operator allows claims every Node", func(t *testing.T) {
		r := startSync(t, inventory.NewNodePoolNamespaces(invNS, "tenant-b"), nodes...)
		r.createPool("tenant-b", "everything", &metav1.LabelSelector{})
		for _, n := range nodes {
			r.waitResourceIn("tenant-b", n)
		}
		r.eventually("the allowed pool counts its Nodes", func() error {
			p, err := r.o2.O2imsV1alpha1().ResourcePools("tenant-b").Get(context.Background(), "everything", metav1.GetOptions{})
			if err != nil {
				return err
			}
			c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ResourcePoolNodeSelectorAccepted)
			if c == nil || c.Status != metav1.ConditionTrue || p.Status.ResourceCount != int32(len(nodes)) {
				return fmt.Errorf("status %+v", p.Status)
			}
			return nil
		})
		if err := r.o2.O2imsV1alpha1().ResourcePools("tenant-b").Delete(context.Background(), "everything", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			r.waitResourceIn(invNS, n)
		}
	})
}

// TestTenantPoolThatStopsSelectingLosesTheCondition: removing the nodeSelector of a pool the
// controller had reported on removes the controller's condition again.
func TestTenantPoolThatStopsSelectingLosesTheCondition(t *testing.T) {
	r := startSync(t, inventory.NewNodePoolNamespaces(invNS), "worker-1")
	r.createPool("tenant-b", "p", &metav1.LabelSelector{})
	r.eventually("condition set", func() error {
		if meta.FindStatusCondition(r.pool("tenant-b", "p").Status.Conditions, v1alpha1.ResourcePoolNodeSelectorAccepted) == nil {
			return fmt.Errorf("no condition yet")
		}
		return nil
	})
	p := r.pool("tenant-b", "p")
	p.Spec.NodeSelector = nil
	if _, err := r.o2.O2imsV1alpha1().ResourcePools("tenant-b").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("condition removed", func() error {
		p, err := r.o2.O2imsV1alpha1().ResourcePools("tenant-b").Get(context.Background(), "p", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return err
		}
		if len(p.Status.Conditions) != 0 {
			return fmt.Errorf("conditions %+v", p.Status.Conditions)
		}
		return nil
	})
}
