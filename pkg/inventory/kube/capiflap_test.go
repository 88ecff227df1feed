package kube

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
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

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// At the start of a sync (a leader change, a member's API server restarting), any discovery
// error, or a first list of MachineDeployments and MachineSets not done within 15 s, counted as
// "this cluster has no Cluster API": its MachineDeployment and MachineSet pools were deleted and
// their Nodes' Resources moved to label pools, and a minute later, once discovery answered, they
// came back with the same ids: DELETE, CREATE and MODIFY notifications to every SMO for a
// cluster where nothing changed. Now only a conclusive answer (the group version is not served:
// the API server's own 404; or the list is forbidden) means no Cluster API; an inconclusive one
// (a timeout, a 5xx, a refused connection, a proxy's 404 page) keeps the pools and placements
// stored, and Cluster API is tried again.
func TestRegressionCAPIInconclusiveAtStartKeepsStoredPools(t *testing.T) {
	const member, ns = "edge-1", "o2ims-system"
	three := int64(3)
	ids := testIDs(t).Member(member)
	md := &MachineSetInfo{Kind: sourceMachineDeployment, Namespace: "capi", Name: "workers", UID: "md-uid", Replicas: &three}
	ms := &MachineSetInfo{Kind: sourceMachineSet, Namespace: "capi", Name: "workers-abc", UID: "ms-uid", Deployment: "workers"}
	lone := &MachineSetInfo{Kind: sourceMachineSet, Namespace: "capi", Name: "lone", UID: "lone-uid"}
	capiNode := func(name, set string) *corev1.Node {
		return newNode(name, withLabels("topology.kubernetes.io/zone", "zone-a"), func(n *corev1.Node) {
			n.Annotations = map[string]string{capiOwnerKindAnnot: sourceMachineSet, capiOwnerNameAnnot: set, capiClusterNSAnnot: "capi"}
		})
	}
	nodes := []*corev1.Node{capiNode("m1", "workers-abc"), capiNode("m2", "workers-abc"), capiNode("m3", "lone")}

	// What the previous sync stored, with Cluster API readable, placed in the member as its
	// controller does.
	cfg := Config{IDs: ids, Namespace: ns, PoolLabel: DefaultPoolLabel, Cluster: ClusterInfo{Name: member, URL: "https://edge-1:6443", UID: "ks"}}
	live := fakeCAPI{sets: map[string]*MachineSetInfo{"capi/workers-abc": ms, "capi/lone": lone},
		deployments: map[string]*MachineSetInfo{"capi/workers": md}}
	liveResolver := NewPoolResolver(ids, ns, DefaultPoolLabel, inventory.NodePoolNamespaces{}, nil, capiWithLone{live, lone})
	want := ComputeShared(cfg, Snapshot{Nodes: nodes, Pools: liveResolver, CAPI: capiWithLone{live, lone}})
	storedPools := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	storedResources := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	inMember := func(o metav1.Object) {
		o.GetLabels()[v1alpha1.LabelCluster] = member
		o.SetName(inventory.ObjectName(member, o.GetName()))
	}
	for _, p := range want.ResourcePools {
		p := p.DeepCopy()
		inMember(p)
		if err := storedPools.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	placed := map[string]string{}
	for _, n := range nodes {
		ref := liveResolver.Resolve(n)
		r := NodeResource(ids, n, ref, NodeKindOf(n).ID(ids))
		placed[n.Name] = ref.ID
		inMember(r)
		if err := storedResources.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if placed["m1"] != ids.Of(sourceMachineDeployment, "md-uid") || placed["m3"] != ids.Of(sourceMachineSet, "lone-uid") {
		t.Fatalf("test setup: nodes placed in %v", placed)
	}

	capiResources := []*metav1.APIResourceList{{GroupVersion: "cluster.x-k8s.io/v1beta2", APIResources: []metav1.APIResource{
		{Name: "machinedeployments", Namespaced: true, Kind: "MachineDeployment"},
		{Name: "machinesets", Namespaced: true, Kind: "MachineSet"},
	}}}
	failDiscovery := func(err error) func(kc *kubefake.Clientset, dyn *dynamicfake.FakeDynamicClient) {
		return func(kc *kubefake.Clientset, _ *dynamicfake.FakeDynamicClient) {
			// Both the list of groups (/apis) and the group version's resources.
			kc.PrependReactor("get", "*", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, err })
		}
	}
	for _, tc := range []struct {
		name  string
		fault func(kc *kubefake.Clientset, dyn *dynamicfake.FakeDynamicClient)
	}{
		{"discovery: connection refused", failDiscovery(errors.New("dial tcp 10.0.0.1:6443: connect: connection refused"))},
		{"discovery: 503", failDiscovery(apierrors.NewServiceUnavailable("apiserver is restarting"))},
		{"discovery: a proxy's 404 page", failDiscovery(apierrors.NewGenericServerResponse(404, "get", schema.GroupResource{}, "", "404 page not found", 0, true))},
		{"list: 500 until the first wait ends", func(_ *kubefake.Clientset, dyn *dynamicfake.FakeDynamicClient) {
			dyn.PrependReactor("list", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewInternalError(errors.New("conversion webhook for cluster.x-k8s.io/v1beta1, Kind=MachineDeployment failed"))
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := kubefake.NewSimpleClientset()
			for _, n := range nodes {
				if _, err := kc.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			disc := &fakediscovery.FakeDiscovery{Fake: &kc.Fake}
			disc.Resources = capiResources
			dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
				{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "machinedeployments"}: "MachineDeploymentList",
				{Group: "cluster.x-k8s.io", Version: "v1beta2", Resource: "machinesets"}:        "MachineSetList",
			})
			tc.fault(kc, dyn)
			factory := informers.NewSharedInformerFactory(kc, 0)
			defer factory.Shutdown() // after cancel: the informers stop when ctx ends
			ctx, cancel := context.WithTimeout(context.Background(), wait.ForeverTestTimeout)
			defer cancel()
			noAdminPools := o2listers.NewResourcePoolLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}))
			c := cfg
			c.Stored = &Stored{Cluster: member, Pools: o2listers.NewResourcePoolLister(storedPools), Resources: o2listers.NewO2ResourceLister(storedResources)}
			a := NewAdapter(c, factory, noAdminPools, disc, dyn)
			a.capi.syncTimeout = 100 * time.Millisecond
			if err := a.Start(ctx, nopNotifier{}); err != nil {
				t.Fatalf("Adapter.Start: %v", err)
			}
			s, err := a.Shared()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*v1alpha1.ResourcePool{}
			for _, p := range s.ResourcePools {
				got[p.Spec.ResourcePoolID] = p
			}
			for _, p := range want.ResourcePools {
				g := got[p.Spec.ResourcePoolID]
				if g == nil {
					t.Errorf("pool %s (%s) deleted on an inconclusive Cluster API answer", p.Name, p.Spec.ResourcePoolID)
					continue
				}
				if !equality.Semantic.DeepEqual(g.Spec, p.Spec) || g.Status.ResourceCount != p.Status.ResourceCount {
					t.Errorf("pool %s rewritten on an inconclusive Cluster API answer:\n got  %+v (count %d)\n want %+v (count %d)",
						p.Name, g.Spec, g.Status.ResourceCount, p.Spec, p.Status.ResourceCount)
				}
			}
			if len(s.ResourcePools) != len(want.ResourcePools) {
				t.Errorf("pools = %v, want the stored %v", poolNames(s.ResourcePools), poolNames(want.ResourcePools))
			}
			for _, n := range nodes {
				rs, err := a.Resources(NodeSource(n.Name))
				if err != nil || len(rs) != 1 {
					t.Fatalf("Resources(%s) = %v, %v", n.Name, rs, err)
				}
				if rs[0].Spec.ResourcePoolID != placed[n.Name] {
					t.Errorf("node %s moved to pool %s, stored in %s", n.Name, rs[0].Spec.ResourcePoolID, placed[n.Name])
				}
			}
		})
	}
}

