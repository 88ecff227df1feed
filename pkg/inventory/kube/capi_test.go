package kube

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	fakediscovery "k8s.io/client-go/discovery/fake"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

type nopNotifier struct{}

func (nopNotifier) SourceChanged(string) {}
func (nopNotifier) SharedChanged()       {}
func (nopNotifier) AllChanged()          {}

// A cluster (a member, or netweave's own) serves the Cluster API kinds, but listing them fails:
// the member kubeconfig's user may read Nodes but not MachineDeployments (a read-only
// identity on a cluster that is itself a Cluster API management cluster), or CAPI's conversion
// webhook is down (500 on every list). Adapter.Start blocked in capiWatcher.tryStart's
// WaitForCacheSync until the sync's context ended: the controller never started its workers, so
// not even the Nodes it can read were synced (a new member got no DeploymentManager at all, an
// existing one froze as last seen). Now the first wait is bounded (syncTimeout) and Cluster API
// is tried again in the background.
func TestRegressionCAPIListRefusedDoesNotBlockAdapterStart(t *testing.T) {
	kc := kubefake.NewSimpleClientset()
	disc := &fakediscovery.FakeDiscovery{Fake: &kc.Fake}
	disc.Resources = []*metav1.APIResourceList{{GroupVersion: "cluster.x-k8s.io/v1beta2", APIResources: []metav1.APIResource{
		{Name: "machinedeployments", Namespaced: true, Kind: "MachineDeployment"},
		{Name: "machinesets", Namespaced: true, Kind: "MachineSet"},
	}}}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "machinedeployments"}: "MachineDeploymentList",
		{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "machinesets"}:        "MachineSetList",
	})
	dyn.PrependReactor("list", "machinedeployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "cluster.x-k8s.io", Resource: "machinedeployments"}, "", nil)
	})
	ids, err := inventory.NewIDs("5b0c0f5e-2f0a-4d1c-9a53-3d2f1c0b7a11")
	if err != nil {
		t.Fatal(err)
	}
	factory := informers.NewSharedInformerFactory(kc, 0)
	pools := o2listers.NewResourcePoolLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}))
	a := NewAdapter(Config{IDs: ids, Namespace: "o2ims-system", PoolLabel: DefaultPoolLabel,
		Cluster: ClusterInfo{Name: "edge-1", URL: "https://edge-1:6443", UID: "ks"}}, factory, pools, disc, dyn)
	a.capi.syncTimeout = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer factory.Shutdown()
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- a.Start(ctx, nopNotifier{}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Adapter.Start: %v", err)
		}
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatalf("Adapter.Start still blocked after %s: Cluster API's list is refused, so the Node and StorageClass inventory it could sync is never synced", time.Since(start).Round(time.Second))
	}
	if a.capi.lookup() != nil {
		t.Error("Cluster API lookups served from caches that never listed")
	}
}
