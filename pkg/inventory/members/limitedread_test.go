package members

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic/dynamicinformer"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"

	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// storeKeys waits until inf has synced and holds want keys, and that it holds no other.
func storeKeys(t *testing.T, inf cache.SharedIndexInformer, want ...string) {
	t.Helper()
	slices.Sort(want)
	var got []string
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		if !inf.HasSynced() {
			return false, nil
		}
		got = inf.GetStore().ListKeys()
		slices.Sort(got)
		return slices.Equal(got, want), nil
	})
	if err != nil {
		t.Fatalf("informer holds %v, want %v", got, want)
	}
}

// TestRegressionMemberStorageClassesUnbounded: a member's StorageClasses were all read, each
// becoming a ResourceType in the inventory, however many: a tenant's member may be a server the
// tenant runs, and one reporting a million filled netweave's memory and Redis for every tenant
// (Nodes were bounded, StorageClasses not). They are now read through a limit like the Nodes';
// the DeploymentManager says when some are left out.
func TestRegressionMemberStorageClassesUnbounded(t *testing.T) {
	var objs []runtime.Object
	for i := range 3 {
		objs = append(objs, &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("sc-%d", i)}, Provisioner: "example.net/csi"})
	}
	client := kubefake.NewClientset(objs...)
	limits := newMemberLimits(0)
	limits.classes.max = 2
	changed := make(chan struct{}, 8)
	limits.classes.onChange = func() { changed <- struct{}{} }
	inf := limits.classInformer(client, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go inf.RunWithContext(ctx)
	storeKeys(t, inf, "sc-0", "sc-1")
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no change of the limit reported")
	}
	c := limits.condition()
	if c == nil || c.Type != v1alpha1.DeploymentManagerInventoryComplete || c.Status != metav1.ConditionFalse ||
		c.Reason != v1alpha1.ReasonTooManyObjects {
		t.Fatalf("condition %+v, want InventoryComplete=False TooManyObjects", c)
	}
	t.Logf("condition message: %s", c.Message)

	// One goes: the one left out comes in with its next change, and the condition goes.
	if err := client.StorageV1().StorageClasses().Delete(ctx, "sc-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	sc2 := objs[2].(*storagev1.StorageClass).DeepCopy()
	sc2.Labels = map[string]string{"changed": "yes"}
	if _, err := client.StorageV1().StorageClasses().Update(ctx, sc2, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	storeKeys(t, inf, "sc-1", "sc-2")
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return limits.condition() == nil, nil
	}); err != nil {
		t.Fatalf("condition %+v with nothing left out", limits.condition())
	}
}

// TestRegressionMemberClusterAPIObjectsUnbounded: a member's Cluster API MachineDeployments and
// MachineSets were read whole into netweave's memory however many the member reported; they
// are now read through limits (the dynamic client the inventory sync's informers use).
func TestRegressionMemberClusterAPIObjectsUnbounded(t *testing.T) {
	mds := schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "machinedeployments"}
	ms := schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "machinesets"}
	obj := func(kind, ns, name string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("cluster.x-k8s.io/v1beta2")
		u.SetKind(kind)
		u.SetNamespace(ns)
		u.SetName(name)
		return u
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{mds: "MachineDeploymentList", ms: "MachineSetList"},
		obj("MachineDeployment", "a", "md-0"), obj("MachineDeployment", "b", "md-1"), obj("MachineDeployment", "b", "md-2"),
		obj("MachineSet", "a", "ms-0"))
	limits := newMemberLimits(2)
	factory := dynamicinformer.NewDynamicSharedInformerFactory(limits.dynamic(dyn), 0)
	mdInf := factory.ForResource(mds).Informer()
	msInf := factory.ForResource(ms).Informer()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	storeKeys(t, mdInf, "a/md-0", "b/md-1")
	storeKeys(t, msInf, "a/ms-0")
	if c := limits.condition(); c == nil || c.Reason != v1alpha1.ReasonTooManyObjects {
		t.Fatalf("condition %+v, want TooManyObjects", c)
	}
	// Added past the limit through the watch: not read; another kind's own limit has room.
	if _, err := dyn.Resource(mds).Namespace("c").Create(ctx, obj("MachineDeployment", "c", "md-3"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(ms).Namespace("c").Create(ctx, obj("MachineSet", "c", "ms-1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	storeKeys(t, msInf, "a/ms-0", "c/ms-1")
	storeKeys(t, mdInf, "a/md-0", "b/md-1")

	// Other kinds are not limited.
	if _, ok := limits.dynamic(dyn).Resource(schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "clusters"}).(limitedResource); ok {
		t.Error("Clusters read through a limit")
	}
}
