package controller

import (
	"encoding/json"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// TestRegressionNestedDefaultedVariablePatchedEveryPass: a request whose parameters set an
// object variable without one of its properties ({"size":{"workers":3}}) got a Cluster in which
// Cluster API's defaulting webhook filled that property in from the ClusterClass's schema
// ({"size":{"workers":3,"cpu":2}}). The controller found the variables unequal and sent the
// same PATCH on every reconcile (each Machine, member or status event); kube-apiserver kept
// nothing of it (the webhook put the default back, the Cluster did not change) and it was
// logged as "Updated Cluster topology" each time. A patch the server answered without moving
// the Cluster's resourceVersion is now recorded, and not sent again while the Cluster and the
// request stay as they are; a change of the request is still patched.
func TestRegressionNestedDefaultedVariablePatchedEveryPass(t *testing.T) {
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	req.Spec.TemplateParameters = &v1alpha1.JSON{Raw: []byte(`{"region":"eu-1","workers":3,"size":{"workers":3}}`)}
	top, err := topology(req, template("v1.33.0"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(req, ClusterName("tenant-a", id), top)
	c.ResourceVersion, c.UID = "7", "cluster-uid"
	for i, v := range c.Spec.Topology.Variables {
		if v.Name == "size" {
			// What the webhook stored: cpu defaulted from the ClusterClass.
			c.Spec.Topology.Variables[i].Value = apiextensionsv1.JSON{Raw: []byte(`{"cpu":2,"workers":3}`)}
		}
	}
	stored, err := clusterapi.ToUnstructured(c, clusterv1.ClusterKind)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, []*clusterv1.Cluster{c}, req, template("v1.33.0"))
	var patches []string
	f.dyn.PrependReactor("patch", "clusters", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.PatchAction).GetPatch()
		patches = append(patches, string(p))
		var sent struct {
			Spec struct {
				Topology struct {
					Variables []clusterv1.ClusterVariable `json:"variables"`
				} `json:"topology"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(p, &sent); err != nil {
			t.Errorf("patch %s: %v", p, err)
		}
		for _, v := range sent.Spec.Topology.Variables {
			if v.Name == "size" && string(v.Value.Raw) == `{"workers":3}` {
				// kube-apiserver after the webhook: the same Cluster, the same resourceVersion.
				return true, stored.DeepCopy(), nil
			}
		}
		changed := stored.DeepCopy()
		changed.SetResourceVersion("8")
		return true, changed, nil
	})

	for pass := range 3 {
		f.reconcile(t, "tenant-a")
		if len(patches) != 1 {
			t.Fatalf("pass %d: %d patches sent, want the first only: %v", pass, len(patches), patches)
		}
	}

	// The SMO changes the request: that is patched.
	changed := req.DeepCopy()
	changed.Spec.TemplateParameters = &v1alpha1.JSON{Raw: []byte(`{"region":"eu-1","workers":3,"size":{"workers":5}}`)}
	changed.Generation++
	requests := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if err := requests.Add(changed); err != nil {
		t.Fatal(err)
	}
	f.r.requests = o2listers.NewProvisioningRequestLister(requests)
	f.reconcile(t, "tenant-a")
	if len(patches) != 2 {
		t.Fatalf("%d patches after the request changed, want one more: %v", len(patches), patches)
	}
}
