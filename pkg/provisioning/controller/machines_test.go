package controller

import (
	"fmt"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
)

const (
	nodeResourceID = "0b7e1c52-3f7e-4d7a-9a52-0c1d2e3f4a5b"
	memberDMID     = "1c2d3e4f-3f7e-4d7a-9a52-0c1d2e3f4a5b"
)

// machine is a Machine of the request's Cluster in tenant-a, in phase, its Node nodeName ("" for
// none yet).
func machine(name, phase, nodeName string, conds ...metav1.Condition) *clusterv1.Machine {
	m := &clusterv1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "tenant-a", UID: types.UID("uid-" + name),
			Labels: map[string]string{clusterv1.ClusterNameLabel: ClusterName("tenant-a", id)}},
		Spec: clusterv1.MachineSpec{ClusterName: ClusterName("tenant-a", id)},
	}
	m.Status.Phase = phase
	m.Status.NodeRef.Name = nodeName
	m.Status.Conditions = conds
	return m
}

// builtRequest is a request whose Cluster exists, and the Cluster.
func builtRequest(t *testing.T) (*v1alpha1.ProvisioningRequest, *clusterv1.Cluster) {
	t.Helper()
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	top, err := topology(req, template("v1.33.0"))
	if err != nil {
		t.Fatal(err)
	}
	return req, newCluster(req, ClusterName("tenant-a", id), top)
}

// memberObjects are the inventory of the request's cluster as the inventory sync writes it: its
// DeploymentManager and the Resource of its Node node-a, labelled with the tenant that
// registered it.
func memberObjects() (*v1alpha1.DeploymentManager, *v1alpha1.O2Resource) {
	name := ClusterName("tenant-a", id)
	dm := &v1alpha1.DeploymentManager{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: inv, Labels: map[string]string{v1alpha1.LabelCluster: name, v1alpha1.LabelTenant: "tenant-a"}},
		Spec:       v1alpha1.DeploymentManagerSpec{DeploymentManagerID: memberDMID},
		Status:     v1alpha1.DeploymentManagerStatus{OperationalState: v1alpha1.OperationalStateEnabled},
	}
	res := &v1alpha1.O2Resource{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-node-a", Namespace: inv, Labels: map[string]string{v1alpha1.LabelCluster: name, v1alpha1.LabelTenant: "tenant-a"},
			Annotations: map[string]string{v1alpha1.AnnotationSource: kube.NodeSource("node-a")}},
		Spec: v1alpha1.ResourceSpec{ResourceID: nodeResourceID},
	}
	return dm, res
}

func TestMachinesAreTheInfrastructureResources(t *testing.T) {
	req, c := builtRequest(t)
	dm, res := memberObjects()
	machines := []*clusterv1.Machine{
		machine("m-c", "Failed", ""),
		machine("m-a", string(clusterv1.MachinePhaseRunning), "node-a"),
		machine("m-b", string(clusterv1.MachinePhaseProvisioning), ""),
		// Running on a Node the inventory has no Resource of (yet): its uid.
		machine("m-d", string(clusterv1.MachinePhaseRunning), "node-d"),
	}
	other := machine("m-other", string(clusterv1.MachinePhaseRunning), "node-a")
	other.Labels[clusterv1.ClusterNameLabel] = "someone-elses"
	f := newFixtureWithMachines(t, []*clusterv1.Cluster{c}, append(machines, other), req, template("v1.33.0"), dm, res)
	f.reconcile(t, "tenant-a")

	got := f.request(t, "tenant-a").Status.InfrastructureResourceProvisioningStatus
	want := []v1alpha1.ResourceProvisioningStatus{
		{ResourceName: "m-a", ResourceID: nodeResourceID, ResourceProvisioningPhase: v1alpha1.ResourceProvisioningPhaseProvisioned},
		{ResourceName: "m-b", ResourceID: "uid-m-b", ResourceProvisioningPhase: v1alpha1.ResourceProvisioningPhaseProcessing},
		{ResourceName: "m-c", ResourceID: "uid-m-c", ResourceProvisioningPhase: v1alpha1.ResourceProvisioningPhaseFailed},
		{ResourceName: "m-d", ResourceID: "uid-m-d", ResourceProvisioningPhase: v1alpha1.ResourceProvisioningPhaseProvisioned},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("infrastructureResourceProvisioningStatus\n got %+v\nwant %+v", got, want)
	}
}

