package controller

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

const (
	inv = "o2ims-system"
	id  = "6f1c9a52-3f7e-4d7a-9a52-0c1d2e3f4a5b"
)

var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func request(ns string) *v1alpha1.ProvisioningRequest {
	return &v1alpha1.ProvisioningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: id, Namespace: ns, UID: "uid-1", Generation: 1, ResourceVersion: "1"},
		Spec: v1alpha1.ProvisioningRequestSpec{ProvisioningRequestID: id, Name: "edge", TemplateName: "demo", TemplateVersion: "v1.33.0",
			TemplateParameters: &v1alpha1.JSON{Raw: []byte(`{"region":"eu-1","workers":3}`)}},
	}
}

func template(version string) *v1alpha1.ManagedInfrastructureTemplate {
	return &v1alpha1.ManagedInfrastructureTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "demo." + version, Namespace: inv},
		Spec: v1alpha1.ManagedInfrastructureTemplateSpec{Name: "demo", Version: version,
			Defaults:        &v1alpha1.JSON{Raw: []byte(`{"clusterInstanceDefaults":{"workers":2,"flavor":"small"}}`)},
			ClusterClassRef: v1alpha1.ClusterReference{Namespace: inv, Name: "demo"}},
	}
}

// fixture is the controller's reconciler over fake clients, as sample-controller tests do:
// requests, templates and inventory in a fake O2 clientset, Clusters in a fake dynamic client.
type fixture struct {
	o2  *fake.Clientset
	dyn *dynamicfake.FakeDynamicClient
	r   *reconciler
}

func newFixture(t *testing.T, clusters []*clusterv1.Cluster, o2objs ...runtime.Object) *fixture {
	t.Helper()
	return newFixtureWithMachines(t, clusters, nil, o2objs...)
}