// A conclusive answer still means no Cluster API: the API server lists no cluster.x-k8s.io
// group in /apis. (Its 404 for the group version is plain text, like a proxy's page, and is
// not asked: see TestCAPIGroupVersionNotFoundIsNotConclusive.)
func TestCAPIConclusivelyAbsentPoolsByLabel(t *testing.T) {
	kc := kubefake.NewSimpleClientset(newNode("m1", func(n *corev1.Node) {
		n.Annotations = map[string]string{capiOwnerKindAnnot: sourceMachineSet, capiOwnerNameAnnot: "lone", capiClusterNSAnnot: "capi"}
	}))
	disc := &fakediscovery.FakeDiscovery{Fake: &kc.Fake}
	dyn := dynamicfake.NewSimpleDynamicClient(runtime.NewScheme())
	factory := informers.NewSharedInformerFactory(kc, 0)
	defer factory.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), wait.ForeverTestTimeout)
	defer cancel()
	ids := testIDs(t)
	pools := o2listers.NewResourcePoolLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}))
	a := NewAdapter(Config{IDs: ids, Namespace: "o2ims-system", PoolLabel: DefaultPoolLabel, Cluster: ClusterInfo{Name: "local", UID: "ks"}},
		factory, pools, disc, dyn)
	if err := a.Start(ctx, nopNotifier{}); err != nil {
		t.Fatal(err)
	}
	if a.capiLookup() != nil {
		t.Fatal("Cluster API lookups for a cluster whose API server says it does not serve the group")
	}
	rs, err := a.Resources(NodeSource("m1"))
	if err != nil || len(rs) != 1 || rs[0].Spec.ResourcePoolID != ids.Of(sourceNodePool, defaultPoolName) {
		t.Fatalf("Resources(m1) = %v, %v; want it in the default pool", rs, err)
	}
}

// capiWithLone lists a MachineSet no MachineDeployment owns as a pool too, as capiLookup does.
type capiWithLone struct {
	fakeCAPI
	lone *MachineSetInfo
}

func (c capiWithLone) Pools() []*MachineSetInfo { return append(c.fakeCAPI.Pools(), c.lone) }

func poolNames(ps []*v1alpha1.ResourcePool) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// A group listed in /apis whose version then answers 404 (a plain-text page, which is what
// kube-apiserver itself answers for a path it does not serve, and what a proxy answers) is not
// told apart from a fault: inconclusive, so what is stored stays.
func TestCAPIGroupVersionNotFoundIsNotConclusive(t *testing.T) {
	kc := kubefake.NewSimpleClientset()
	disc := &fakediscovery.FakeDiscovery{Fake: &kc.Fake}
	disc.Resources = []*metav1.APIResourceList{{GroupVersion: "cluster.x-k8s.io/v1beta2"}}
	kc.PrependReactor("get", "resource", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewGenericServerResponse(404, "get", schema.GroupResource{}, "", "404 page not found", 0, true)
	})
	w := newCAPIWatcher(disc, dynamicfake.NewSimpleDynamicClient(runtime.NewScheme()))
	if v, conclusive := w.discover(); v != "" || conclusive {
		t.Errorf("discover() = %q, conclusive %v; want no version, inconclusive", v, conclusive)
	}
	disc.Resources = nil
	if v, conclusive := w.discover(); v != "" || !conclusive {
		t.Errorf("with no Cluster API group listed, discover() = %q, conclusive %v; want no version, conclusive", v, conclusive)
	}
}
