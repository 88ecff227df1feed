package o2rest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
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

// The documented grant for an SMO's tokens is get on deploymentmanagers/credentials in the
// inventory namespace, where the synced managers live (docs/multicluster.md). On the inventory
// namespace's own apiRoot that grant also answered "holds the permission in the tenant
// namespace", so every such SMO got an edit token for the inventory namespace of every member,
// the one namespace the profile lets into any cluster, another tenant's provisioned ones
// included. That namespace's tokens now take the permission cluster-wide (or being one of its
// ServiceAccounts); the SMO's own namespace still gets its token.
func TestRegressionTenantSMOGetsInventoryNamespaceToken(t *testing.T) {
	const inventoryNS = "o2ims-system"
	objs := []runtime.Object{
		&o2v1.OCloud{ObjectMeta: objMeta("", "default"), Spec: o2v1.OCloudSpec{OCloudID: ocloudID, GlobalCloudID: globalID, Name: "edge"}},
		&o2v1.DeploymentManager{ObjectMeta: objMeta(inventoryNS, "edge-1"), Spec: o2v1.DeploymentManagerSpec{DeploymentManagerID: dmKnownID, Name: "edge-1",
			OCloudID: ocloudID, ServiceURI: "https://edge-1:6443"}},
	}
	fp := &fakeProfiles{}
	e := newEnvOf(t, objs, func(c *Config) {
		c.Profiles, c.InventoryNamespace = fp, inventoryNS
		c.Authorizer = authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			switch {
			case a.GetUser().GetName() == "admin", a.GetSubresource() == "":
				return authorizer.DecisionAllow, "", nil
			case a.GetUser().GetName() == "system:serviceaccount:tenant-a:smo" && a.GetNamespace() == inventoryNS &&
				a.GetSubresource() == CredentialsSubresource && a.GetVerb() == "get" && a.GetResource() == "deploymentmanagers":
				// kubectl -n o2ims-system create rolebinding smo-a-credentials
				//   --clusterrole=o2ims-deploymentmanager-credentials --serviceaccount=tenant-a:smo
				return authorizer.DecisionAllow, "", nil
			}
			return authorizer.DecisionNoOpinion, "", nil
		})
	})
	path := "/tenants/" + inventoryNS + inventory + "/v1/deploymentManagers/" + dmKnownID + "?profile=k8s"
	r := e.do("GET", "sa-a-token", path, "")
	e.expect(r, http.StatusOK, "tenant-a's SMO on the inventory namespace's apiRoot")
	if _, data := profileDataOf(t, "?profile=k8s", r.body); data[ProfileKeyToken] != nil || slices.Contains(fp.asked, inventoryNS) {
		t.Errorf("tenant-a's SMO got a token for the inventory namespace: %v (asked %v)", data, fp.asked)
	}
	r = e.do("GET", "sa-a-token", profileBase+dmKnownID+"?profile=k8s", "")
	e.expect(r, http.StatusOK, "tenant-a's SMO on the default apiRoot")
	if _, data := profileDataOf(t, "?profile=k8s", r.body); data[ProfileKeyToken] != fakeToken || data[ProfileKeyNamespace] != "tenant-a" {
		t.Errorf("tenant-a's SMO: no token for its own namespace: %v", data)
	}
	r = e.do("GET", "admin-token", path, "")
	e.expect(r, http.StatusOK, "a cluster-wide admin on the inventory namespace's apiRoot")
	if _, data := profileDataOf(t, "?profile=k8s", r.body); data[ProfileKeyToken] != fakeToken || data[ProfileKeyNamespace] != inventoryNS {
		t.Errorf("the cluster-wide admin: no token for the inventory namespace: %v", data)
	}
}