// newFixtureWithMachines is newFixture with Machines in the fake dynamic client too.
func newFixtureWithMachines(t *testing.T, clusters []*clusterv1.Cluster, machines []*clusterv1.Machine, o2objs ...runtime.Object) *fixture {
	t.Helper()
	var objs []runtime.Object
	for _, c := range clusters {
		u, err := clusterapi.ToUnstructured(c, clusterv1.ClusterKind)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	for _, m := range machines {
		u, err := clusterapi.ToUnstructured(m, "Machine")
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{clusterapi.Clusters: "ClusterList", clusterapi.Machines: "MachineList"}, objs...)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg := Config{Dynamic: dyn, InventoryNamespace: inv, Namespaces: []string{"tenant-a"}, Now: func() time.Time { return now }}
	ci, err := clusterapi.NewInformers(dyn, clusterapi.Clusters, (&Controller{cfg: cfg}).clusterNamespaces(), clusterapi.DecodeCluster)
	if err != nil {
		t.Fatal(err)
	}
	mi, err := (&Controller{cfg: cfg}).machineInformers()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []*clusterapi.Informers{ci, mi} {
		if unread, err := in.Run(ctx); err != nil || len(unread) > 0 {
			t.Fatalf("Cluster API informers did not sync: unread %v, %v", unread, err)
		}
	}
	o2 := fake.NewSimpleClientset(o2objs...)
	cfg.Client = o2
	// Listers over indexers holding the objects, as sample-controller's fixture fills its
	// informers' stores.
	idx := func(kind any) cache.Indexer {
		i := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		for _, o := range o2objs {
			if reflect.TypeOf(o) == reflect.TypeOf(kind) {
				if err := i.Add(o); err != nil {
					t.Fatal(err)
				}
			}
		}
		return i
	}
	r := &reconciler{cfg: cfg, clusters: ci,
		requests:  o2listers.NewProvisioningRequestLister(idx(&v1alpha1.ProvisioningRequest{})),
		templates: o2listers.NewManagedInfrastructureTemplateLister(idx(&v1alpha1.ManagedInfrastructureTemplate{})),
		dms:       o2listers.NewDeploymentManagerLister(idx(&v1alpha1.DeploymentManager{})),
		resources: o2listers.NewO2ResourceLister(idx(&v1alpha1.O2Resource{})), machines: mi}
	return &fixture{o2: o2, dyn: dyn, r: r}
}

func (f *fixture) reconcile(t *testing.T, ns string) {
	t.Helper()
	if err := f.r.reconcile(context.Background(), ns+"/"+id); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) request(t *testing.T, ns string) *v1alpha1.ProvisioningRequest {
	t.Helper()
	r, err := f.o2.O2imsV1alpha1().ProvisioningRequests(ns).Get(context.Background(), id, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) cluster(t *testing.T, ns string) *clusterv1.Cluster {
	t.Helper()
	u, err := f.dyn.Resource(clusterapi.Clusters).Namespace(ns).Get(context.Background(), ClusterName(ns, id), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := clusterapi.ClusterFrom(u)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewRequestGetsFinalizerAndCluster(t *testing.T) {
	f := newFixture(t, nil, request("tenant-a"), template("v1.33.0"))
	f.reconcile(t, "tenant-a")

	req := f.request(t, "tenant-a")
	if len(req.Finalizers) != 1 || req.Finalizers[0] != v1alpha1.FinalizerProvisioning {
		t.Errorf("finalizers %v", req.Finalizers)
	}
	c := f.cluster(t, "tenant-a")
	top := c.Spec.Topology
	if top.ClassRef != (clusterv1.ClusterClassRef{Name: "demo", Namespace: inv}) || top.Version != "v1.33.0" {
		t.Errorf("topology %+v", top)
	}
	vars := map[string]string{}
	for _, v := range top.Variables {
		vars[v.Name] = string(v.Value.Raw)
	}
	if want := map[string]string{"flavor": `"small"`, "region": `"eu-1"`, "workers": "3"}; !mapsEqual(vars, want) {
		t.Errorf("variables %v, want %v (parameters over defaults)", vars, want)
	}
	if c.Labels[v1alpha1.LabelProvisioningRequestUID] != "uid-1" || c.Labels[v1alpha1.LabelProvisioningRequest] != id {
		t.Errorf("labels %v", c.Labels)
	}
	if req.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseProgressing || req.Status.ClusterRef.Name != "tenant-a-"+id {
		t.Errorf("status %+v", req.Status)
	}
	if c := meta.FindStatusCondition(req.Status.Conditions, ConditionInfrastructureReady); c == nil || !strings.Contains(c.Message, "InfrastructureReady") {
		t.Errorf("InfrastructureReady %+v does not say what it waits for", c)
	}
}

func mapsEqual(a, b map[string]string) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestForeignClusterIsNotAdopted(t *testing.T) {
	foreign := &clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: ClusterName("tenant-a", id), Namespace: "tenant-a"}}
	f := newFixture(t, []*clusterv1.Cluster{foreign}, request("tenant-a"), template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	req := f.request(t, "tenant-a")
	if req.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || !strings.Contains(req.Status.Message, "not created for this request") {
		t.Errorf("status %+v", req.Status)
	}
	if c := f.cluster(t, "tenant-a"); len(c.Labels) != 0 || c.Spec.Topology.Version != "" {
		t.Errorf("foreign Cluster touched: %+v", c)
	}
}

// TestRegressionForeignClusterOfALongNamespaceQueuesItsRequest (found by review): a Cluster
// without netweave's labels (someone else's, blocking a request: FAILED ClusterNotOwned) was
// mapped back to its request by cutting "<namespace>-" off its name. For a namespace over 26
// characters the Cluster's name is "<namespace prefix>-<hash>-<id>", so nothing was queued:
// when the foreign Cluster was deleted, the request stayed FAILED ClusterNotOwned until an
// unrelated event (the templates' 10-minute resync) came. The request is now found by the id
// that ends the name, as the inventory finds it; a name that is not one ClusterName gives
// queues nothing.
func TestRegressionForeignClusterOfALongNamespaceQueuesItsRequest(t *testing.T) {
	for _, ns := range []string{"tenant-a", "tenant-with-a-rather-long-namespace-name"} {
		name := ClusterName(ns, id)
		q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
		h := handlers{queue: q}
		h.cluster(&clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
		h.cluster(cache.DeletedFinalStateUnknown{Key: ns + "/" + name, Obj: &clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}})
		h.cluster(&clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ns + "-not-a-request"}})
		if q.Len() != 1 {
			t.Errorf("foreign Cluster %s/%s queued %d requests, want its request %s/%s", ns, name, q.Len(), ns, id)
		} else if key, _ := q.Get(); key != ns+"/"+id {
			t.Errorf("foreign Cluster %s/%s queued %q, want %q", ns, name, key, ns+"/"+id)
		}
		q.ShutDown()
	}
}

func TestDeleteDeletesClusterThenReleases(t *testing.T) {
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	req.DeletionTimestamp = &metav1.Time{Time: now}
	owned := newCluster(req, ClusterName("tenant-a", id), clusterv1.Topology{Version: "v1.33.0"})
	f := newFixture(t, []*clusterv1.Cluster{owned}, req, template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	if _, err := f.dyn.Resource(clusterapi.Clusters).Namespace("tenant-a").Get(context.Background(), owned.Name, metav1.GetOptions{}); err == nil {
		t.Error("Cluster not deleted")
	}
	if got := f.request(t, "tenant-a"); got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseDeleting || len(got.Finalizers) != 1 {
		t.Errorf("request %+v", got.Status)
	}

	// The Cluster is gone: the finalizer goes.
	g := newFixture(t, nil, req)
	g.reconcile(t, "tenant-a")
	if got := g.request(t, "tenant-a"); len(got.Finalizers) != 0 {
		t.Errorf("finalizers %v", got.Finalizers)
	}
}

// TestRegressionDeleteBeforeCacheDeletesCluster: a DELETE right after the request's Cluster
// was created, before the controller's Cluster cache had it, released the request at once
// (the cache said no Cluster) and left the Cluster running, orphaned, never deleted. The
// request now goes only when a live read finds no Cluster built for it.
func TestRegressionDeleteBeforeCacheDeletesCluster(t *testing.T) {
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	req.DeletionTimestamp = &metav1.Time{Time: now}
	owned := newCluster(req, ClusterName("tenant-a", id), clusterv1.Topology{Version: "v1.33.0"})
	f := newFixture(t, []*clusterv1.Cluster{owned}, req, template("v1.33.0"))
	// The controller's cache is behind: it has no Cluster yet.
	behind := newFixture(t, nil)
	f.r.clusters = behind.r.clusters
	f.reconcile(t, "tenant-a")
	if _, err := f.dyn.Resource(clusterapi.Clusters).Namespace("tenant-a").Get(t.Context(), owned.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Cluster not deleted: %v", err)
	}
	if got := f.request(t, "tenant-a"); len(got.Finalizers) != 1 || got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseDeleting {
		t.Errorf("request released before its Cluster was gone: finalizers %v, phase %s", got.Finalizers, got.Status.ProvisioningPhase)
	}
	// A Cluster of that name not built for it is neither deleted nor waited for.
	other := newCluster(request("tenant-a"), ClusterName("tenant-a", id), clusterv1.Topology{Version: "v1.33.0"})
	other.Labels[v1alpha1.LabelProvisioningRequestUID] = "uid-of-someone-else"
	g := newFixture(t, []*clusterv1.Cluster{other}, req)
	g.r.clusters = behind.r.clusters
	g.reconcile(t, "tenant-a")
	if _, err := g.dyn.Resource(clusterapi.Clusters).Namespace("tenant-a").Get(t.Context(), other.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("another request's Cluster: %v", err)
	}
	if got := g.request(t, "tenant-a"); len(got.Finalizers) != 0 {
		t.Errorf("finalizers %v", got.Finalizers)
	}
}

func cond(typ string, status metav1.ConditionStatus, reason string, gen int64) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, ObservedGeneration: gen, Message: "msg of " + typ}
}

