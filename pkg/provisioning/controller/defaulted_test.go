package controller

import (
	"encoding/json"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionCAPIDefaultedVariableIsNotPatchedEveryPass: a request whose parameters remove
// a default (flavor: null) gets a Cluster without flavor, which Cluster API's defaulting
// webhook puts back from the ClusterClass. The controller then finds the variables unequal and
// PATCHes the Cluster on every reconcile (each Machine, member or status event), for nothing.
func TestRegressionCAPIDefaultedVariableIsNotPatchedEveryPass(t *testing.T) {
	req := request("tenant-a")
	req.Finalizers = []string{v1alpha1.FinalizerProvisioning}
	req.Spec.TemplateParameters = &v1alpha1.JSON{Raw: []byte(`{"region":"eu-1","workers":3,"flavor":null}`)}
	top, err := topology(req, template("v1.33.0"))
	if err != nil {
		t.Fatal(err)
	}
	small, _ := json.Marshal("small")
	// What Cluster API's webhook stored: flavor defaulted back from the ClusterClass.
	top.Variables = append(top.Variables, clusterv1.ClusterVariable{Name: "flavor", Value: apiextensionsv1.JSON{Raw: small}})
	f := newFixture(t, []*clusterv1.Cluster{newCluster(req, ClusterName("tenant-a", id), top)}, req, template("v1.33.0"))
	f.dyn.ClearActions()
	f.reconcile(t, "tenant-a")
	for _, a := range f.dyn.Actions() {
		if a.GetVerb() == "patch" {
			t.Errorf("Cluster patched though the request did not change: %v", a)
		}
	}
}

// A variable at another value than the default is still written over when the request removes it.
func TestRegressionRemovedVariableAtOtherValueIsStillPatched(t *testing.T) {
	req := request("tenant-a")
	req.Spec.TemplateParameters = &v1alpha1.JSON{Raw: []byte(`{"region":"eu-1","workers":3,"flavor":null}`)}
	top, err := topology(req, template("v1.33.0"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(req, ClusterName("tenant-a", id), top)
	large, _ := json.Marshal("large")
	c.Spec.Topology.Variables = append(c.Spec.Topology.Variables, clusterv1.ClusterVariable{Name: "flavor", Value: apiextensionsv1.JSON{Raw: large}})
	if p, err := topologyPatch(c, top, templateDefaults(template("v1.33.0"))); err != nil || p == nil {
		t.Errorf("no patch (%v) removing flavor large", err)
	}
}
