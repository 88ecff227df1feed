package controller

import (
	"testing"

	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionRequestReportsOnlyItsOwnTenantsMember: the request's status took the first
// DeploymentManager and Resources labelled with its Cluster's name, whoever's Secret had
// registered that member. Member names are global, and a Secret of the inventory namespace or
// of an operator's Cluster API namespace registers any name (and prevails over the tenant's
// own kubeconfig Secret); when one names the tenant's cluster, the tenant's cluster is not in
// the inventory, yet its request read FULFILLED, "in the inventory as DeploymentManager …",
// with the operator's DeploymentManager id as nodeClusterId and the operator's Resource ids
// (also as its Machines' resourceIds). Only the member the request's own namespace registered
// (the inventory sync labels it o2ims.oran.org/tenant=<namespace>; none for the inventory
// namespace's) is the request's.
func TestRegressionRequestReportsOnlyItsOwnTenantsMember(t *testing.T) {
	req, c := fulfilledCluster(t)
	// The operator's member of that name: no tenant label.
	dm, res := memberObjects()
	delete(dm.Labels, v1alpha1.LabelTenant)
	delete(res.Labels, v1alpha1.LabelTenant)
	f := newFixture(t, []*clusterv1.Cluster{c}, req, template("v1.33.0"), dm, res)
	f.reconcile(t, "tenant-a")
	st := f.request(t, "tenant-a").Status
	if st.ProvisioningPhase == v1alpha1.ProvisioningPhaseFulfilled {
		t.Errorf("request FULFILLED %q by a member its namespace did not register", st.Message)
	}
	if s := st.ProvisionedResourceSet; s != nil && (s.NodeClusterID == memberDMID || len(s.InfrastructureResourceIDs) > 0) {
		t.Errorf("provisionedResourceSet %+v names another's DeploymentManager or Resources", s)
	}
	if s := st.NodeClusterProvisioningStatus; s != nil && s.ResourceID == memberDMID {
		t.Errorf("nodeClusterProvisioningStatus %+v names another's DeploymentManager", s)
	}

	// Another tenant's label is not the request's either.
	dm.Labels[v1alpha1.LabelTenant], res.Labels[v1alpha1.LabelTenant] = "tenant-b", "tenant-b"
	g := newFixture(t, []*clusterv1.Cluster{c}, req, template("v1.33.0"), dm, res)
	g.reconcile(t, "tenant-a")
	if st := g.request(t, "tenant-a").Status; st.ProvisioningPhase == v1alpha1.ProvisioningPhaseFulfilled {
		t.Errorf("request FULFILLED %q by a member tenant-b registered", st.Message)
	}
}