func TestDeriveStatusFollowsTheCluster(t *testing.T) {
	req := request("tenant-a")
	name := ClusterName("tenant-a", id)
	base := func(conds ...metav1.Condition) *clusterv1.Cluster {
		c := newCluster(req, name, clusterv1.Topology{ClassRef: clusterv1.ClusterClassRef{Name: "demo"}, Version: "v1.33.0"})
		c.Generation = 2
		c.Status.Conditions = conds
		return c
	}
	dm := &v1alpha1.DeploymentManager{Spec: v1alpha1.DeploymentManagerSpec{DeploymentManagerID: "dm-1"},
		Status: v1alpha1.DeploymentManagerStatus{OperationalState: v1alpha1.OperationalStateEnabled}}
	ready := []metav1.Condition{
		cond(clusterv1.ClusterInfrastructureReadyCondition, "True", "Ready", 2),
		cond(clusterv1.ClusterControlPlaneAvailableCondition, "True", "Available", 2),
		cond(clusterv1.ClusterWorkersAvailableCondition, "True", "Available", 2),
		cond(clusterv1.ClusterTopologyReconciledCondition, "True", "ReconcileSucceeded", 2),
	}
	for _, tc := range []struct {
		name      string
		cluster   *clusterv1.Cluster
		member    *member
		phase     v1alpha1.ProvisioningPhase
		inMessage string
	}{
		{"infrastructure awaited", base(), nil, v1alpha1.ProvisioningPhaseProgressing, "condition InfrastructureReady of Cluster"},
		{"control plane awaited", base(ready[0], ready[3]), nil, v1alpha1.ProvisioningPhaseProgressing, "ControlPlaneAvailable"},
		{"inventory awaited", base(ready...), nil, v1alpha1.ProvisioningPhaseProgressing, name + "-kubeconfig"},
		{"fulfilled", base(ready...), &member{name: name, dm: dm}, v1alpha1.ProvisioningPhaseFulfilled, "ready at v1.33.0"},
		{"failed condition", base(ready[0], cond(clusterv1.ClusterControlPlaneAvailableCondition, "False", "ProvisioningFailed", 2)), nil,
			v1alpha1.ProvisioningPhaseFailed, "ControlPlaneAvailable False on Cluster tenant-a/" + name + ", reason ProvisioningFailed: msg of ControlPlaneAvailable"},
		{"phase Failed", func() *clusterv1.Cluster { c := base(ready...); c.Status.Phase = "Failed"; return c }(), nil,
			v1alpha1.ProvisioningPhaseFailed, "Cluster API reports Cluster tenant-a/" + name + " Failed"},
		{"topology of an older generation", base(append(ready[:3:3], cond(clusterv1.ClusterTopologyReconciledCondition, "True", "ReconcileSucceeded", 1))...),
			&member{name: name, dm: dm}, v1alpha1.ProvisioningPhaseProgressing, "waiting for Cluster API to reconcile the topology at v1.33.0"},
		{"upgrade of a fulfilled request", base(append(ready[:3:3], cond(clusterv1.ClusterTopologyReconciledCondition, "False", "ClusterUpgrading", 2))...),
			&member{name: name, dm: dm}, v1alpha1.ProvisioningPhaseProgressing, "upgrading to v1.33.0: waiting for Cluster API to reconcile the topology"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := req.DeepCopy()
			if strings.HasPrefix(tc.name, "upgrade") {
				req.Status.Conditions = []metav1.Condition{{Type: ConditionFulfilled, Status: metav1.ConditionTrue, Reason: ReasonDone}}
			}
			phase, msg, _ := deriveStatus(observation{req: req, clusterName: name, cluster: tc.cluster, member: tc.member})
			if phase != tc.phase || !strings.Contains(msg, tc.inMessage) {
				t.Errorf("got %s %q, want %s containing %q", phase, msg, tc.phase, tc.inMessage)
			}
		})
	}
}

