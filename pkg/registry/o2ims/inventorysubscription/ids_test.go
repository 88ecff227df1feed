package inventorysubscription

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/subscription"
)

// TestSubscriptionIDsAreServerAssigned: a create that names its subscriptionId is refused for
// anyone but a cluster superuser, before any lookup, so a chosen id held in another namespace
// cannot answer 409 and confirm that it exists.
func TestSubscriptionIDsAreServerAssigned(t *testing.T) {
	main, _, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, subscription.Rules{Authorizer: authorizerfactory.NewAlwaysAllowAuthorizer(), SharedNamespace: "o2ims-system"})
	if err != nil {
		t.Fatal(err)
	}
	create := func(ctx context.Context, id string) error {
		sub := newSubscription("")
		sub.Spec.SubscriptionID = id
		_, err := main.Store.BeginCreate(ctx, sub, &metav1.CreateOptions{})
		return err
	}
	if err := create(as("bob"), "69253c4b-8398-4602-855d-783865f5f25c"); !apierrors.IsInvalid(err) {
		t.Errorf("bob names an id: %v, want 422", err)
	}
	if err := create(as("bob"), ""); err != nil {
		t.Errorf("bob leaves the id to the server: %v", err)
	}
	admin := genericapirequest.WithUser(genericapirequest.WithNamespace(context.Background(), "tenant-a"),
		&user.DefaultInfo{Name: "admin", Groups: []string{user.SystemPrivilegedGroup}})
	if err := create(admin, "69253c4b-8398-4602-855d-783865f5f25c"); apierrors.IsInvalid(err) {
		t.Errorf("a superuser restoring an id: %v", err)
	}
}
