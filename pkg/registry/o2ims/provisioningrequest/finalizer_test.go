package provisioningrequest

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

// TestRegressionTenantCannotDropTheProvisioningFinalizer: a tenant allowed to update its
// ProvisioningRequests removed o2ims.oran.org/provisioning from a deleted request, which went
// at once and left its Cluster running, orphaned and outside the tenant's quota of requests.
// Only netweave and whoever may update provisioningrequests/finalizers in all namespaces may.
func TestRegressionTenantCannotDropTheProvisioningFinalizer(t *testing.T) {
	var asked []authorizer.Attributes
	operators := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		asked = append(asked, a)
		if a.GetUser().GetName() == "operator" && a.GetVerb() == "update" && a.GetAPIGroup() == o2ims.GroupName &&
			a.GetResource() == Resource && a.GetSubresource() == "finalizers" && a.GetNamespace() == "" {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
	if _, _, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, kind.NewTenancy(inventoryNS, nil, nil), Options{}, nil); err == nil {
		t.Error("NewREST without an authorizer succeeded")
	}
	main, _, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, kind.NewTenancy(inventoryNS, nil, nil), Options{}, operators)
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	held := &o2ims.ProvisioningRequest{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "edge", ResourceVersion: "3",
		Finalizers: []string{v1alpha1.FinalizerProvisioning}, DeletionTimestamp: &now}}
	dropped := held.DeepCopy()
	dropped.Finalizers = nil
	update := func(who string, groups ...string) error {
		ctx := genericapirequest.WithUser(kindtest.RequestIn("tenant-a", ""), &user.DefaultInfo{Name: who, Groups: groups})
		_, err := main.Store.BeginUpdate(ctx, dropped, held, &metav1.UpdateOptions{})
		return err
	}
	if err := update("alice"); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), v1alpha1.FinalizerProvisioning) {
		t.Errorf("a tenant removing the provisioning finalizer: %v, want Forbidden naming it", err)
	}
	if err := update("operator"); err != nil {
		t.Errorf("a cluster operator: %v", err)
	}
	if err := update(user.APIServerUser, user.SystemPrivilegedGroup); err != nil {
		t.Errorf("netweave's controller: %v", err)
	}
	if len(asked) != 2 {
		t.Errorf("asked the authorizer %d times, want 2 (alice, operator; never netweave)", len(asked))
	}
}
