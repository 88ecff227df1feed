package nfdeployment_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2dms"
	dmsv1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/registry/o2dms/nfdeployment"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

// finalizerOperators allows user "operator" to update nfdeployments/finalizers in all
// namespaces and user "tenant-star" the same in tenant-a only (a RoleBinding of "*"); user
// "broken" makes every question fail. Every question is recorded.
type finalizerOperators struct {
	asked []authorizer.Attributes
}

func (f *finalizerOperators) Authorize(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	f.asked = append(f.asked, a)
	rule := a.GetVerb() == "update" && a.GetAPIGroup() == o2dms.GroupName && a.GetResource() == "nfdeployments" && a.GetSubresource() == "finalizers"
	switch a.GetUser().GetName() {
	case "broken":
		return authorizer.DecisionNoOpinion, "", errors.New("SubjectAccessReview failed")
	case "operator":
		if rule && a.GetNamespace() == "" {
			return authorizer.DecisionAllow, "", nil
		}
	case "tenant-star":
		if a.GetNamespace() == "tenant-a" {
			return authorizer.DecisionAllow, "", nil
		}
	}
	return authorizer.DecisionNoOpinion, "", nil
}

// TestRegressionTenantCannotDropTheFinalizerRelease: an admin of a tenant namespace (allowed
// to update its NfDeployments) removed o2dms.oran.org/release and deleted the NfDeployment:
// it was gone at once while its Helm release stayed installed in the target cluster,
// unmanaged and outside the tenant's quota. Only netweave (superusers) and whoever may update
// nfdeployments/finalizers in all namespaces may remove it now.
func TestRegressionTenantCannotDropTheFinalizerRelease(t *testing.T) {
	scheme, _ := apiserver.NewScheme()
	authz := &finalizerOperators{}
	if _, _, err := nfdeployment.NewREST(scheme, kindtest.NullGetter{}, kind.NewTenancy(shared, nil, nil), nfdeployment.Options{}, nil); err == nil {
		t.Error("NewREST without an authorizer succeeded")
	}
	main, _, err := nfdeployment.NewREST(scheme, kindtest.NullGetter{}, kind.NewTenancy(shared, nil, nil), nfdeployment.Options{}, authorizer.AuthorizerFunc(authz.Authorize))
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	held := &o2dms.NfDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "upf", ResourceVersion: "7",
		Finalizers: []string{"example.com/other", dmsv1.FinalizerRelease}, DeletionTimestamp: &now}}
	update := func(ctx context.Context, obj, old *o2dms.NfDeployment) error {
		_, err := main.Store.BeginUpdate(ctx, obj, old, &metav1.UpdateOptions{})
		return err
	}
	dropped := held.DeepCopy()
	dropped.Finalizers = []string{"example.com/other"}
	forbidden := func(err error) bool {
		return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "metadata.finalizers") && strings.Contains(err.Error(), dmsv1.FinalizerRelease)
	}
	as := func(name string, groups ...string) context.Context {
		ctx := genericapirequest.WithNamespace(context.Background(), "tenant-a")
		return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: name, Groups: groups})
	}

	for _, who := range []string{"alice", "tenant-star"} {
		if err := update(as(who), dropped, held); !forbidden(err) {
			t.Errorf("%s removing the release finalizer: %v, want Forbidden on metadata.finalizers", who, err)
		}
	}
	if err := update(genericapirequest.WithNamespace(context.Background(), "tenant-a"), dropped, held); !forbidden(err) {
		t.Errorf("no user: %v, want Forbidden", err)
	}
	if err := update(as("broken"), dropped, held); !apierrors.IsInternalError(err) {
		t.Errorf("authorizer failure: %v, want an internal error (fail closed)", err)
	}
	a := authz.asked[len(authz.asked)-1]
	if a.GetVerb() != "update" || a.GetAPIGroup() != o2dms.GroupName || a.GetResource() != "nfdeployments" || a.GetSubresource() != "finalizers" ||
		a.GetNamespace() != "" || !a.IsResourceRequest() {
		t.Errorf("asked %+v, want update nfdeployments/finalizers in all namespaces", a)
	}

	if err := update(as("operator"), dropped, held); err != nil {
		t.Errorf("a cluster operator allowed nfdeployments/finalizers in all namespaces: %v", err)
	}
	n := len(authz.asked)
	if err := update(as(user.APIServerUser, user.SystemPrivilegedGroup), dropped, held); err != nil {
		t.Errorf("netweave's controller (loopback, system:masters): %v", err)
	}
	// Keeping it, or another finalizer removed, is anyone's update and asks nothing.
	other := held.DeepCopy()
	other.Finalizers = []string{dmsv1.FinalizerRelease}
	if err := update(as("alice"), other, held); err != nil {
		t.Errorf("alice removing another finalizer: %v", err)
	}
	if len(authz.asked) != n {
		t.Errorf("asked the authorizer %d more times for updates that keep the release finalizer or come from netweave", len(authz.asked)-n)
	}
}
