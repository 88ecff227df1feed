package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
)

const (
	invNS       = "o2ims-system"
	invTenantNS = "tenant-inventory"
	invLease    = "netweave-inventory"
	managedBy   = "o2ims.oran.org/managed-by"
	// syncWait bounds each "the O2 object follows" check; the sync itself takes well under a
	// second, the rest is slack for a loaded machine.
	syncWait = 30 * time.Second
)

// invArgs turn the inventory sync on with short lease timings, so a takeover is quick; an empty
// identity leaves netweave to pick its own.
func invArgs(identity string) []string {
	args := []string{
		"--inventory-sync=true",
		"--inventory-lease-duration=4s",
		"--inventory-renew-deadline=3s",
		"--inventory-retry-period=500ms",
		"--inventory-cluster-name=e2e-cluster",
		// The one namespace besides o2ims-system whose pools may claim Nodes.
		"--inventory-node-pool-namespaces=" + invTenantNS,
	}
	if identity != "" {
		args = append(args, "--inventory-leader-identity="+identity)
	}
	return args
}

type invClients struct {
	kube kubernetes.Interface
	o2   versioned.Interface
}

// TestInventorySync drives the Kubernetes inventory adapter on the real kube-apiserver: Node,
// StorageClass and pool changes show up as O2 objects, a restart removes what went away, a
// wiped Redis is re-synced with the same ids, and of two replicas only the leader writes.
func TestInventorySync(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	s := startStack(t, invArgs("replica-a")...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	c := invClients{kube: kubernetes.NewForConfigOrDie(cfg), o2: versioned.NewForConfigOrDie(cfg)}
	ctx := context.Background()

	t.Run("nodes become resources in pools by zone, with types, a deployment manager and sites", func(t *testing.T) {
		c.createNode(t, "inv-a1", "zone-a", "small", true)
		c.createNode(t, "inv-a2", "zone-a", "small", true)
		c.createNode(t, "inv-b1", "zone-b", "large", true)
		for _, n := range []string{"inv-a1", "inv-a2", "inv-b1"} {
			c.waitResource(t, invNS, n, func(r *o2v1.O2Resource) error {
				if r.Status.OperationalState != o2v1.OperationalStateEnabled || r.Status.AdminState != o2v1.AdminStateUnlocked {
					return fmt.Errorf("states %s/%s", r.Status.AdminState, r.Status.OperationalState)
				}
				if r.Spec.GlobalAssetID != "uuid-"+n {
					return fmt.Errorf("globalAssetId %q", r.Spec.GlobalAssetID)
				}
				return nil
			})
		}
		a1 := c.resource(t, invNS, "inv-a1")
		a2 := c.resource(t, invNS, "inv-a2")
		b1 := c.resource(t, invNS, "inv-b1")
		if a1.Spec.ResourcePoolID != a2.Spec.ResourcePoolID || a1.Spec.ResourcePoolID == b1.Spec.ResourcePoolID {
			t.Errorf("pools: a1 %s a2 %s b1 %s; want zone-a shared, zone-b apart", a1.Spec.ResourcePoolID, a2.Spec.ResourcePoolID, b1.Spec.ResourcePoolID)
		}
		if a1.Spec.ResourceTypeID == b1.Spec.ResourceTypeID {
			t.Errorf("small and large nodes share resource type %s", a1.Spec.ResourceTypeID)
		}
		c.waitPoolCount(t, invNS, "zone-a", 2)
		c.waitPoolCount(t, invNS, "zone-b", 1)
		eventually(t, syncWait, "resource types, deployment manager, O-Cloud, sites", func() error {
			rts, err := c.o2.O2imsV1alpha1().ResourceTypes(invNS).List(ctx, metav1.ListOptions{LabelSelector: managedBy})
			if err != nil {
				return err
			}
			ids := map[string]bool{}
			for _, rt := range rts.Items {
				ids[rt.Spec.ResourceTypeID] = rt.Spec.ResourceClass == o2v1.ResourceClassCompute
			}
			if !ids[a1.Spec.ResourceTypeID] || !ids[b1.Spec.ResourceTypeID] {
				return fmt.Errorf("compute types %v lack the nodes' types", ids)
			}
			dm, err := c.o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(ctx, "e2e-cluster", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if dm.Spec.ServiceURI == "" || !strings.Contains(string(dm.Spec.Capacity["capacity"].Raw), `"cpu":"12"`) {
				return fmt.Errorf("deployment manager %s capacity %s", dm.Spec.ServiceURI, dm.Spec.Capacity["capacity"].Raw)
			}
			oc, err := c.o2.O2imsV1alpha1().OClouds().Get(ctx, "default", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if oc.Spec.ServiceURI != s.o2APIRoot() || oc.Spec.OCloudID == "" {
				return fmt.Errorf("ocloud %+v", oc.Spec)
			}
			sites, err := c.o2.O2imsV1alpha1().OCloudSites(invNS).List(ctx, metav1.ListOptions{LabelSelector: managedBy})
			if err != nil {
				return err
			}
			if len(sites.Items) != 2 {
				return fmt.Errorf("%d sites, want zone-a and zone-b", len(sites.Items))
			}
			return nil
		})
	})

	t.Run("relabel, cordon and NotReady follow", func(t *testing.T) {
		zoneB := c.resource(t, invNS, "inv-b1").Spec.ResourcePoolID
		c.patchNode(t, "inv-b1", `{"metadata":{"labels":{"o2ims.oran.org/resource-pool":"ran"}}}`)
		c.waitResource(t, invNS, "inv-b1", func(r *o2v1.O2Resource) error {
			if r.Spec.ResourcePoolID == zoneB {
				return fmt.Errorf("still in the zone-b pool")
			}
			return nil
		})
		c.waitPoolCount(t, invNS, "ran", 1)
		eventually(t, syncWait, "the empty zone-b pool is deleted", func() error {
			_, err := c.o2.O2imsV1alpha1().ResourcePools(invNS).Get(ctx, "zone-b", metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("get zone-b: %v", err)
			}
			return nil
		})

		c.patchNode(t, "inv-a1", `{"spec":{"unschedulable":true}}`)
		c.waitResource(t, invNS, "inv-a1", func(r *o2v1.O2Resource) error {
			if r.Status.AdminState != o2v1.AdminStateLocked {
				return fmt.Errorf("adminState %s", r.Status.AdminState)
			}
			return nil
		})

		node, err := c.kube.CoreV1().Nodes().Get(ctx, "inv-a2", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: "KubeletNotReady", Message: "e2e", LastTransitionTime: metav1.Now()}}
		if _, err := c.kube.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		c.waitResource(t, invNS, "inv-a2", func(r *o2v1.O2Resource) error {
			if r.Status.OperationalState != o2v1.OperationalStateDisabled {
				return fmt.Errorf("operationalState %s", r.Status.OperationalState)
			}
			return nil
		})
	})

	t.Run("a pool with a nodeSelector takes its nodes into its namespace, same id", func(t *testing.T) {
		if _, err := c.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: invTenantNS}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		const poolID = "0f3c1a52-7d9e-4c1b-9a8f-2e6d5b4c3a21"
		_, err := c.o2.O2imsV1alpha1().ResourcePools(invTenantNS).Create(ctx, &o2v1.ResourcePool{
			ObjectMeta: metav1.ObjectMeta{Name: "gpu"},
			Spec: o2v1.ResourcePoolSpec{ResourcePoolID: poolID, Name: "gpu",
				NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"example.com/gpu": "true"}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		id := c.resource(t, invNS, "inv-a2").Spec.ResourceID
		c.patchNode(t, "inv-a2", `{"metadata":{"labels":{"example.com/gpu":"true"}}}`)
		c.waitResource(t, invTenantNS, "inv-a2", func(r *o2v1.O2Resource) error {
			if r.Spec.ResourceID != id || r.Spec.ResourcePoolID != poolID {
				return fmt.Errorf("id %s pool %s, want %s in %s", r.Spec.ResourceID, r.Spec.ResourcePoolID, id, poolID)
			}
			return nil
		})
		c.waitGone(t, invNS, "inv-a2")
		c.waitPoolCount(t, invTenantNS, "gpu", 1)
		c.waitPoolCount(t, invNS, "zone-a", 1)
		pool, err := c.o2.O2imsV1alpha1().ResourcePools(invTenantNS).Get(ctx, "gpu", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pool.Labels) != 0 || pool.Spec.Name != "gpu" {
			t.Errorf("the admin's pool was changed beyond its status: %v %+v", pool.Labels, pool.Spec)
		}
	})

	// Issue 8: a namespace admin used to empty the operator's inventory with one pool.
	t.Run("a namespace admin's pool cannot claim Nodes nor file Resources under another tenant's pool", func(t *testing.T) {
		const ns = "tenant-nodes-b"
		s.kubectl(t, localstack.Admin, "create", "namespace", ns)
		s.kubectl(t, localstack.Admin, "create", "rolebinding", "bob-admin", "-n", ns, "--clusterrole=o2ims-admin", "--user=bob")
		pool := `apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: everything, namespace: ` + ns + `}
spec: {name: everything, nodeSelector: {}}
`
		for _, dry := range []string{"--dry-run=server", "--dry-run=none"} {
			_, stderr, err := s.kubectlStdin(t, localstack.Bob, pool, "create", dry, "-f", "-")
			if err == nil || !strings.Contains(stderr, "spec.nodeSelector") || !strings.Contains(stderr, "Forbidden") {
				t.Errorf("bob's pool selecting every Node (%s): err %v, stderr %s", dry, err, stderr)
			}
		}
		// Bob's Resource under the pool of tenant-inventory reads exactly like one under a pool
		// nobody has; so does naming his own id, which only the server may assign here.
		answers := map[string]string{}
		for what, spec := range map[string]string{
			"another tenant's pool": `{resourcePoolId: 0f3c1a52-7d9e-4c1b-9a8f-2e6d5b4c3a21, resourceTypeId: 0f3c1a52-7d9e-4c1b-9a8f-2e6d5b4c3a21}`,
			"a pool nobody has":     `{resourcePoolId: 9e8d7c6b-5a49-4382-a716-f5e4d3c2b1a0, resourceTypeId: 9e8d7c6b-5a49-4382-a716-f5e4d3c2b1a0}`,
		} {
			res := "apiVersion: o2ims.oran.org/v1alpha1\nkind: Resource\nmetadata: {name: sneaky, namespace: " + ns + "}\nspec: " + spec + "\n"
			_, stderr, err := s.kubectlStdin(t, localstack.Bob, res, "create", "-f", "-")
			if err == nil || !strings.Contains(stderr, "spec.resourcePoolId") {
				t.Errorf("bob's Resource under %s: err %v, stderr %s", what, err, stderr)
			}
			answers[what] = strings.NewReplacer("0f3c1a52-7d9e-4c1b-9a8f-2e6d5b4c3a21", "<id>", "9e8d7c6b-5a49-4382-a716-f5e4d3c2b1a0", "<id>").Replace(stderr)
		}
		if answers["another tenant's pool"] != answers["a pool nobody has"] {
			t.Errorf("the answers tell the pools apart:\n%s\n%s", answers["another tenant's pool"], answers["a pool nobody has"])
		}
		// Nothing moved: the nodes still in o2ims-system are there.
		c.waitResource(t, invNS, "inv-a1", nil)
	})

	// A tenant with no rights in the inventory namespace told the inventory's ids from absent
	// ones with dry-runs (accepted vs 422), and so which Nodes exist: their Resources' ids are
	// derived from the O-Cloud id and the Node's name.
	t.Run("TestRegressionDryRunReferenceRevealsInventoryIDs", func(t *testing.T) {
		const ns = "tenant-nodes-probe"
		s.kubectl(t, localstack.Admin, "create", "namespace", ns)
		s.kubectl(t, localstack.Admin, "create", "rolebinding", "bob-admin", "-n", ns, "--clusterrole=o2ims-admin", "--user=bob")
		held := c.resource(t, invNS, "inv-a1").Spec
		resource := func(pool, typ string) string {
			return "apiVersion: o2ims.oran.org/v1alpha1\nkind: Resource\nmetadata: {name: probe, namespace: " + ns + "}\nspec: {resourcePoolId: " + pool + ", resourceTypeId: " + typ + "}\n"
		}
		const absent = "9e8d7c6b-5a49-4382-a716-f5e4d3c2b1a0"
		answers := map[string]string{}
		for what, spec := range map[string]string{"the inventory's": resource(held.ResourcePoolID, held.ResourceTypeID), "absent": resource(absent, absent)} {
			_, stderr, err := s.kubectlStdin(t, localstack.Bob, spec, "create", "--dry-run=server", "-f", "-")
			if err == nil || !strings.Contains(stderr, "spec.resourcePoolId") || !strings.Contains(stderr, "spec.resourceTypeId") {
				t.Errorf("bob's dry-run naming %s pool and type: err %v, stderr %s", what, err, stderr)
			}
			answers[what] = strings.NewReplacer(held.ResourcePoolID, "<id>", held.ResourceTypeID, "<id>", absent, "<id>").Replace(stderr)
		}
		if a, b := answers["the inventory's"], answers["absent"]; a != b {
			t.Errorf("bob tells the inventory's ids from absent ones:\n%s\n%s", a, b)
		}
		// Offered the inventory's ResourceTypes (get, bound in the inventory namespace), he may
		// name one; its pools stay closed to him.
		s.kubectl(t, localstack.Admin, "create", "role", "types-reader", "-n", invNS, "--verb=get", "--resource=resourcetypes.o2ims.oran.org")
		s.kubectl(t, localstack.Admin, "create", "rolebinding", "bob-types", "-n", invNS, "--role=types-reader", "--user=bob")
		defer s.kubectl(t, localstack.Admin, "delete", "rolebinding", "bob-types", "-n", invNS)
		eventually(t, syncWait, "bob may name the inventory's ResourceType", func() error {
			_, stderr, err := s.kubectlStdin(t, localstack.Bob, resource(held.ResourcePoolID, held.ResourceTypeID), "create", "--dry-run=server", "-f", "-")
			if err == nil || strings.Contains(stderr, "spec.resourceTypeId") || !strings.Contains(stderr, "spec.resourcePoolId") {
				return fmt.Errorf("err %v, stderr %s", err, stderr)
			}
			return nil
		})
	})

	t.Run("a StorageClass becomes a STORAGE resource type and goes away with it", func(t *testing.T) {
		_, err := c.kube.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{
			ObjectMeta: metav1.ObjectMeta{Name: "fast-ssd"}, Provisioner: "csi.example.com",
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, syncWait, "storage resource type", func() error {
			rt, err := c.o2.O2imsV1alpha1().ResourceTypes(invNS).Get(ctx, "storage-fast-ssd", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if rt.Spec.ResourceClass != o2v1.ResourceClassStorage || rt.Spec.Vendor != "csi.example.com" {
				return fmt.Errorf("spec %+v", rt.Spec)
			}
			return nil
		})
		if err := c.kube.StorageV1().StorageClasses().Delete(ctx, "fast-ssd", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, syncWait, "storage resource type deleted", func() error {
			_, err := c.o2.O2imsV1alpha1().ResourceTypes(invNS).Get(ctx, "storage-fast-ssd", metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("get: %v", err)
			}
			return nil
		})
	})

	t.Run("a deleted node's resource is deleted; an admin's resource is never touched", func(t *testing.T) {
		c.createHandMade(t)
		if err := c.kube.CoreV1().Nodes().Delete(ctx, "inv-b1", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		c.waitGone(t, invNS, "inv-b1")
		c.waitPoolGone(t, invNS, "ran")
		c.checkHandMade(t)
	})

	t.Run("a restart removes resources of nodes deleted while netweave was down", func(t *testing.T) {
		if err := s.netweave.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := c.kube.CoreV1().Nodes().Delete(ctx, "inv-a1", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := s.netweave.Start(); err != nil {
			t.Fatal(err)
		}
		c.waitGone(t, invNS, "inv-a1")
		c.waitPoolGone(t, invNS, "zone-a")
		c.checkHandMade(t)
	})

	t.Run("a wiped Redis is re-synced with the same ids", func(t *testing.T) {
		c.createNode(t, "inv-c1", "zone-c", "small", true)
		c.waitResource(t, invNS, "inv-c1", nil)
		c.waitPoolCount(t, invNS, "zone-c", 1)
		before := c.syncedIDs(t)
		if err := s.netweave.Stop(); err != nil {
			t.Fatal(err)
		}
		s.redis.Wipe()
		if err := s.netweave.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, 2*syncWait, "every synced object is back with its id", func() error {
			after := c.syncedIDsErr()
			for k, id := range before {
				if after[k] != id {
					return fmt.Errorf("%s: id %q, was %q", k, after[k], id)
				}
			}
			return nil
		})
	})

	t.Run("of two replicas only the leader writes; the other takes over when it stops", func(t *testing.T) {
		c.waitLeader(t, "replica-a")
		b := s.startReplica(t, "replica-b", invArgs("replica-b")...)
		c.createNode(t, "inv-d1", "zone-c", "small", true)
		c.waitResource(t, invNS, "inv-d1", func(r *o2v1.O2Resource) error { return managers(r, "replica-a") })
		if got := c.leader(t); got != "replica-a" {
			t.Fatalf("lease holder %q after replica-b joined, want replica-a", got)
		}
		// The aggregator must keep serving while replica-a is down: point it at replica-b.
		actx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := localstack.RegisterAPIService(actx, cfg, b.port, s.cp.Serving.CABundle); err != nil {
			t.Fatal(err)
		}
		if err := s.netweave.Stop(); err != nil {
			t.Fatal(err)
		}
		c.waitLeader(t, "replica-b")
		if err := localstack.WaitForAPIServiceAvailable(actx, cfg, time.Minute); err != nil {
			t.Fatal(err)
		}
		c.createNode(t, "inv-d2", "zone-c", "small", true)
		c.waitResource(t, invNS, "inv-d2", func(r *o2v1.O2Resource) error { return managers(r, "replica-b") })
		c.patchNode(t, "inv-d1", `{"spec":{"unschedulable":true}}`)
		c.waitResource(t, invNS, "inv-d1", func(r *o2v1.O2Resource) error {
			if r.Status.AdminState != o2v1.AdminStateLocked {
				return fmt.Errorf("adminState %s", r.Status.AdminState)
			}
			return nil
		})
	})
}

// managers checks that every write to r came from the replica identity.
func managers(r *o2v1.O2Resource, identity string) error {
	if len(r.ManagedFields) == 0 {
		return fmt.Errorf("no managedFields")
	}
	for _, m := range r.ManagedFields {
		if m.Manager != "netweave-inventory/"+identity {
			return fmt.Errorf("written by %q, want only netweave-inventory/%s", m.Manager, identity)
		}
	}
	return nil
}

type replica struct {
	port int
	proc *localstack.Process
}

// startReplica runs another netweave, called name, against the same Redis and cluster, with
// the extra flags (invArgs for the sync). Its log is netweave-<name>.log.
func (s *stack) startReplica(t *testing.T, name string, extra ...string) replica {
	t.Helper()
	bin, err := localstack.OutputBinary("netweave")
	if err != nil {
		t.Fatal(err)
	}
	port, err := localstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	proc := stacktest.StartProcess(t, localstack.ProcessOptions{
		Name: "netweave-" + name,
		// The O2 face is off: the replica would otherwise compete for nothing but a port.
		Argv: s.cp.NetweaveArgv(localstack.NetweaveArgs{Binary: bin, Kubeconfig: s.kubeconfig, RedisAddr: s.redis.Addr(),
			KeyPrefix: "e2e", Port: port, Verbosity: 2, Extra: append([]string{"--o2ims-api-root=" + s.o2APIRoot()}, extra...)}),
		LogPath: filepath.Join(s.cp.Dir, "netweave-"+name+".log"),
	})
	return replica{port: port, proc: proc}
}

func (c invClients) createNode(t *testing.T, name, zone, instanceType string, ready bool) {
	t.Helper()
	status := corev1.ConditionTrue
	if !ready {
		status = corev1.ConditionFalse
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"topology.kubernetes.io/zone":      zone,
			"topology.kubernetes.io/region":    "e2e-region",
			"node.kubernetes.io/instance-type": instanceType,
			"kubernetes.io/arch":               "amd64",
		}},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi")},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, Reason: "KubeletReady", LastTransitionTime: metav1.Now()}},
			NodeInfo:    corev1.NodeSystemInfo{SystemUUID: "uuid-" + name, Architecture: "amd64", OperatingSystem: "linux"},
		},
	}
	created, err := c.kube.CoreV1().Nodes().Create(context.Background(), node, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	// Status set on create is kept for Nodes, but write it again to be independent of that.
	created.Status = node.Status
	if _, err := c.kube.CoreV1().Nodes().UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update status of node %s: %v", name, err)
	}
}

func (c invClients) patchNode(t *testing.T, name, patch string) {
	t.Helper()
	if _, err := c.kube.CoreV1().Nodes().Patch(context.Background(), name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch node %s: %v", name, err)
	}
}

func (c invClients) resource(t *testing.T, ns, name string) *o2v1.O2Resource {
	t.Helper()
	r, err := c.o2.O2imsV1alpha1().O2Resources(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get resource %s/%s: %v", ns, name, err)
	}
	return r
}

// waitResource polls until resource ns/name exists, is synced, and passes check (if any).
func (c invClients) waitResource(t *testing.T, ns, name string, check func(*o2v1.O2Resource) error) {
	t.Helper()
	eventually(t, syncWait, "resource "+ns+"/"+name, func() error {
		r, err := c.o2.O2imsV1alpha1().O2Resources(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if r.Labels[managedBy] != "netweave-inventory" {
			return fmt.Errorf("not labelled as synced: %v", r.Labels)
		}
		if check != nil {
			return check(r)
		}
		return nil
	})
}

func (c invClients) waitGone(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, syncWait, "resource "+ns+"/"+name+" deleted", func() error {
		_, err := c.o2.O2imsV1alpha1().O2Resources(ns).Get(context.Background(), name, metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("get: %v", err)
		}
		return nil
	})
}

func (c invClients) waitPoolCount(t *testing.T, ns, name string, n int32) {
	t.Helper()
	eventually(t, syncWait, fmt.Sprintf("pool %s/%s counts %d resources", ns, name, n), func() error {
		p, err := c.o2.O2imsV1alpha1().ResourcePools(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.ResourceCount != n {
			return fmt.Errorf("resourceCount %d", p.Status.ResourceCount)
		}
		return nil
	})
}

func (c invClients) waitPoolGone(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, syncWait, "pool "+ns+"/"+name+" deleted", func() error {
		_, err := c.o2.O2imsV1alpha1().ResourcePools(ns).Get(context.Background(), name, metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("get: %v", err)
		}
		return nil
	})
}

const handMadeID = "7b9e2d41-3c5a-4f6b-8d7e-1a2b3c4d5e6f"

// createHandMade creates a Resource an admin owns, named like a node, in the sync namespace.
func (c invClients) createHandMade(t *testing.T) {
	t.Helper()
	_, err := c.o2.O2imsV1alpha1().O2Resources(invNS).Create(context.Background(), &o2v1.O2Resource{
		ObjectMeta: metav1.ObjectMeta{Name: "hand-made"},
		Spec: o2v1.ResourceSpec{ResourceID: handMadeID, ResourcePoolID: handMadeID, ResourceTypeID: handMadeID,
			Description: "typed in by an admin"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func (c invClients) checkHandMade(t *testing.T) {
	t.Helper()
	r := c.resource(t, invNS, "hand-made")
	if r.Spec.Description != "typed in by an admin" || r.Generation != 1 || len(r.Labels) != 0 {
		t.Errorf("the admin's resource was touched: generation %d labels %v spec %+v", r.Generation, r.Labels, r.Spec)
	}
}

// syncedIDs maps every synced object (kind/namespace/name; kind/name for resources) to its O2 id.
func (c invClients) syncedIDs(t *testing.T) map[string]string {
	t.Helper()
	ids := c.syncedIDsErr()
	if len(ids) < 8 {
		t.Fatalf("only %d synced objects: %v", len(ids), ids)
	}
	return ids
}

func (c invClients) syncedIDsErr() map[string]string {
	ctx := context.Background()
	api := c.o2.O2imsV1alpha1()
	opts := metav1.ListOptions{LabelSelector: managedBy}
	ids := map[string]string{}
	if l, err := api.O2Resources("").List(ctx, opts); err == nil {
		for _, o := range l.Items {
			ids["resource/"+o.Name] = o.Spec.ResourceID // a node's resource may change namespace, never id
		}
	}
	if l, err := api.ResourcePools("").List(ctx, opts); err == nil {
		for _, o := range l.Items {
			ids["pool/"+o.Namespace+"/"+o.Name] = o.Spec.ResourcePoolID
		}
	}
	if l, err := api.ResourceTypes("").List(ctx, opts); err == nil {
		for _, o := range l.Items {
			ids["type/"+o.Namespace+"/"+o.Name] = o.Spec.ResourceTypeID
		}
	}
	if l, err := api.DeploymentManagers("").List(ctx, opts); err == nil {
		for _, o := range l.Items {
			ids["dm/"+o.Namespace+"/"+o.Name] = o.Spec.DeploymentManagerID
		}
	}
	if l, err := api.OCloudSites("").List(ctx, opts); err == nil {
		for _, o := range l.Items {
			ids["site/"+o.Namespace+"/"+o.Name] = o.Spec.OCloudSiteID
		}
	}
	if l, err := api.Locations("").List(ctx, opts); err == nil {
		for _, o := range l.Items {
			ids["location/"+o.Namespace+"/"+o.Name] = o.Spec.GlobalLocationID
		}
	}
	if o, err := api.OClouds().Get(ctx, "default", metav1.GetOptions{}); err == nil {
		ids["ocloud"] = o.Spec.OCloudID
	}
	return ids
}

func (c invClients) leader(t *testing.T) string {
	t.Helper()
	l, err := c.kube.CoordinationV1().Leases(invNS).Get(context.Background(), invLease, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get lease: %v", err)
	}
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

func (c invClients) waitLeader(t *testing.T, identity string) {
	t.Helper()
	eventually(t, syncWait, "lease held by "+identity, func() error {
		l, err := c.kube.CoordinationV1().Leases(invNS).Get(context.Background(), invLease, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if h := l.Spec.HolderIdentity; h == nil || *h != identity {
			holder := "<none>"
			if h != nil {
				holder = *h
			}
			return fmt.Errorf("holder %s", holder)
		}
		return nil
	})
}
