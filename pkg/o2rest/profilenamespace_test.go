package o2rest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/netweave-io/netweave/pkg/k8sprofile"
)

// The member answers fine, but the caller's tenant namespace does not exist there
// (k8sprofile.ErrNoNamespace, which docs/multicluster.md documents as a 502 for the permitted
// caller). The answer said "unreachable": the SMO and the operator were told the cluster cannot
// be reached and went chasing the network, when the fix is to create the namespace.
func TestRegressionMissingTenantNamespaceIsNotUnreachable(t *testing.T) {
	e, fp := profileEnv(t)
	fp.tokenErr = fmt.Errorf("%w: member edge-1 namespace tenant-a: %w", ErrNamespaceMissing, k8sprofile.ErrNoNamespace)
	r := e.do("GET", "sa-a-token", "/tenants/tenant-a"+inventory+"/v1/deploymentManagers/"+dmKnownID+"?profile=k8s", "")
	e.expect(r, http.StatusBadGateway, "tenant namespace missing in the member")
	if body := string(r.body); strings.Contains(body, "unreachable") || !strings.Contains(body, "namespace") || !strings.Contains(body, "does not exist") {
		t.Errorf("502 body %s: says the cluster is unreachable instead of that the tenant namespace does not exist there", body)
	}
}