func TestUpgradePatchesTheVersion(t *testing.T) {
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	req.Spec.TemplateVersion = "v1.34.0"
	top, err := topology(request("tenant-a"), template("v1.33.0"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, []*clusterv1.Cluster{newCluster(req, ClusterName("tenant-a", id), top)}, req, template("v1.33.0"), template("v1.34.0"))
	f.reconcile(t, "tenant-a")
	if c := f.cluster(t, "tenant-a"); c.Spec.Topology.Version != "v1.34.0" || len(c.Spec.Topology.Variables) != 3 {
		t.Errorf("topology %+v", c.Spec.Topology)
	}
}

// lostRequestCluster is the Cluster the controller made for the request id in tenant-a before
// the store lost that request (uid-0), with the demo class.
func lostRequestCluster(class string) *clusterv1.Cluster {
	lost := request("tenant-a")
	lost.UID = "uid-0"
	return newCluster(lost, ClusterName("tenant-a", id), clusterv1.Topology{Version: "v1.33.0",
		ClassRef: clusterv1.ClusterClassRef{Name: class, Namespace: inv}})
}

// TestResubmittedRequestAdoptsItsOrphanedCluster is the regression test of re-submission
// after a Redis wipe: the request comes back with a new uid, and used to end FAILED
// ClusterNotOwned on the Cluster made for it. Now it takes the Cluster over (relabelled with
// its uid, the lost one recorded) and follows it.
func TestResubmittedRequestAdoptsItsOrphanedCluster(t *testing.T) {
	f := newFixture(t, []*clusterv1.Cluster{lostRequestCluster("demo")}, request("tenant-a"), template("v1.33.0"))
	f.r.orphans = newOrphans(nil)
	f.reconcile(t, "tenant-a")
	c := f.cluster(t, "tenant-a")
	if c.Labels[v1alpha1.LabelProvisioningRequestUID] != "uid-1" || c.Annotations[v1alpha1.AnnotationPreviousRequestUID] != "uid-0" {
		t.Errorf("adopted Cluster labels %v annotations %v", c.Labels, c.Annotations)
	}
	// The topology is then the request's, as after an update of it.
	if vars := len(c.Spec.Topology.Variables); vars != 3 {
		t.Errorf("topology %+v not brought to the request's", c.Spec.Topology)
	}
	req := f.request(t, "tenant-a")
	if req.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseProgressing || len(req.Finalizers) != 1 {
		t.Errorf("status %s %q, finalizers %v", req.Status.ProvisioningPhase, req.Status.Message, req.Finalizers)
	}
	if n := len(f.r.orphans.keys); n != 0 {
		t.Errorf("%d orphans after the adoption", n)
	}
}

// TestOrphanOfAnotherClassIsNotAdopted: a request of the same id whose template builds with
// another ClusterClass is not the lost request submitted again; the Cluster stays as it is.
func TestOrphanOfAnotherClassIsNotAdopted(t *testing.T) {
	f := newFixture(t, []*clusterv1.Cluster{lostRequestCluster("other")}, request("tenant-a"), template("v1.33.0"))
	f.r.orphans = newOrphans(nil)
	f.reconcile(t, "tenant-a")
	if c := f.cluster(t, "tenant-a"); c.Labels[v1alpha1.LabelProvisioningRequestUID] != "uid-0" || len(c.Annotations) != 0 {
		t.Errorf("Cluster of another class touched: labels %v annotations %v", c.Labels, c.Annotations)
	}
	req := f.request(t, "tenant-a")
	if req.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || !strings.Contains(req.Status.Message, "ClusterClass o2ims-system/other, not o2ims-system/demo") {
		t.Errorf("status %s %q", req.Status.ProvisioningPhase, req.Status.Message)
	}
	if _, ok := f.r.orphans.keys["tenant-a/"+ClusterName("tenant-a", id)]; !ok || len(f.r.orphans.keys) != 1 {
		t.Errorf("orphans %v, want the Cluster", f.r.orphans.keys)
	}
}

// TestOrphanIsNeverDeleted: a Cluster whose request is gone is counted, not deleted; nor does
// the DELETE of a request that has not adopted it delete it.
func TestOrphanIsNeverDeleted(t *testing.T) {
	f := newFixture(t, []*clusterv1.Cluster{lostRequestCluster("demo")}, template("v1.33.0"))
	f.r.orphans = newOrphans(nil)
	f.reconcile(t, "tenant-a")
	if _, ok := f.r.orphans.keys["tenant-a/"+ClusterName("tenant-a", id)]; !ok {
		t.Errorf("orphans %v, want the Cluster", f.r.orphans.keys)
	}
	f.cluster(t, "tenant-a")

	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	req.DeletionTimestamp = &metav1.Time{Time: now}
	g := newFixture(t, []*clusterv1.Cluster{lostRequestCluster("demo")}, req, template("v1.33.0"))
	g.reconcile(t, "tenant-a")
	if c := g.cluster(t, "tenant-a"); c.DeletionTimestamp != nil || c.Labels[v1alpha1.LabelProvisioningRequestUID] != "uid-0" {
		t.Errorf("orphan changed by a deleted request: %+v", c.ObjectMeta)
	}
	if got := g.request(t, "tenant-a"); len(got.Finalizers) != 0 {
		t.Errorf("the deleted request is held: finalizers %v", got.Finalizers)
	}
}

// TestResubmittedRequestWaitsForItsDeletingCluster: a request lost with the store while
// DELETING left its Cluster being torn down; submitted again, the request waits for that
// Cluster to be gone (PROGRESSING, saying so) instead of failing ClusterNotOwned or adopting a
// Cluster on its way out.
func TestResubmittedRequestWaitsForItsDeletingCluster(t *testing.T) {
	c := lostRequestCluster("demo")
	c.DeletionTimestamp = &metav1.Time{Time: now}
	c.Finalizers = []string{clusterv1.ClusterFinalizer}
	f := newFixture(t, []*clusterv1.Cluster{c}, request("tenant-a"), template("v1.33.0"))
	f.r.orphans = newOrphans(nil)
	f.reconcile(t, "tenant-a")
	req := f.request(t, "tenant-a")
	if req.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseProgressing || !strings.Contains(req.Status.Message, "to be deleted before creating it again") {
		t.Errorf("status %s %q", req.Status.ProvisioningPhase, req.Status.Message)
	}
	if got := f.cluster(t, "tenant-a"); got.Labels[v1alpha1.LabelProvisioningRequestUID] != "uid-0" {
		t.Errorf("the deleting Cluster was adopted: labels %v", got.Labels)
	}
	if n := len(f.r.orphans.keys); n != 0 {
		t.Errorf("a Cluster being deleted counted orphaned (%d)", n)
	}
}

// TestRegressionTenantTemplateDoesNotChangeOperatorCluster: the controller looked a request's
// template up again at every reconcile, the tenant's namespace first, and patched the Cluster
// with whatever it found. A tenant adding its own "demo.v1.33.0" (its own ClusterClass, no
// schema, defaults workers 500 and an injected variable) had them merged into a Cluster built
// from the operator's ClusterClass, past the operator's schema; a version only the tenant's
// template offered likewise. Now only a template of the Cluster's own ClusterClass changes it,
// and only with parameters that template accepts; otherwise the request is FAILED and the
// Cluster left as it is.
func TestRegressionTenantTemplateDoesNotChangeOperatorCluster(t *testing.T) {
	tenantTemplate := func(version string) *v1alpha1.ManagedInfrastructureTemplate {
		tt := template(version)
		tt.Namespace, tt.Spec.ClusterClassRef.Namespace = "tenant-a", "tenant-a"
		tt.Spec.Defaults = &v1alpha1.JSON{Raw: []byte(`{"clusterInstanceDefaults":{"workers":500,"injected":"x"}}`)}
		return tt
	}
	built := func(t *testing.T, req *v1alpha1.ProvisioningRequest) *clusterv1.Cluster {
		base := request("tenant-a")
		top, err := topology(base, template("v1.33.0"))
		if err != nil {
			t.Fatal(err)
		}
		return newCluster(req, ClusterName("tenant-a", id), top)
	}
	unchanged := func(t *testing.T, f *fixture, want *clusterv1.Cluster) {
		t.Helper()
		c := f.cluster(t, "tenant-a")
		if c.Spec.Topology.Version != want.Spec.Topology.Version || !variablesEqual(c.Spec.Topology.Variables, want.Spec.Topology.Variables) ||
			c.Spec.Topology.ClassRef != want.Spec.Topology.ClassRef {
			t.Errorf("Cluster topology changed to %+v", c.Spec.Topology)
		}
	}
	failed := func(t *testing.T, f *fixture, msg string) {
		t.Helper()
		req := f.request(t, "tenant-a")
		c := meta.FindStatusCondition(req.Status.Conditions, ConditionFulfilled)
		if req.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || !strings.Contains(req.Status.Message, msg) ||
			c == nil || c.Reason != ReasonNotApplied {
			t.Errorf("status %s %q, Fulfilled %+v; want FAILED %q", req.Status.ProvisioningPhase, req.Status.Message, c, msg)
		}
	}

	t.Run("same name and version", func(t *testing.T) {
		req := request("tenant-a")
		req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
		want := built(t, req)
		f := newFixture(t, []*clusterv1.Cluster{want}, req, template("v1.33.0"), tenantTemplate("v1.33.0"))
		f.reconcile(t, "tenant-a")
		unchanged(t, f, want)
		if p := f.request(t, "tenant-a").Status.ProvisioningPhase; p != v1alpha1.ProvisioningPhaseProgressing {
			t.Errorf("phase %s; the operator's template applies", p)
		}
	})
	t.Run("a version only the tenant's template offers", func(t *testing.T) {
		req := request("tenant-a")
		req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
		want := built(t, req)
		req.Spec.TemplateVersion = "v1.34.0"
		f := newFixture(t, []*clusterv1.Cluster{want}, req, template("v1.33.0"), tenantTemplate("v1.34.0"))
		f.reconcile(t, "tenant-a")
		unchanged(t, f, want)
		failed(t, f, "template tenant-a/demo.v1.34.0 is made from ClusterClass tenant-a/demo, not o2ims-system/demo")
	})
	t.Run("parameters the template refuses now", func(t *testing.T) {
		req := request("tenant-a")
		req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
		want := built(t, req)
		req.Spec.TemplateVersion = "v1.34.0"
		strict := template("v1.34.0")
		strict.Spec.ParameterSchema = &v1alpha1.JSON{Raw: []byte(`{"type":"object","properties":{"workers":{"type":"integer","maximum":2}}}`)}
		f := newFixture(t, []*clusterv1.Cluster{want}, req, template("v1.33.0"), strict)
		f.reconcile(t, "tenant-a")
		unchanged(t, f, want)
		failed(t, f, "templateParameters do not satisfy template o2ims-system/demo.v1.34.0")
	})
	t.Run("a new request is refused what its template refuses", func(t *testing.T) {
		strict := template("v1.33.0")
		strict.Spec.ParameterSchema = &v1alpha1.JSON{Raw: []byte(`{"type":"object","properties":{"workers":{"type":"integer","maximum":2}}}`)}
		f := newFixture(t, nil, request("tenant-a"), strict)
		f.reconcile(t, "tenant-a")
		if _, err := f.dyn.Resource(clusterapi.Clusters).Namespace("tenant-a").Get(t.Context(), ClusterName("tenant-a", id), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("Cluster created: %v", err)
		}
		if req := f.request(t, "tenant-a"); req.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed {
			t.Errorf("status %s %q", req.Status.ProvisioningPhase, req.Status.Message)
		}
	})
}

// TestRegressionLongClusterAPIMessageStillWritesStatus: a Cluster condition's message (a
// provider's, of any length) was copied whole into the request's status.message, which
// validation bounds at 32 KiB: every status write was refused and the request stood still. The
// messages are now cut to the bound.
func TestRegressionLongClusterAPIMessageStillWritesStatus(t *testing.T) {
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	top, err := topology(req, template("v1.33.0"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(req, ClusterName("tenant-a", id), top)
	c.Status.Conditions = []metav1.Condition{{Type: clusterv1.ClusterInfrastructureReadyCondition, Status: metav1.ConditionFalse,
		Reason: "ProvisioningFailed", Message: strings.Repeat("é", validation.MaxMessageLength)}}
	f := newFixture(t, []*clusterv1.Cluster{c}, req, template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	st := f.request(t, "tenant-a").Status
	if st.ProvisioningPhase != v1alpha1.ProvisioningPhaseFailed || len(st.Message) > validation.MaxMessageLength ||
		!utf8.ValidString(st.Message) || !strings.HasSuffix(st.Message, "…") {
		t.Errorf("status %s, message of %d bytes (valid UTF-8: %v)", st.ProvisioningPhase, len(st.Message), utf8.ValidString(st.Message))
	}
	for _, c := range st.Conditions {
		if len(c.Message) > validation.MaxMessageLength || !utf8.ValidString(c.Message) {
			t.Errorf("condition %s: message of %d bytes", c.Type, len(c.Message))
		}
	}
}

// TestRegressionOwnStatusWriteIsReconciled: the controller ignored updates that changed a
// request's status only, its own writes among them. A reconcile that ran on an informer copy
// older than its previous write compared the status it derived with that older one: when the
// Cluster had gone back to what the older copy said (a condition True, then False again), it
// found nothing to write and the stored status kept saying True, until some other event. A
// status change now queues the request; the pass on the fresh copy writes the right status.
func TestRegressionOwnStatusWriteIsReconciled(t *testing.T) {
	older := request("tenant-a")
	older.Status.ProvisioningPhase = v1alpha1.ProvisioningPhaseProgressing
	written := older.DeepCopy()
	written.ResourceVersion = "2"
	written.Status.ProvisioningPhase = v1alpha1.ProvisioningPhaseFulfilled
	if !requestChanged(older, written) {
		t.Error("a status write does not queue the request")
	}
	if requestChanged(written, written.DeepCopy()) {
		t.Error("a resync (same resourceVersion) queues the request")
	}

	// The pass on the fresh copy: the stored status (FULFILLED) is not what the Cluster says
	// (its infrastructure not ready), and is written back.
	written.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	top, err := topology(written, template("v1.33.0"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, []*clusterv1.Cluster{newCluster(written, ClusterName("tenant-a", id), top)}, written, template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	if p := f.request(t, "tenant-a").Status.ProvisioningPhase; p != v1alpha1.ProvisioningPhaseProgressing {
		t.Errorf("phase %s, want PROGRESSING as the Cluster says", p)
	}
}

// TestRegressionDeleteOutsideProvisioningNamespaces: a request made in a namespace that was
// later dropped from --provisioning-namespaces was ignored, its deletion too: DELETING forever,
// its finalizer never removed. Its Cluster is now read live: gone, the request goes; there
// and built for it, it is deleted and the request waits for it (retried, no event comes from
// that namespace); where netweave may not read it, the status says what to do.
func TestRegressionDeleteOutsideProvisioningNamespaces(t *testing.T) {
	req := request("tenant-gone")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	req.DeletionTimestamp = &metav1.Time{Time: now}
	key := "tenant-gone/" + id

	f := newFixture(t, nil, req)
	if err := f.r.reconcile(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	if got := f.request(t, "tenant-gone"); len(got.Finalizers) != 0 {
		t.Errorf("no Cluster: finalizers %v", got.Finalizers)
	}

	owned := newCluster(req, ClusterName("tenant-gone", id), clusterv1.Topology{Version: "v1.33.0"})
	g := newFixture(t, []*clusterv1.Cluster{owned}, req)
	if err := g.r.reconcile(t.Context(), key); err == nil {
		t.Error("no retry while the Cluster is there")
	}
	if _, err := g.dyn.Resource(clusterapi.Clusters).Namespace("tenant-gone").Get(t.Context(), owned.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Cluster not deleted: %v", err)
	}
	if got := g.request(t, "tenant-gone"); len(got.Finalizers) != 1 {
		t.Errorf("released before its Cluster was gone: finalizers %v", got.Finalizers)
	}
	if err := g.r.reconcile(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	if got := g.request(t, "tenant-gone"); len(got.Finalizers) != 0 {
		t.Errorf("Cluster gone: finalizers %v", got.Finalizers)
	}

	h := newFixture(t, nil, req)
	h.dyn.PrependReactor("get", "clusters", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(clusterapi.Clusters.GroupResource(), ClusterName("tenant-gone", id), errors.New("no RBAC"))
	})
	if err := h.r.reconcile(t.Context(), key); err == nil {
		t.Error("no retry while the Cluster cannot be read")
	}
	got := h.request(t, "tenant-gone")
	if len(got.Finalizers) != 1 || got.Status.ProvisioningPhase != v1alpha1.ProvisioningPhaseDeleting ||
		!strings.Contains(got.Status.Message, "no longer a provisioning namespace") {
		t.Errorf("finalizers %v, status %s %q", got.Finalizers, got.Status.ProvisioningPhase, got.Status.Message)
	}
}

// TestRegressionTemplateOfAnotherNameAndVersionIsNotUsed: the object name "demo.v1.33.0" is
// the template of (demo, v1.33.0) and of (demo.v1, 33.0) alike. A request for the first must
// not build a Cluster from the second: it waits for its template, as for a missing one.
func TestRegressionTemplateOfAnotherNameAndVersionIsNotUsed(t *testing.T) {
	other := template("v1.33.0")
	other.Spec.Name, other.Spec.Version = "demo.v1", "33.0"
	f := newFixture(t, nil, request("tenant-a"), other)
	f.reconcile(t, "tenant-a")
	if _, err := f.dyn.Resource(clusterapi.Clusters).Namespace("tenant-a").Get(context.Background(), ClusterName("tenant-a", id), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a Cluster was built from the template of (demo.v1, 33.0): %v", err)
	}
	if req := f.request(t, "tenant-a"); !strings.Contains(req.Status.Message, "demo.v1.33.0") {
		t.Errorf("status %+v does not say the template is missing", req.Status)
	}
}
