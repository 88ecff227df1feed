package notify

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// rbac allows user "get" on resources in the namespaces listed for them.
type rbac map[string]map[string]bool

func (r rbac) authorizer() authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetVerb() == "get" && r[a.GetUser().GetName()][a.GetNamespace()] {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
}

func compiled(t *testing.T, ns string, subscriber *v1alpha1.SubscriberInfo, annotations map[string]string) *Subscription {
	t.Helper()
	s, err := Compile(&v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "s", UID: types.UID("uid-" + ns), Annotations: annotations},
		Spec:       v1alpha1.InventorySubscriptionSpec{Callback: "https://smo.example.com/cb", Subscriber: subscriber},
	}, "o2ims-system")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRegressionKubectlSubscriptionSeesOnlyWhatItsOwnerMayGet reproduces the report: a user
// with o2ims-subscriber in o2ims-system creates a subscription there with kubectl (no
// annotation) and received changes of a pool in tenant-a, where it has no rights.
func TestRegressionKubectlSubscriptionSeesOnlyWhatItsOwnerMayGet(t *testing.T) {
	v := newVisibility(rbac{"smo": {"o2ims-system": true}}.authorizer())
	sub := compiled(t, "o2ims-system", &v1alpha1.SubscriberInfo{Username: "smo"}, nil)
	ctx := context.Background()
	if v.visible(ctx, sub, model.KindResourcePool, "tenant-a") {
		t.Error("a change in tenant-a reached a subscriber without rights there")
	}
	if !v.visible(ctx, sub, model.KindResourcePool, "o2ims-system") {
		t.Error("a change the subscriber may get was not delivered")
	}
}

// TestSubscriptionWithoutSubscriberReceivesNothing: an ownerless object (made before owners
// were recorded) cannot widen what it receives, not even in its own namespace.
func TestSubscriptionWithoutSubscriberReceivesNothing(t *testing.T) {
	v := newVisibility(rbac{}.authorizer())
	for _, ns := range []string{"o2ims-system", "tenant-a"} {
		sub := compiled(t, ns, nil, nil)
		if v.visible(context.Background(), sub, model.KindResource, ns) {
			t.Errorf("ownerless subscription in %s received a change", ns)
		}
	}
}

// TestSubscriberAnnotationGrantsNothing: the retired o2ims.oran.org/subscriber annotation, which
// any creator could set, is ignored.
func TestSubscriberAnnotationGrantsNothing(t *testing.T) {
	v := newVisibility(rbac{"admin": {"tenant-a": true}, "mallory": {}}.authorizer())
	sub := compiled(t, "o2ims-system", &v1alpha1.SubscriberInfo{Username: "mallory"},
		map[string]string{"o2ims.oran.org/subscriber": `{"username":"admin"}`})
	if v.visible(context.Background(), sub, model.KindResource, "tenant-a") {
		t.Error("the annotation widened a subscription")
	}
}

// TestTenantSubscriptionStaysInItsNamespace: a subscription in tenant-a gets nothing from
// tenant-b even when its owner may read tenant-b.
func TestTenantSubscriptionStaysInItsNamespace(t *testing.T) {
	v := newVisibility(rbac{"alice": {"tenant-a": true, "tenant-b": true}}.authorizer())
	sub := compiled(t, "tenant-a", &v1alpha1.SubscriberInfo{Username: "alice"}, nil)
	ctx := context.Background()
	if v.visible(ctx, sub, model.KindResource, "tenant-b") || v.visible(ctx, sub, model.KindOCloudInfo, "") {
		t.Error("a tenant subscription received a change outside its namespace")
	}
	if !v.visible(ctx, sub, model.KindResource, "tenant-a") {
		t.Error("a change in the subscription's own namespace was not delivered")
	}
}

// TestTenantSubscriptionLosesAccess: once the owner may no longer get the objects, changes stop
// (after the decision cache's TTL, which forget short-cuts here).
func TestTenantSubscriptionLosesAccess(t *testing.T) {
	r := rbac{"alice": {"tenant-a": true}}
	v := newVisibility(r.authorizer())
	sub := compiled(t, "tenant-a", &v1alpha1.SubscriberInfo{Username: "alice"}, nil)
	ctx := context.Background()
	if !v.visible(ctx, sub, model.KindResource, "tenant-a") {
		t.Fatal("not delivered while allowed")
	}
	delete(r["alice"], "tenant-a")
	v.forget(sub.UID)
	if v.visible(ctx, sub, model.KindResource, "tenant-a") {
		t.Error("delivered after the owner lost access")
	}
}