func TestMachinesBeforeTheInventoryAreTheirUIDs(t *testing.T) {
	req, c := builtRequest(t)
	f := newFixtureWithMachines(t, []*clusterv1.Cluster{c}, []*clusterv1.Machine{machine("m-a", string(clusterv1.MachinePhaseRunning), "node-a")},
		req, template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	got := f.request(t, "tenant-a").Status.InfrastructureResourceProvisioningStatus
	if len(got) != 1 || got[0].ResourceID != "uid-m-a" || got[0].ResourceProvisioningPhase != v1alpha1.ResourceProvisioningPhaseProvisioned {
		t.Errorf("infrastructureResourceProvisioningStatus %+v", got)
	}
}

func TestNoClusterNoMachines(t *testing.T) {
	// A foreign Cluster of the request's name: its Machines are not the request's.
	foreign := &clusterv1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: ClusterName("tenant-a", id), Namespace: "tenant-a"}}
	f := newFixtureWithMachines(t, []*clusterv1.Cluster{foreign}, []*clusterv1.Machine{machine("m-a", "Running", "")},
		request("tenant-a"), template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	if got := f.request(t, "tenant-a").Status.InfrastructureResourceProvisioningStatus; got != nil {
		t.Errorf("infrastructureResourceProvisioningStatus %+v of a foreign Cluster", got)
	}
}

func TestMachinesAreBounded(t *testing.T) {
	req, c := builtRequest(t)
	machines := make([]*clusterv1.Machine, maxInfrastructureResources+1)
	for i := range machines {
		machines[i] = machine(fmt.Sprintf("m-%05d", i), "Running", "")
	}
	f := newFixtureWithMachines(t, []*clusterv1.Cluster{c}, machines, req, template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	got := f.request(t, "tenant-a").Status.InfrastructureResourceProvisioningStatus
	if len(got) != maxInfrastructureResources || got[0].ResourceName != "m-00000" || got[len(got)-1].ResourceName != fmt.Sprintf("m-%05d", maxInfrastructureResources-1) {
		t.Errorf("%d entries, first %+v", len(got), got[0])
	}
}

func TestMachinePhase(t *testing.T) {
	failed := cond(clusterv1.MachineInfrastructureReadyCondition, "False", "ProvisioningFailed", 1)
	waiting := cond(clusterv1.MachineBootstrapConfigReadyCondition, "False", "NotReady", 1)
	deleting := machine("m", "Running", "")
	deleting.DeletionTimestamp = &metav1.Time{Time: now}
	for _, tc := range []struct {
		m    *clusterv1.Machine
		want v1alpha1.ResourceProvisioningPhase
	}{
		{machine("m", "", ""), v1alpha1.ResourceProvisioningPhaseProcessing},
		{machine("m", "Pending", ""), v1alpha1.ResourceProvisioningPhaseProcessing},
		{machine("m", "Provisioning", "", waiting), v1alpha1.ResourceProvisioningPhaseProcessing},
		{machine("m", "Provisioning", "", failed), v1alpha1.ResourceProvisioningPhaseFailed},
		{machine("m", "Provisioned", ""), v1alpha1.ResourceProvisioningPhaseProvisioned},
		{machine("m", "Running", ""), v1alpha1.ResourceProvisioningPhaseProvisioned},
		{machine("m", "Updating", ""), v1alpha1.ResourceProvisioningPhaseProvisioned},
		{machine("m", "Failed", ""), v1alpha1.ResourceProvisioningPhaseFailed},
		{machine("m", "Deleting", "", failed), v1alpha1.ResourceProvisioningPhaseProcessing},
		{machine("m", "Deleted", ""), v1alpha1.ResourceProvisioningPhaseProcessing},
		{machine("m", "Unknown", ""), v1alpha1.ResourceProvisioningPhaseProcessing},
		{deleting, v1alpha1.ResourceProvisioningPhaseProcessing},
	} {
		if got := machinePhase(tc.m); got != tc.want {
			t.Errorf("phase %q conditions %v deleted %v: %s, want %s", tc.m.Status.Phase, tc.m.Status.Conditions, tc.m.DeletionTimestamp != nil, got, tc.want)
		}
	}
}

func TestMachineEventQueuesItsClustersRequest(t *testing.T) {
	_, c := builtRequest(t)
	f := newFixtureWithMachines(t, []*clusterv1.Cluster{c}, nil)
	queue := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	t.Cleanup(queue.ShutDown)
	h := handlers{queue: queue, clusters: f.r.clusters,
		requests: o2listers.NewProvisioningRequestLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}))}

	h.machine(cache.DeletedFinalStateUnknown{Obj: machine("m-a", "Running", "")})
	orphan := machine("m-b", "Running", "")
	orphan.Labels[clusterv1.ClusterNameLabel] = "not-cached"
	h.machine(orphan)
	h.machine(&clusterv1.Machine{ObjectMeta: metav1.ObjectMeta{Name: "unlabelled", Namespace: "tenant-a"}})

	if queue.Len() != 1 {
		t.Fatalf("%d queued, want the request of the Machine's Cluster only", queue.Len())
	}
	if key, _ := queue.Get(); key != "tenant-a/"+id {
		t.Errorf("queued %q", key)
	}
}
