package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/inventory/members"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
	"github.com/netweave-io/netweave/pkg/provisioning/controller"
)

// provisioningFaultLease are Lease timings short enough that a restarted replica takes the
// provisioning Lease its killed predecessor held within seconds, not client-go's 15 s.
var provisioningFaultLease = []string{
	"--provisioning-lease-duration=4s", "--provisioning-renew-deadline=3s", "--provisioning-retry-period=500ms",
}

// provFault is a stack set up for provisioning as installed (Cluster API's CRDs, the
// namespaces and the chart's RBAC before netweave starts), with the clients the fault tests
// play the SMO and Cluster API with.
type provFault struct {
	s    *stack
	o2   versioned.Interface
	kube kubernetes.Interface
	capi capiPlayer
	// kubeconfig is what the test's kubeconfig Secrets hold: the management cluster's own
	// admin kubeconfig, so every "built" cluster is a reachable member without starting
	// another control plane (each member's ids derive from its own name, so ten members of
	// one API server do not collide).
	kubeconfig []byte
}

func startProvFault(t *testing.T, tenants []string, extra ...string) *provFault {
	t.Helper()
	s := startProvisioningStack(t, tenants, invArgs(""), slices.Concat(provisioningFaultLease, extra)...)
	ctx := context.Background()
	cfg := s.cp.RESTConfig(localstack.Admin)
	kubeconfig, err := os.ReadFile(s.cp.Kubeconfig(localstack.Admin))
	if err != nil {
		t.Fatal(err)
	}
	p := &provFault{s: s, o2: versioned.NewForConfigOrDie(cfg), kube: kubernetes.NewForConfigOrDie(cfg),
		capi: capiPlayer{dyn: dynamic.NewForConfigOrDie(cfg)}, kubeconfig: kubeconfig}
	// The one Node every member reports: each request's provisionedResourceSet then holds one
	// Resource id of its own member.
	invClients{kube: p.kube, o2: p.o2}.createNode(t, "pf-node", "zone-a", "small", true)
	// Ready to take requests: the restarted server answers as itself (its authentication
	// configuration loaded) and the template sync leads.
	for _, ns := range tenants {
		eventually(t, syncWait, "requests served in "+ns, func() error {
			_, err := p.o2.O2imsV1alpha1().ProvisioningRequests(ns).List(ctx, metav1.ListOptions{})
			return err
		})
	}
	eventually(t, syncWait, "template demo.v1.33.0", func() error {
		_, err := p.o2.O2imsV1alpha1().ManagedInfrastructureTemplates(invNS).Get(ctx, "demo.v1.33.0", metav1.GetOptions{})
		return err
	})
	return p
}

// faultID is the provisioningRequestId of the i-th request of a fault test.
func faultID(i int) string { return fmt.Sprintf("fa017000-0000-4000-8000-%012d", i) }

func faultRequest(ns, id string) *o2v1.ProvisioningRequest {
	return &o2v1.ProvisioningRequest{ObjectMeta: metav1.ObjectMeta{Name: id, Namespace: ns},
		Spec: o2v1.ProvisioningRequestSpec{Name: "edge-" + id[len(id)-3:], TemplateName: "demo", TemplateVersion: "v1.33.0",
			TemplateParameters: &o2v1.JSON{Raw: []byte(`{"region":"eu-1"}`)}}}
}

func (p *provFault) create(t *testing.T, ns, id string) {
	t.Helper()
	if _, err := p.o2.O2imsV1alpha1().ProvisioningRequests(ns).Create(context.Background(), faultRequest(ns, id), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create request %s/%s: %v", ns, id, err)
	}
}

