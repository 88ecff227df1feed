package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/inventory/members"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
	"github.com/netweave-io/netweave/pkg/provisioning/controller"
)

// capiPlayer plays Cluster API's controllers in a stack where none run: it writes the status
// of the Clusters netweave creates, as Cluster API's would.
type capiPlayer struct {
	dyn dynamic.Interface
}

func (p capiPlayer) get(t *testing.T, ns, name string) *clusterv1.Cluster {
	t.Helper()
	u, err := p.dyn.Resource(clusterapi.Clusters).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get Cluster %s/%s: %v", ns, name, err)
	}
	c, err := clusterapi.ClusterFrom(u)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// update changes the Cluster with mutate, through the status subresource when status is set.
func (p capiPlayer) update(t *testing.T, ns, name string, status bool, mutate func(*clusterv1.Cluster)) {
	t.Helper()
	c := p.get(t, ns, name)
	mutate(c)
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(c)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: content}
	u.SetAPIVersion(clusterv1.GroupVersion.String())
	u.SetKind(clusterv1.ClusterKind)
	r := p.dyn.Resource(clusterapi.Clusters).Namespace(ns)
	if status {
		_, err = r.UpdateStatus(context.Background(), u, metav1.UpdateOptions{})
	} else {
		_, err = r.Update(context.Background(), u, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatalf("update Cluster %s/%s: %v", ns, name, err)
	}
}

// condition sets the Cluster condition typ as Cluster API reports it, for the Cluster's
// current generation.
func (p capiPlayer) condition(t *testing.T, ns, name, typ string, status metav1.ConditionStatus, reason, message string) {
	t.Helper()
	p.update(t, ns, name, true, func(c *clusterv1.Cluster) {
		meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message,
			ObservedGeneration: c.Generation, LastTransitionTime: metav1.Now()})
	})
}

