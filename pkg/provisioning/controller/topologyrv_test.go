package controller

import (
	"encoding/json"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// TestRegressionTopologyPatchRewritesAnotherCluster (found by review): the merge patch that
// brings the request's Cluster to a changed spec carried no precondition. The Cluster it was
// judged on is the informer's copy; when that Cluster had been deleted and another of the same
// name created (by the tenant, not labelled for the request) before the patch landed,
// netweave rewrote the version and variables of a Cluster that is not the request's. The patch
// now carries the resourceVersion of the Cluster it judged, as the adoption patch does: the
// server answers 409 Conflict for any other object, and the request is retried from the cache
// and judged again. client-go's fake dynamic client does not check a resourceVersion in a
// merge patch, so the test asserts what is sent, and its reactor answers what kube-apiserver
// does for a resourceVersion that is not the stored one (k8s.io/apiserver
// registry/generic/registry/store.go, Update: OptimisticLockErrorMsg). A uid in a merge
// patch would not do: kube-apiserver answers 422 "metadata.uid: field is immutable", which
// reads as Cluster API refusing the change.
func TestRegressionTopologyPatchRewritesAnotherCluster(t *testing.T) {
	req, own := builtRequest(t)
	own.ResourceVersion, own.UID = "5", "cluster-uid-own"
	req.Generation = 2
	req.Spec.TemplateVersion = "v1.34.0"
	// What the server holds now: the tenant's Cluster of the same name, made after netweave's
	// was deleted.
	tenants := &clusterv1.Cluster{}
	tenants.Name, tenants.Namespace, tenants.ResourceVersion, tenants.UID = own.Name, own.Namespace, "9", "cluster-uid-tenant"
	tenants.Spec.Topology = clusterv1.Topology{Version: "v1.32.0", ClassRef: clusterv1.ClusterClassRef{Name: "tenant-class"}}
	f := newFixture(t, []*clusterv1.Cluster{tenants}, req, template("v1.33.0"), template("v1.34.0"))
	// The controller's cache is behind: it still has netweave's Cluster.
	f.r.clusters = newFixture(t, []*clusterv1.Cluster{own}).r.clusters
	f.r.orphans = newOrphans(nil)

	var sent []map[string]any
	f.dyn.PrependReactor("patch", "clusters", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.PatchAction)
		if p.GetPatchType() != types.MergePatchType {
			return false, nil, nil
		}
		var patch map[string]any
		if err := json.Unmarshal(p.GetPatch(), &patch); err != nil {
			t.Errorf("patch %s: %v", p.GetPatch(), err)
			return true, nil, err
		}
		sent = append(sent, patch)
		if md, ok := patch["metadata"].(map[string]any); ok {
			if rv, ok := md["resourceVersion"].(string); ok && rv != "" && rv != tenants.ResourceVersion {
				return true, nil, apierrors.NewConflict(clusterapi.Clusters.GroupResource(), p.GetName(),
					errors.New("the object has been modified; please apply your changes to the latest version and try again"))
			}
		}
		return false, nil, nil
	})

	err := f.r.reconcile(t.Context(), "tenant-a/"+id)
	if len(sent) != 1 {
		t.Fatalf("%d patches sent, want the topology patch", len(sent))
	}
	md, _ := sent[0]["metadata"].(map[string]any)
	if md["resourceVersion"] != own.ResourceVersion {
		t.Errorf("topology patch %v carries no precondition on the Cluster it was judged on (resourceVersion %s)", sent[0], own.ResourceVersion)
	}
	if c := f.cluster(t, "tenant-a"); c.Spec.Topology.Version != "v1.32.0" || len(c.Spec.Topology.Variables) != 0 {
		t.Errorf("the tenant's Cluster of the same name was rewritten: topology %+v", c.Spec.Topology)
	}
	if !apierrors.IsConflict(err) {
		t.Errorf("reconcile: %v, want the conflict, to be retried from the cache", err)
	}
	if got := f.request(t, "tenant-a"); got.Status.ProvisioningPhase == v1alpha1.ProvisioningPhaseFailed {
		t.Errorf("a conflict made the request FAILED: %q", got.Status.Message)
	}
}