// clusters are the Clusters of ns by name.
func (p *provFault) clusters(t *testing.T, ns string) map[string]*clusterv1.Cluster {
	t.Helper()
	list, err := p.capi.dyn.Resource(clusterapi.Clusters).Namespace(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*clusterv1.Cluster{}
	for i := range list.Items {
		c, err := clusterapi.ClusterFrom(&list.Items[i])
		if err != nil {
			t.Fatal(err)
		}
		out[c.Name] = c
	}
	return out
}

// waitClusters waits until the Clusters of the requests ids exist in ns.
func (p *provFault) waitClusters(t *testing.T, ns string, ids ...string) {
	t.Helper()
	eventually(t, syncWait, fmt.Sprintf("%d Clusters in %s", len(ids), ns), func() error {
		have := p.clusters(t, ns)
		for _, id := range ids {
			if have[controller.ClusterName(ns, id)] == nil {
				return fmt.Errorf("no Cluster for request %s", id)
			}
		}
		return nil
	})
}

// build plays Cluster API building the request's cluster to the end: every condition the
// request follows True for the Cluster's generation (one status write), then the kubeconfig
// Secret that makes it a member of the inventory.
func (p *provFault) build(t *testing.T, ns, id string) {
	t.Helper()
	name := controller.ClusterName(ns, id)
	p.capi.endpoint(t, ns, name, p.kubeconfig)
	p.capi.update(t, ns, name, true, func(c *clusterv1.Cluster) {
		for typ, reason := range map[string]string{
			clusterv1.ClusterInfrastructureReadyCondition:   "Ready",
			clusterv1.ClusterControlPlaneAvailableCondition: "Available",
			clusterv1.ClusterWorkersAvailableCondition:      "Available",
			clusterv1.ClusterTopologyReconciledCondition:    "ReconcileSucceeded",
		} {
			meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: reason,
				ObservedGeneration: c.Generation, LastTransitionTime: metav1.Now()})
		}
	})
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-kubeconfig", Namespace: ns, Labels: map[string]string{members.CAPIClusterLabel: name}},
		Type:       members.CAPISecretType, Data: map[string][]byte{o2v1.SecretKeyCAPIKubeconfig: p.kubeconfig},
	}
	if _, err := p.kube.CoreV1().Secrets(ns).Create(context.Background(), secret, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// checkFulfilled waits until each request of ids in ns is FULFILLED and checks what its
// status reports against what exists: exactly one Cluster labelled with its id, carrying its
// uid, named in clusterRef; nodeClusterId its member's DeploymentManager's id; its one
// Resource id. It returns the requests' uids by id.
func (p *provFault) checkFulfilled(t *testing.T, ns string, ids ...string) map[string]string {
	t.Helper()
	ctx := context.Background()
	reqs := p.o2.O2imsV1alpha1().ProvisioningRequests(ns)
	eventually(t, syncWait, fmt.Sprintf("%d requests FULFILLED in %s", len(ids), ns), func() error {
		var waiting []string
		for _, id := range ids {
			r, err := reqs.Get(ctx, id, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if r.Status.ProvisioningPhase != o2v1.ProvisioningPhaseFulfilled || r.Status.ProvisionedResourceSet == nil ||
				len(r.Status.ProvisionedResourceSet.InfrastructureResourceIDs) != 1 {
				waiting = append(waiting, fmt.Sprintf("%s %s %q", id, r.Status.ProvisioningPhase, r.Status.Message))
			}
		}
		if len(waiting) > 0 {
			return fmt.Errorf("%d not fulfilled, e.g. %s", len(waiting), waiting[0])
		}
		return nil
	})
	uids := map[string]string{}
	byID := map[string][]*clusterv1.Cluster{}
	for _, c := range p.clusters(t, ns) {
		if id := c.Labels[o2v1.LabelProvisioningRequest]; id != "" {
			byID[id] = append(byID[id], c)
		}
	}
	for _, id := range ids {
		r, err := reqs.Get(ctx, id, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uids[id] = string(r.UID)
		name := controller.ClusterName(ns, id)
		if cs := byID[id]; len(cs) != 1 || cs[0].Name != name || cs[0].Labels[o2v1.LabelProvisioningRequestUID] != string(r.UID) {
			t.Errorf("request %s: %d Clusters labelled with it (%v), want one, %s, with uid %s", id, len(cs), clusterNames(cs), name, r.UID)
		}
		if ref := r.Status.ClusterRef; ref == nil || ref.Name != name || ref.Namespace != ns {
			t.Errorf("request %s: clusterRef %+v, want %s/%s", id, ref, ns, name)
		}
		sel := metav1.ListOptions{LabelSelector: o2v1.LabelCluster + "=" + name}
		dms, err := p.o2.O2imsV1alpha1().DeploymentManagers(invNS).List(ctx, sel)
		if err != nil || len(dms.Items) != 1 {
			t.Fatalf("request %s: member DeploymentManagers %v (%v), want one", id, dms, err)
		}
		res, err := p.o2.O2imsV1alpha1().O2Resources(invNS).List(ctx, sel)
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("request %s: member Resources %v (%v), want one", id, res, err)
		}
		set := r.Status.ProvisionedResourceSet
		if set.NodeClusterID != dms.Items[0].Spec.DeploymentManagerID || set.InfrastructureResourceIDs[0] != res.Items[0].Spec.ResourceID {
			t.Errorf("request %s: provisionedResourceSet %+v, want DeploymentManager %s and Resource %s", id, set,
				dms.Items[0].Spec.DeploymentManagerID, res.Items[0].Spec.ResourceID)
		}
		if n := r.Status.NodeClusterProvisioningStatus; n == nil || n.ResourceID != set.NodeClusterID ||
			n.ResourceProvisioningPhase != o2v1.ResourceProvisioningPhaseProvisioned {
			t.Errorf("request %s: nodeClusterProvisioningStatus %+v", id, n)
		}
	}
	return uids
}

func clusterNames(cs []*clusterv1.Cluster) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// TestProvisioningLeaderKilled: the netweave replica that leads provisioning is killed -9
// while ten requests are on their way (some just created, some with their Cluster, some
// built), and stays down while the SMO deletes two of them and Cluster API goes on building;
// a second replica, without the controllers, keeps the API up. Restarted, the killed replica
// takes the Lease again and nothing is lost or doubled: every remaining request reaches
// FULFILLED with exactly one Cluster, the right clusterRef, nodeClusterId and Resource id, and
// the two deleted while no controller ran are torn down (their Clusters gone, then the
// requests).
func TestProvisioningLeaderKilled(t *testing.T) {
	t.Parallel()
	const ns = "tenant-a"
	p := startProvFault(t, []string{ns})
	ctx := context.Background()
	// The API replica serves requests in the same namespaces but runs no controller: while the
	// leader is down, nothing reconciles.
	api := p.s.startReplica(t, "api", "--provisioning-namespaces="+ns)
	eventually(t, syncWait, "the API replica is ready", func() error {
		if code := p.s.readyzClientAt(t, api.port)(); code != 200 {
			return fmt.Errorf("readyz %d", code)
		}
		return nil
	})

	const n = 10
	var ids []string
	for i := range n {
		ids = append(ids, faultID(i))
	}
	// Eight requests get their Clusters; three of those are built to the end (FULFILLED).
	for _, id := range ids[:8] {
		p.create(t, ns, id)
	}
	p.waitClusters(t, ns, ids[:8]...)
	for _, id := range ids[:3] {
		p.build(t, ns, id)
	}
	p.checkFulfilled(t, ns, ids[:3]...)
	// Two more, and the kill before the controller is through with them.
	p.create(t, ns, ids[8])
	p.create(t, ns, ids[9])
	if err := p.s.netweave.Kill(); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, syncWait)
	defer cancel()
	// As a Service drops a dead pod's endpoint: the APIService points at the survivor.
	if err := localstack.RegisterAPIService(rctx, p.s.cp.RESTConfig(localstack.Admin), api.port, p.s.cp.Serving.CABundle); err != nil {
		t.Fatal(err)
	}
	reqs := p.o2.O2imsV1alpha1().ProvisioningRequests(ns)
	deleted := []string{ids[1], ids[5]} // one fulfilled, one still building
	for _, id := range deleted {
		eventually(t, syncWait, "delete "+id+" through the API replica", func() error {
			return reqs.Delete(ctx, id, metav1.DeleteOptions{})
		})
	}
	// Cluster API goes on while netweave is down: the Clusters that exist are built.
	have := p.clusters(t, ns)
	var builtWhileDown []string
	for _, id := range ids[3:] {
		if have[controller.ClusterName(ns, id)] != nil && !slices.Contains(deleted, id) {
			p.build(t, ns, id)
			builtWhileDown = append(builtWhileDown, id)
		}
	}
	// No controller ran: the deleted requests are held by their finalizer, their Clusters
	// untouched.
	for _, id := range deleted {
		r, err := reqs.Get(ctx, id, metav1.GetOptions{})
		if err != nil || r.DeletionTimestamp == nil || !slices.Contains(r.Finalizers, o2v1.FinalizerProvisioning) {
			t.Fatalf("request %s deleted while no controller runs: %v, err %v; want it held by its finalizer", id, r, err)
		}
		if c := p.clusters(t, ns)[controller.ClusterName(ns, id)]; c == nil || c.DeletionTimestamp != nil {
			t.Fatalf("Cluster of %s changed while no controller runs: %+v", id, c)
		}
	}
	t.Logf("killed with %d of %d Clusters created; built %d while netweave was down", len(have), n, len(builtWhileDown))

	killedAt := time.Now()
	if err := p.s.netweave.Start(); err != nil {
		t.Fatal(err)
	}
	var remaining []string
	for _, id := range ids {
		if !slices.Contains(deleted, id) {
			remaining = append(remaining, id)
		}
	}
	p.waitClusters(t, ns, remaining...)
	for _, id := range remaining {
		if !slices.Contains(builtWhileDown, id) && !slices.Contains(ids[:3], id) {
			p.build(t, ns, id)
		}
	}
	t.Run("every remaining request is FULFILLED with its one Cluster", func(t *testing.T) {
		p.checkFulfilled(t, ns, remaining...)
		t.Logf("all %d FULFILLED %s after the restart", len(remaining), time.Since(killedAt).Round(time.Millisecond))
	})
	t.Run("the requests deleted while netweave was down are torn down", func(t *testing.T) {
		eventually(t, syncWait, "deleted requests gone", func() error {
			for _, id := range deleted {
				if _, err := reqs.Get(ctx, id, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
					return fmt.Errorf("request %s: %v", id, err)
				}
			}
			return nil
		})
	})
	t.Run("no Cluster is doubled or orphaned", func(t *testing.T) {
		all := p.clusters(t, ns)
		var unexpected []string
		for name, c := range all {
			id, ok := strings.CutPrefix(name, ns+"-")
			if !ok || !slices.Contains(remaining, id) || c.Labels[o2v1.LabelProvisioningRequest] != id {
				unexpected = append(unexpected, name)
			}
		}
		if len(all) != len(remaining) || len(unexpected) > 0 {
			t.Errorf("%d Clusters for %d requests; unexpected: %v", len(all), len(remaining), unexpected)
		}
		// The restarted leader counted every Cluster against its request: none orphaned, none
		// needing adoption (a kill loses no uid).
		m := p.s.metricsReader(t)
		if o, a := m.value(t, "netweave_provisioning_orphaned_clusters"), m.value(t, "netweave_provisioning_clusters_adopted_total"); o != 0 || a != 0 {
			t.Errorf("%v Clusters orphaned, %v adopted after the restart; want 0 and 0", o, a)
		}
	})
}

// TestProvisioningStoreWiped: Redis loses netweave's data (FLUSHALL, what a Redis restarted
// without persistence looks like) while six requests of tenant-a are on their way, three of
// them FULFILLED. The Clusters are real clusters with workloads: none is deleted because the
// store forgot its request; each is kept and counted as orphaned
// (netweave_provisioning_orphaned_clusters) until its request is back. Re-submitted by the
// SMO (same id, namespace and template), each request picks up the Cluster netweave had
// created for it (the same object, not a new one) and reaches FULFILLED; it owns it again (a
// DELETE tears it down). A Cluster netweave did not create is still never adopted, and
// another tenant's request of the same id gets a Cluster of its own instead of tenant-a's.
func TestProvisioningStoreWiped(t *testing.T) {
	t.Parallel()
	const ns, other = "tenant-a", "tenant-b"
	p := startProvFault(t, []string{ns, other}, notifierArgs...)
	ctx := context.Background()
	// The SMO follows its requests with a ProvisioningRequestSubscription.
	smo := newReceiver(t)
	p.subscribeProvisioning(t, ns, "smo", smo)
	var ids []string
	for i := range 6 {
		ids = append(ids, faultID(i))
		p.create(t, ns, ids[i])
	}
	p.waitClusters(t, ns, ids...)
	for _, id := range ids[:3] {
		p.build(t, ns, id)
	}
	fulfilledBefore := p.checkFulfilled(t, ns, ids[:3]...)
	nodeClusterBefore := map[string]string{}
	for _, id := range ids[:3] {
		r, err := p.o2.O2imsV1alpha1().ProvisioningRequests(ns).Get(ctx, id, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		nodeClusterBefore[id] = r.Status.ProvisionedResourceSet.NodeClusterID
	}
	// A seventh request is being deleted when the store goes: Cluster API holds its Cluster
	// with its finalizer while it tears the machines down.
	deletingID := faultID(7)
	p.create(t, ns, deletingID)
	p.waitClusters(t, ns, deletingID)
	deletingCluster := controller.ClusterName(ns, deletingID)
	p.capi.update(t, ns, deletingCluster, false, func(c *clusterv1.Cluster) { c.Finalizers = append(c.Finalizers, clusterv1.ClusterFinalizer) })
	if err := p.o2.O2imsV1alpha1().ProvisioningRequests(ns).Delete(ctx, deletingID, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, syncWait, "Cluster "+deletingCluster+" being deleted", func() error {
		if p.capi.get(t, ns, deletingCluster).DeletionTimestamp == nil {
			return fmt.Errorf("no deletionTimestamp")
		}
		return nil
	})
	// What the SMO knows before the wipe: the last state notified of each request.
	lastPhase := map[string]string{deletingID: "DELETING"}
	for _, id := range ids {
		lastPhase[id] = "PROGRESSING"
		if _, ok := fulfilledBefore[id]; ok {
			lastPhase[id] = "FULFILLED"
		}
	}
	eventually(t, syncWait, "the SMO told each request's phase", func() error {
		last := map[string]string{}
		for _, n := range smo.all() {
			id, phase, _ := provisioningNote(n, "postObjectState")
			last[id] = phase
		}
		if !maps.Equal(last, lastPhase) {
			return fmt.Errorf("last phases notified %v, want %v", last, lastPhase)
		}
		return nil
	})
	notifiedBefore := len(smo.all())
	// Someone else's Cluster, named as netweave would name the Cluster of request 6.
	foreignID := faultID(6)
	foreign, err := clusterapi.ToUnstructured(&clusterv1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: controller.ClusterName(ns, foreignID), Namespace: ns},
		Spec: clusterv1.ClusterSpec{Topology: clusterv1.Topology{Version: "v1.33.0",
			ClassRef: clusterv1.ClusterClassRef{Name: "demo", Namespace: invNS}}},
	}, clusterv1.ClusterKind)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.capi.dyn.Resource(clusterapi.Clusters).Namespace(ns).Create(ctx, foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := p.clusters(t, ns)
	if len(before) != 8 {
		t.Fatalf("%d Clusters in %s before the wipe, want 8", len(before), ns)
	}
	metrics := p.s.metricsReader(t)
	orphaned := func() float64 { return metrics.value(t, "netweave_provisioning_orphaned_clusters") }
	adopted := func() float64 { return metrics.value(t, "netweave_provisioning_clusters_adopted_total") }
	if o, a := orphaned(), adopted(); o != 0 || a != 0 {
		t.Fatalf("before the wipe: %v Clusters orphaned, %v adopted; want 0 and 0", o, a)
	}

	rdb := goredis.NewClient(&goredis.Options{Addr: p.s.redis.Addr()})
	defer rdb.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	reqs := p.o2.O2imsV1alpha1().ProvisioningRequests(ns)

	// The six Clusters of live requests; the one being deleted is on its way out, not
	// orphaned, and the foreign one was never netweave's.
	t.Run("no Cluster is deleted; the six netweave created are reported orphaned", func(t *testing.T) {
		eventually(t, syncWait, "six Clusters counted orphaned", func() error {
			if n := orphaned(); n != 6 {
				return fmt.Errorf("netweave_provisioning_orphaned_clusters %v, want 6", n)
			}
			return nil
		})
		for _, id := range ids {
			if _, err := reqs.Get(ctx, id, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("request %s after the wipe: %v, want NotFound", id, err)
			}
		}
		after := p.clusters(t, ns)
		for name, c := range before {
			if a := after[name]; a == nil || a.UID != c.UID || (a.DeletionTimestamp != nil) != (name == deletingCluster) {
				t.Errorf("Cluster %s after the wipe: %+v, want it kept as it was", name, a)
			}
		}
		if len(after) != len(before) {
			t.Errorf("%d Clusters after the wipe, %d before", len(after), len(before))
		}
		log, err := os.ReadFile(p.s.netweave.LogPath())
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(log), `"Cluster netweave created has no request; kept"`); n < 6 {
			t.Errorf("%d log lines report an orphaned Cluster, want one per Cluster at least (6)", n)
		}
	})

	// What a ProvisioningRequestSubscription is told (docs/provisioning.md, Faults): the
	// subscription went with the store; it is reported lost, not re-created, and receives
	// nothing. Created again by its owner, it hears each request that vanished as one DELETE
	// carrying the last state it was told of (not DELETING: its cluster was not torn down),
	// and nothing about the Cluster netweave did not create.
	again := newReceiver(t)
	t.Run("the subscription is lost; created again, it hears one DELETE per vanished request", func(t *testing.T) {
		lost := func() float64 {
			return metrics.value(t, "netweave_notifier_subscriptions_lost_total", `kind="ProvisioningRequestSubscription"`)
		}
		eventually(t, syncWait, "the subscription reported lost", func() error {
			if n := lost(); n != 1 {
				return fmt.Errorf("netweave_notifier_subscriptions_lost_total %v, want 1", n)
			}
			return nil
		})
		p.subscribeProvisioning(t, ns, "smo", again)
		eventually(t, syncWait, "seven DELETEs", func() error {
			if n := len(again.all()); n < len(lastPhase) {
				return fmt.Errorf("%d notifications", n)
			}
			return nil
		})
		deletes := map[string]string{}
		for _, n := range again.all() {
			id, phase, _ := provisioningNote(n, "priorObjectState")
			if eventType(n) != 2 || n.body["postObjectState"] != nil {
				t.Errorf("after the wipe, before any re-submission: %s", n.raw)
				continue
			}
			if _, dup := deletes[id]; dup {
				t.Errorf("request %s deleted twice", id)
			}
			deletes[id] = phase
		}
		if !maps.Equal(deletes, lastPhase) {
			t.Errorf("DELETEs with prior phases %v, want one per request with its last phase %v", deletes, lastPhase)
		}
		if n := len(smo.all()); n != notifiedBefore {
			t.Errorf("the lost subscription's callback got %d notifications after the wipe", n-notifiedBefore)
		}
	})

	// The templates are in the store too: the template sync writes them again, and until it
	// has, admission refuses the requests that name them, as it would any unknown template.
	eventually(t, syncWait, "template demo.v1.33.0 back", func() error {
		_, err := p.o2.O2imsV1alpha1().ManagedInfrastructureTemplates(invNS).Get(ctx, "demo.v1.33.0", metav1.GetOptions{})
		return err
	})

	t.Run("another tenant's request of the same id does not take the Cluster over", func(t *testing.T) {
		p.create(t, other, ids[0])
		p.waitClusters(t, other, ids[0])
		theirs := p.clusters(t, other)[controller.ClusterName(other, ids[0])]
		mine := p.clusters(t, ns)[controller.ClusterName(ns, ids[0])]
		r, err := p.o2.O2imsV1alpha1().ProvisioningRequests(other).Get(ctx, ids[0], metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if theirs.Labels[o2v1.LabelProvisioningRequestUID] != string(r.UID) {
			t.Errorf("tenant-b's Cluster labels %v, want its request's uid %s", theirs.Labels, r.UID)
		}
		if !maps.Equal(mine.Labels, before[mine.Name].Labels) || mine.ResourceVersion != before[mine.Name].ResourceVersion {
			t.Errorf("tenant-a's orphaned Cluster changed: labels %v, was %v", mine.Labels, before[mine.Name].Labels)
		}
	})

	t.Run("re-submitted, each request picks up its own Cluster", func(t *testing.T) {
		for _, id := range ids {
			p.create(t, ns, id)
		}
		p.waitClusters(t, ns, ids...)
		for _, id := range ids[3:] {
			p.build(t, ns, id)
		}
		uids := p.checkFulfilled(t, ns, ids...)
		after := p.clusters(t, ns)
		for _, id := range ids {
			name := controller.ClusterName(ns, id)
			if after[name].UID != before[name].UID {
				t.Errorf("Cluster %s was re-created (uid %s, was %s)", name, after[name].UID, before[name].UID)
			}
			if old := before[name].Labels[o2v1.LabelProvisioningRequestUID]; old == uids[id] {
				t.Errorf("request %s re-submitted with its old uid %s", id, old)
			}
		}
		if len(after) != len(before) {
			t.Errorf("%d Clusters in %s, want the %d of before", len(after), ns, len(before))
		}
		eventually(t, syncWait, "no Cluster orphaned, six adopted", func() error {
			if o, a := orphaned(), adopted(); o != 0 || a != 6 {
				return fmt.Errorf("%v orphaned, %v adopted; want 0 and 6", o, a)
			}
			return nil
		})
	})

	t.Run("the re-created subscription hears each re-submitted request CREATEd and FULFILLED, with its ids of before", func(t *testing.T) {
		eventually(t, syncWait, "FULFILLED notified for all six", func() error {
			last := map[string]string{}
			for _, n := range again.all() {
				if id, phase, _ := provisioningNote(n, "postObjectState"); id != "" {
					last[id] = phase
				}
			}
			for _, id := range ids {
				if last[id] != "FULFILLED" {
					return fmt.Errorf("request %s last notified %q", id, last[id])
				}
			}
			return nil
		})
		creates, byID := map[string]int{}, map[string]int{}
		for _, n := range again.all() {
			byID[n.id]++
			id, phase, nodeCluster := provisioningNote(n, "postObjectState")
			if eventType(n) == 0 {
				creates[id]++
			}
			if want, ok := nodeClusterBefore[id]; ok && phase == "FULFILLED" && nodeCluster != want {
				t.Errorf("request %s FULFILLED with nodeClusterId %s, was %s before the wipe", id, nodeCluster, want)
			}
		}
		for _, id := range ids {
			if creates[id] != 1 {
				t.Errorf("request %s: %d CREATEs, want 1", id, creates[id])
			}
		}
		// Adoption is not a failure on the way: the SMO is never told FAILED.
		for _, n := range again.all() {
			if _, phase, _ := provisioningNote(n, "postObjectState"); phase == "FAILED" {
				t.Errorf("notified FAILED: %s", n.raw)
			}
		}
		for nid, k := range byID {
			if k > 1 {
				t.Errorf("notification %s delivered %d times", nid, k)
			}
		}
	})

	t.Run("a Cluster netweave did not create is still not adopted", func(t *testing.T) {
		p.create(t, ns, foreignID)
		eventually(t, syncWait, "FAILED ClusterNotOwned", func() error {
			r, err := reqs.Get(ctx, foreignID, metav1.GetOptions{})
			if err != nil {
				return err
			}
			f := meta.FindStatusCondition(r.Status.Conditions, controller.ConditionFulfilled)
			if r.Status.ProvisioningPhase != o2v1.ProvisioningPhaseFailed || f == nil || f.Reason != controller.ReasonNotOwned {
				return fmt.Errorf("%s %q, Fulfilled %+v", r.Status.ProvisioningPhase, r.Status.Message, f)
			}
			return nil
		})
		if c := p.clusters(t, ns)[controller.ClusterName(ns, foreignID)]; len(c.Labels) != 0 || c.ResourceVersion != before[c.Name].ResourceVersion {
			t.Errorf("the foreign Cluster was touched: labels %v", c.Labels)
		}
	})

	t.Run("a request submitted again while its Cluster is being deleted waits, then gets a new one", func(t *testing.T) {
		p.create(t, ns, deletingID)
		waiting := func(r *o2v1.ProvisioningRequest) bool {
			return r.Status.ProvisioningPhase == o2v1.ProvisioningPhaseProgressing && strings.Contains(r.Status.Message, "to be deleted before creating it again")
		}
		eventually(t, syncWait, "PROGRESSING, waiting for the old Cluster", func() error {
			r, err := reqs.Get(ctx, deletingID, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !waiting(r) {
				return fmt.Errorf("%s %q", r.Status.ProvisioningPhase, r.Status.Message)
			}
			return nil
		})
		old := p.capi.get(t, ns, deletingCluster)
		if old.Labels[o2v1.LabelProvisioningRequestUID] != before[deletingCluster].Labels[o2v1.LabelProvisioningRequestUID] {
			t.Errorf("the Cluster being deleted was adopted: labels %v", old.Labels)
		}
		// Cluster API is done tearing it down.
		p.capi.update(t, ns, deletingCluster, false, func(c *clusterv1.Cluster) { c.Finalizers = nil })
		eventually(t, syncWait, "a new Cluster for the request", func() error {
			r, err := reqs.Get(ctx, deletingID, metav1.GetOptions{})
			if err != nil {
				return err
			}
			c := p.clusters(t, ns)[deletingCluster]
			if c == nil || c.UID == old.UID || c.Labels[o2v1.LabelProvisioningRequestUID] != string(r.UID) || waiting(r) {
				return fmt.Errorf("Cluster %v; request %s %q", c != nil, r.Status.ProvisioningPhase, r.Status.Message)
			}
			return nil
		})
	})

	t.Run("an adopted Cluster is torn down with its request", func(t *testing.T) {
		if err := reqs.Delete(ctx, ids[3], metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, syncWait, "request and Cluster gone", func() error {
			if _, err := reqs.Get(ctx, ids[3], metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("request: %v", err)
			}
			if c := p.clusters(t, ns)[controller.ClusterName(ns, ids[3])]; c != nil {
				return fmt.Errorf("Cluster still there")
			}
			return nil
		})
	})

	t.Run("wiped while netweave is down, the restarted leader reports the Clusters orphaned", func(t *testing.T) {
		// tenant-b's Cluster too: every namespace's requests went.
		live := map[string]*clusterv1.Cluster{}
		for _, n := range []string{ns, other} {
			for name, c := range p.clusters(t, n) {
				if c.Labels[o2v1.LabelManagedBy] == o2v1.ManagedByProvisioning {
					live[n+"/"+name] = c
				}
			}
		}
		if err := p.s.netweave.Kill(); err != nil {
			t.Fatal(err)
		}
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if err := p.s.netweave.Start(); err != nil {
			t.Fatal(err)
		}
		// Every Cluster netweave created is counted from the new leader's first look at the
		// Clusters, whose requests it never saw.
		eventually(t, syncWait, fmt.Sprintf("%d Clusters counted orphaned", len(live)), func() error {
			if n := orphaned(); n != float64(len(live)) {
				return fmt.Errorf("netweave_provisioning_orphaned_clusters %v, want %d", n, len(live))
			}
			return nil
		})
		for key, c := range live {
			if a := p.clusters(t, c.Namespace)[c.Name]; a == nil || a.UID != c.UID || a.DeletionTimestamp != nil {
				t.Errorf("Cluster %s after the restart: %+v, want it kept as it was", key, a)
			}
		}
		if len(live) != 7 {
			t.Errorf("%d Clusters of netweave's, want 7 (five of tenant-a's first requests, the one re-created after its deletion, tenant-b's)", len(live))
		}
	})
}

// subscribeProvisioning creates the ProvisioningRequestSubscription ns/name to r's callback,
// as the admin (its owner), and waits until it is stored.
func (p *provFault) subscribeProvisioning(t *testing.T, ns, name string, r *receiver) {
	t.Helper()
	sub := &o2v1.ProvisioningRequestSubscription{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: o2v1.ProvisioningRequestSubscriptionSpec{Callback: r.srv.URL + "/" + name}}
	if _, err := p.o2.O2imsV1alpha1().ProvisioningRequestSubscriptions(ns).Create(context.Background(), sub, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ProvisioningRequestSubscription %s/%s: %v", ns, name, err)
	}
}

// provisioningNote reads a ProvisioningRequestChangeNotification's state (postObjectState or
// priorObjectState): the provisioningRequestId, provisioningPhase and nodeClusterId.
func provisioningNote(n received, state string) (id, phase, nodeClusterID string) {
	s, _ := n.body[state].(map[string]any)
	data, _ := s["provisioningRequestData"].(map[string]any)
	st, _ := s["status"].(map[string]any)
	set, _ := s["provisionedResourceSet"].(map[string]any)
	id, _ = data["provisioningRequestId"].(string)
	phase, _ = st["provisioningPhase"].(string)
	nodeClusterID, _ = set["nodeClusterId"].(string)
	return id, phase, nodeClusterID
}