// endpoint records kubeconfig's server as the Cluster's spec.controlPlaneEndpoint, as Cluster
// API does once the control plane has an address: only a kubeconfig Secret naming it registers
// the cluster in the inventory.
func (p capiPlayer) endpoint(t *testing.T, ns, name string, kubeconfig []byte) {
	t.Helper()
	ep, err := members.EndpointOf(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	p.update(t, ns, name, false, func(c *clusterv1.Cluster) { c.Spec.ControlPlaneEndpoint = ep })
}

// startProvisioningStack starts the stack with provisioning on for tenants (args first),
// as installed: Cluster API, the namespaces and the chart's RBAC exist before netweave starts.
func startProvisioningStack(t *testing.T, tenants []string, args []string, extra ...string) *stack {
	t.Helper()
	args = append(append(append(args, "--inventory-member-probe-interval=1s"), localstack.ProvisioningArgs(tenants)...), extra...)
	s := startStack(t, args...)
	if err := s.netweave.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.cp.SetUpProvisioning(context.Background(), invNS, tenants); err != nil {
		t.Fatal(err)
	}
	if err := s.netweave.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestProvisioningController: a ProvisioningRequest becomes a Cluster API Cluster of the
// template's class, version and variables; the test plays Cluster API step by step and the
// request's status follows, each step saying what it waits for, to FULFILLED once the
// cluster's kubeconfig Secret (pointing at a real member control plane) brings it into the
// inventory; the Cluster's Machines are its infrastructure resources, each PROCESSING,
// PROVISIONED or FAILED with its phase; a failing condition is FAILED with the reason; a new templateVersion upgrades;
// two tenants with one provisioningRequestId do not collide; DELETE is DELETING until the
// Cluster is gone, then 404.
func TestProvisioningController(t *testing.T) {
	t.Parallel()
	tenants := []string{"tenant-a", "tenant-b"}
	s := startProvisioningStack(t, tenants, invArgs("provisioning"))
	ctx := context.Background()
	cfg := s.cp.RESTConfig(localstack.Admin)
	o2 := versioned.NewForConfigOrDie(cfg)
	kube := kubernetes.NewForConfigOrDie(cfg)
	capi := capiPlayer{dyn: dynamic.NewForConfigOrDie(cfg)}
	const id = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	reqs := o2.O2imsV1alpha1().ProvisioningRequests("tenant-a")
	// The "cluster" Cluster API builds is a real control plane with one Node, reached with its
	// kubeconfig as Cluster API's Secret holds it.
	mcp := stacktest.StartControlPlane(t, localstack.Options{})
	cluster := controller.ClusterName("tenant-a", id)

	t.Run("the demo ClusterClass gives a template per version", func(t *testing.T) {
		for _, v := range localstack.DemoClusterClassVersions {
			eventually(t, syncWait, "template demo."+v, func() error {
				tm, err := o2.O2imsV1alpha1().ManagedInfrastructureTemplates(invNS).Get(ctx, "demo."+v, metav1.GetOptions{})
				if err != nil {
					return err
				}
				if tm.Spec.ArtifactResourceID == "" || !strings.Contains(string(tm.Spec.ParameterSchema.Raw), `"required":["region"]`) ||
					!strings.Contains(string(tm.Spec.Defaults.Raw), `"workers":2`) || tm.Spec.Characteristics["site-type"] != "edge" {
					return fmt.Errorf("template %+v", tm.Spec)
				}
				return nil
			})
		}
	})

	t.Run("the template sync overwrites edits and follows the ClusterClass's versions", func(t *testing.T) {
		templates := o2.O2imsV1alpha1().ManagedInfrastructureTemplates(invNS)
		tm, err := templates.Get(ctx, "demo.v1.33.0", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tm.Spec.Description = "edited by hand"
		if _, err := templates.Update(ctx, tm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, syncWait, "edit overwritten", func() error {
			tm, err := templates.Get(ctx, "demo.v1.33.0", metav1.GetOptions{})
			if err != nil || tm.Spec.Description == "edited by hand" {
				return fmt.Errorf("description %q, err %v", tm.Spec.Description, err)
			}
			return nil
		})
		versions := func(v string) {
			s.kubectl(t, localstack.Admin, "patch", "clusterclass", "demo", "-n", invNS, "--type=merge", "-p", `{"spec":{"kubernetesVersions":[`+v+`]}}`)
		}
		versions(`"v1.33.0","v1.34.0","v1.35.0"`)
		eventually(t, syncWait, "template demo.v1.35.0", func() error {
			_, err := templates.Get(ctx, "demo.v1.35.0", metav1.GetOptions{})
			return err
		})
		versions(`"v1.33.0","v1.34.0"`)
		eventually(t, syncWait, "template demo.v1.35.0 gone", func() error {
			if _, err := templates.Get(ctx, "demo.v1.35.0", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("get: %v", err)
			}
			return nil
		})
	})

	// status waits for the request ns/id to satisfy check.
	status := func(t *testing.T, ns, what string, check func(*o2v1.ProvisioningRequest) error) *o2v1.ProvisioningRequest {
		t.Helper()
		var got *o2v1.ProvisioningRequest
		eventually(t, syncWait, what, func() error {
			r, err := o2.O2imsV1alpha1().ProvisioningRequests(ns).Get(ctx, id, metav1.GetOptions{})
			if err != nil {
				return err
			}
			got = r
			if err := check(r); err != nil {
				return fmt.Errorf("%w; status %s %q", err, r.Status.ProvisioningPhase, r.Status.Message)
			}
			return nil
		})
		return got
	}
	// step checks the request's phase, that condition typ has the status want, and that the
	// Fulfilled condition says it waits for awaited.
	step := func(t *testing.T, phase o2v1.ProvisioningPhase, typ string, want metav1.ConditionStatus, awaited string) {
		t.Helper()
		status(t, "tenant-a", fmt.Sprintf("%s %s=%s awaiting %q", phase, typ, want, awaited), func(r *o2v1.ProvisioningRequest) error {
			c := meta.FindStatusCondition(r.Status.Conditions, typ)
			f := meta.FindStatusCondition(r.Status.Conditions, controller.ConditionFulfilled)
			switch {
			case r.Status.ProvisioningPhase != phase:
				return fmt.Errorf("phase")
			case c == nil || c.Status != want:
				return fmt.Errorf("condition %s: %+v", typ, c)
			case f == nil || !strings.Contains(f.Message, awaited):
				return fmt.Errorf("Fulfilled: %+v", f)
			case r.Status.UpdateTime == nil || r.Status.ObservedGeneration != r.Generation:
				return fmt.Errorf("updateTime %v observedGeneration %d", r.Status.UpdateTime, r.Status.ObservedGeneration)
			}
			return nil
		})
	}
	newRequest := func(ns string) *o2v1.ProvisioningRequest {
		return &o2v1.ProvisioningRequest{ObjectMeta: metav1.ObjectMeta{Name: id, Namespace: ns},
			Spec: o2v1.ProvisioningRequestSpec{Name: "edge", TemplateName: "demo", TemplateVersion: "v1.33.0",
				TemplateParameters: &o2v1.JSON{Raw: []byte(`{"region":"eu-1","workers":3}`)}}}
	}

	t.Run("a request becomes a Cluster of the template's class, version and variables", func(t *testing.T) {
		if _, err := reqs.Create(ctx, newRequest("tenant-a"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, syncWait, "Cluster "+cluster, func() error {
			u, err := capi.dyn.Resource(clusterapi.Clusters).Namespace("tenant-a").Get(ctx, cluster, metav1.GetOptions{})
			if err != nil {
				return err
			}
			c, err := clusterapi.ClusterFrom(u)
			if err != nil {
				return err
			}
			top := c.Spec.Topology
			vars := map[string]string{}
			for _, v := range top.Variables {
				vars[v.Name] = string(v.Value.Raw)
			}
			if top.ClassRef.Name != "demo" || top.ClassRef.Namespace != invNS || top.Version != "v1.33.0" ||
				vars["region"] != `"eu-1"` || vars["workers"] != "3" || vars["flavor"] != `"small"` || len(vars) != 3 {
				return fmt.Errorf("topology %+v variables %v", top, vars)
			}
			return nil
		})
		r := status(t, "tenant-a", "finalizer", func(r *o2v1.ProvisioningRequest) error {
			if !slices.Contains(r.Finalizers, o2v1.FinalizerProvisioning) {
				return fmt.Errorf("finalizers %v", r.Finalizers)
			}
			return nil
		})
		if r.Status.ClusterRef == nil || r.Status.ClusterRef.Name != cluster {
			t.Errorf("clusterRef %+v", r.Status.ClusterRef)
		}
		step(t, o2v1.ProvisioningPhaseProgressing, controller.ConditionClusterCreated, metav1.ConditionTrue, "condition InfrastructureReady of Cluster tenant-a/"+cluster)
	})

	t.Run("the status follows Cluster API step by step", func(t *testing.T) {
		kubeconfig, err := os.ReadFile(mcp.Kubeconfig(localstack.Admin))
		if err != nil {
			t.Fatal(err)
		}
		capi.endpoint(t, "tenant-a", cluster, kubeconfig)
		capi.condition(t, "tenant-a", cluster, clusterv1.ClusterInfrastructureReadyCondition, metav1.ConditionTrue, "Ready", "")
		step(t, o2v1.ProvisioningPhaseProgressing, controller.ConditionInfrastructureReady, metav1.ConditionTrue, "condition ControlPlaneAvailable")
		capi.condition(t, "tenant-a", cluster, clusterv1.ClusterControlPlaneAvailableCondition, metav1.ConditionTrue, "Available", "")
		step(t, o2v1.ProvisioningPhaseProgressing, controller.ConditionControlPlaneReady, metav1.ConditionTrue, "condition WorkersAvailable")
		capi.condition(t, "tenant-a", cluster, clusterv1.ClusterWorkersAvailableCondition, metav1.ConditionTrue, "Available", "")
		step(t, o2v1.ProvisioningPhaseProgressing, controller.ConditionWorkersReady, metav1.ConditionTrue, "condition TopologyReconciled")
		capi.condition(t, "tenant-a", cluster, clusterv1.ClusterTopologyReconciledCondition, metav1.ConditionTrue, "ReconcileSucceeded", "")
		step(t, o2v1.ProvisioningPhaseProgressing, controller.ConditionInInventory, metav1.ConditionFalse, "tenant-a/"+cluster+"-kubeconfig")
	})

	t.Run("its kubeconfig Secret brings the cluster into the inventory: FULFILLED", func(t *testing.T) {
		invClients{kube: kubernetes.NewForConfigOrDie(mcp.RESTConfig(localstack.Admin))}.createNode(t, "worker-1", "zone-a", "small", true)
		kubeconfig, err := os.ReadFile(mcp.Kubeconfig(localstack.Admin))
		if err != nil {
			t.Fatal(err)
		}
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: cluster + "-kubeconfig", Namespace: "tenant-a", Labels: map[string]string{members.CAPIClusterLabel: cluster}},
			Type:       members.CAPISecretType, Data: map[string][]byte{o2v1.SecretKeyCAPIKubeconfig: kubeconfig},
		}
		if _, err := kube.CoreV1().Secrets("tenant-a").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		step(t, o2v1.ProvisioningPhaseFulfilled, controller.ConditionInInventory, metav1.ConditionTrue, "ready at v1.33.0")
		r := status(t, "tenant-a", "provisioned resources", func(r *o2v1.ProvisioningRequest) error {
			if set := r.Status.ProvisionedResourceSet; set == nil || len(set.InfrastructureResourceIDs) != 1 {
				return fmt.Errorf("provisionedResourceSet %+v", set)
			}
			return nil
		})
		dms, err := o2.O2imsV1alpha1().DeploymentManagers(invNS).List(ctx, metav1.ListOptions{LabelSelector: o2v1.LabelCluster + "=" + cluster})
		if err != nil || len(dms.Items) != 1 {
			t.Fatalf("member DeploymentManager: %v %v", dms, err)
		}
		// The cluster is tenant-a's: only its namespace (and the operator's) may deploy there.
		if got := dms.Items[0].Labels[o2v1.LabelTenant]; got != "tenant-a" {
			t.Errorf("member DeploymentManager labelled tenant %q, want tenant-a", got)
		}
		res, err := o2.O2imsV1alpha1().O2Resources(invNS).List(ctx, metav1.ListOptions{LabelSelector: o2v1.LabelCluster + "=" + cluster})
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("member Resources: %v %v", res, err)
		}
		set := r.Status.ProvisionedResourceSet
		if set.NodeClusterID != dms.Items[0].Spec.DeploymentManagerID || set.InfrastructureResourceIDs[0] != res.Items[0].Spec.ResourceID {
			t.Errorf("provisionedResourceSet %+v, want DM %s and resource %s", set, dms.Items[0].Spec.DeploymentManagerID, res.Items[0].Spec.ResourceID)
		}
		if n := r.Status.NodeClusterProvisioningStatus; n == nil || n.ResourceProvisioningPhase != o2v1.ResourceProvisioningPhaseProvisioned || n.ResourceID != set.NodeClusterID {
			t.Errorf("nodeClusterProvisioningStatus %+v", n)
		}
	})

	// The Kubernetes profile reads the request and the Cluster live before it hands out a
	// tenant's member (TestRegressionProfileTenantSecretNeedsItsBuiltCluster): on the real
	// server, with netweave's RBAC, the built Cluster's member answers its endpoint.
	t.Run("the member's Kubernetes profile names the built Cluster's endpoint", func(t *testing.T) {
		dms, err := o2.O2imsV1alpha1().DeploymentManagers(invNS).List(ctx, metav1.ListOptions{LabelSelector: o2v1.LabelCluster + "=" + cluster})
		if err != nil || len(dms.Items) != 1 {
			t.Fatalf("member DeploymentManager: %v %v", dms, err)
		}
		code, _, body := s.o2As(t, localstack.Admin).do(http.MethodGet, inventoryAPI+"/v1/deploymentManagers/"+dms.Items[0].Spec.DeploymentManagerID+"?profile=k8s", "")
		var doc struct {
			Extensions struct {
				ProfileData map[string]any `json:"profileData"`
			} `json:"extensions"`
		}
		if code != http.StatusOK || json.Unmarshal(body, &doc) != nil {
			t.Fatalf("profile: %d %s", code, body)
		}
		if got := doc.Extensions.ProfileData["cluster_api_endpoint"]; got != mcp.KubeAPIServer.URL {
			t.Errorf("profile endpoint %v, want %s", got, mcp.KubeAPIServer.URL)
		}
	})

	t.Run("the Cluster's Machines are its infrastructure resources", func(t *testing.T) {
		res, err := o2.O2imsV1alpha1().O2Resources(invNS).List(ctx, metav1.ListOptions{LabelSelector: o2v1.LabelCluster + "=" + cluster})
		if err != nil || len(res.Items) != 1 || res.Items[0].Annotations[o2v1.AnnotationSource] != "Node/worker-1" {
			t.Fatalf("member Resources: %v %v", res, err)
		}
		nodeResource := res.Items[0].Spec.ResourceID
		// The control plane Machine runs the member control plane's Node; the worker's is
		// still being built.
		cp := capi.createMachine(t, "tenant-a", cluster, cluster+"-cp-0", func(st *clusterv1.MachineStatus) {
			st.Phase = string(clusterv1.MachinePhaseRunning)
			st.NodeRef.Name = "worker-1"
		})
		md := capi.createMachine(t, "tenant-a", cluster, cluster+"-md-0", func(st *clusterv1.MachineStatus) {
			st.Phase = string(clusterv1.MachinePhaseProvisioning)
		})
		machines := func(what string, want ...o2v1.ResourceProvisioningStatus) {
			t.Helper()
			status(t, "tenant-a", what, func(r *o2v1.ProvisioningRequest) error {
				if got := r.Status.InfrastructureResourceProvisioningStatus; !slices.Equal(got, want) {
					return fmt.Errorf("infrastructureResourceProvisioningStatus %+v, want %+v", got, want)
				}
				return nil
			})
		}
		running := o2v1.ResourceProvisioningStatus{ResourceName: cp.Name, ResourceID: nodeResource, ResourceProvisioningPhase: o2v1.ResourceProvisioningPhaseProvisioned}
		machines("the Running Machine's Node's Resource id, the Provisioning Machine's uid", running,
			o2v1.ResourceProvisioningStatus{ResourceName: md.Name, ResourceID: string(md.UID), ResourceProvisioningPhase: o2v1.ResourceProvisioningPhaseProcessing})
		capi.setMachineStatus(t, "tenant-a", md.Name, func(st *clusterv1.MachineStatus) { st.Phase = "Failed" })
		machines("the Failed Machine FAILED", running,
			o2v1.ResourceProvisioningStatus{ResourceName: md.Name, ResourceID: string(md.UID), ResourceProvisioningPhase: o2v1.ResourceProvisioningPhaseFailed})
	})

	t.Run("a failing condition is FAILED with the reason, and recovers", func(t *testing.T) {
		capi.condition(t, "tenant-a", cluster, clusterv1.ClusterControlPlaneAvailableCondition, metav1.ConditionFalse, "ProvisioningFailed", "etcd member lost")
		status(t, "tenant-a", "FAILED", func(r *o2v1.ProvisioningRequest) error {
			if r.Status.ProvisioningPhase != o2v1.ProvisioningPhaseFailed ||
				!strings.Contains(r.Status.Message, "ControlPlaneAvailable False on Cluster tenant-a/"+cluster+", reason ProvisioningFailed: etcd member lost") {
				return fmt.Errorf("not failed with the reason")
			}
			return nil
		})
		capi.condition(t, "tenant-a", cluster, clusterv1.ClusterControlPlaneAvailableCondition, metav1.ConditionTrue, "Available", "")
		step(t, o2v1.ProvisioningPhaseFulfilled, controller.ConditionControlPlaneReady, metav1.ConditionTrue, "ready at v1.33.0")
	})

	t.Run("a new templateVersion upgrades the Cluster", func(t *testing.T) {
		r, err := reqs.Get(ctx, id, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r.Spec.TemplateVersion = "v1.34.0"
		if _, err := reqs.Update(ctx, r, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, syncWait, "Cluster at v1.34.0", func() error {
			if v := capi.get(t, "tenant-a", cluster).Spec.Topology.Version; v != "v1.34.0" {
				return fmt.Errorf("version %s", v)
			}
			return nil
		})
		step(t, o2v1.ProvisioningPhaseProgressing, controller.ConditionFulfilled, metav1.ConditionFalse, "upgrading to v1.34.0: waiting for Cluster API to reconcile the topology")
		capi.condition(t, "tenant-a", cluster, clusterv1.ClusterTopologyReconciledCondition, metav1.ConditionTrue, "ReconcileSucceeded", "")
		step(t, o2v1.ProvisioningPhaseFulfilled, controller.ConditionFulfilled, metav1.ConditionTrue, "ready at v1.34.0")
	})

	// A ResourceQuota that leaves tenant-b no Cluster answers the create 403; the request says
	// so and is retried once the quota is lifted, with nothing else changed
	// (TestRegressionQuotaOrRBACForbiddenIsNeverRetried, here on the real quota admission).
	t.Run("two tenants' requests of one id do not collide, the second once its quota allows", func(t *testing.T) {
		quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "no-clusters", Namespace: "tenant-b"},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/clusters.cluster.x-k8s.io": resource.MustParse("0")}}}
		if _, err := kube.CoreV1().ResourceQuotas("tenant-b").Create(ctx, quota, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := o2.O2imsV1alpha1().ProvisioningRequests("tenant-b").Create(ctx, newRequest("tenant-b"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		status(t, "tenant-b", "refused by the quota, retrying", func(r *o2v1.ProvisioningRequest) error {
			if r.Status.ProvisioningPhase != o2v1.ProvisioningPhaseFailed || !strings.Contains(r.Status.Message, "quota") ||
				!strings.Contains(r.Status.Message, "retrying") {
				return fmt.Errorf("not refused by the quota")
			}
			return nil
		})
		if err := kube.CoreV1().ResourceQuotas("tenant-b").Delete(ctx, quota.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		other := controller.ClusterName("tenant-b", id)
		r := status(t, "tenant-b", "tenant-b's Cluster", func(r *o2v1.ProvisioningRequest) error {
			if c := meta.FindStatusCondition(r.Status.Conditions, controller.ConditionClusterCreated); c == nil || c.Status != metav1.ConditionTrue {
				return fmt.Errorf("ClusterCreated %+v", c)
			}
			return nil
		})
		if other == cluster || r.Status.ClusterRef.Name != other || capi.get(t, "tenant-b", other).Labels[o2v1.LabelProvisioningRequestUID] != string(r.UID) {
			t.Errorf("tenant-b's cluster %s (tenant-a's %s)", r.Status.ClusterRef.Name, cluster)
		}
		if a := capi.get(t, "tenant-a", cluster); a.Spec.Topology.Version != "v1.34.0" {
			t.Errorf("tenant-a's Cluster changed: %+v", a.Spec.Topology)
		}
	})

	t.Run("DELETE is DELETING until the Cluster is gone, then 404", func(t *testing.T) {
		// Cluster API holds a Cluster with its finalizer while it tears the machines down.
		capi.update(t, "tenant-a", cluster, false, func(c *clusterv1.Cluster) { c.Finalizers = append(c.Finalizers, clusterv1.ClusterFinalizer) })
		if err := reqs.Delete(ctx, id, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		status(t, "tenant-a", "DELETING", func(r *o2v1.ProvisioningRequest) error {
			if r.Status.ProvisioningPhase != o2v1.ProvisioningPhaseDeleting || !strings.Contains(r.Status.Message, "waiting for Cluster API to tear it down") {
				return fmt.Errorf("not deleting")
			}
			return nil
		})
		eventually(t, syncWait, "Cluster deleted", func() error {
			if capi.get(t, "tenant-a", cluster).DeletionTimestamp == nil {
				return fmt.Errorf("no deletionTimestamp")
			}
			return nil
		})
		capi.update(t, "tenant-a", cluster, false, func(c *clusterv1.Cluster) { c.Finalizers = nil })
		eventually(t, syncWait, "request gone", func() error {
			if _, err := reqs.Get(ctx, id, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("get: %v", err)
			}
			return nil
		})
	})
}
