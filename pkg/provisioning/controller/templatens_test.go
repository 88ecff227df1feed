package controller

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// TestRegressionTenantTemplateGoneDoesNotFallBackToOperatorTemplate: a tenant not offered the
// operator's templates has its request admitted against a template of its own namespace (the
// server records where: spec.templateNamespace), then deletes that template, after a failed
// build or before the controller first looks. The controller looked in the request's
// namespace and then the inventory namespace, found the operator's template of the same name
// and version, and built the tenant a Cluster from a ClusterClass it was never offered. It
// must look where the server recorded only, and build nothing.
func TestRegressionTenantTemplateGoneDoesNotFallBackToOperatorTemplate(t *testing.T) {
	req := request("tenant-a")
	req.Spec.TemplateNamespace = "tenant-a"
	f := newFixture(t, nil, req, template("v1.33.0"))
	f.reconcile(t, "tenant-a")

	_, err := f.dyn.Resource(clusterapi.Clusters).Namespace("tenant-a").Get(context.Background(), ClusterName("tenant-a", id), metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("a Cluster was built for a request admitted against tenant-a's template, now gone (get: %v)", err)
	}
	if got := f.request(t, "tenant-a").Status.ProvisioningPhase; got == v1alpha1.ProvisioningPhaseProgressing || got == v1alpha1.ProvisioningPhaseFulfilled {
		t.Errorf("phase %s without its template", got)
	}

	// A request recorded in the inventory namespace (its writer was offered the operator's
	// templates) is built from the operator's.
	offered := request("tenant-a")
	offered.Spec.TemplateNamespace = inv
	f = newFixture(t, nil, offered, template("v1.33.0"))
	f.reconcile(t, "tenant-a")
	if c := f.cluster(t, "tenant-a"); c.Spec.Topology.ClassRef.Namespace != inv {
		t.Errorf("class %+v, want the operator's", c.Spec.Topology.ClassRef)
	}
}
