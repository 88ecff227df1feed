package inventorysubscription

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/subscription"
)

func newSubscription(secret string) *o2ims.InventorySubscription {
	s := &o2ims.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "smo"},
		Spec: o2ims.InventorySubscriptionSpec{Callback: "https://smo.example.com/cb"}}
	if secret != "" {
		s.Spec.SigningSecretRef = &o2ims.SecretKeyRef{Name: secret, Key: "key"}
	}
	return s
}

func as(name string) context.Context { return kindtest.RequestIn("tenant-a", name) }

// TestRegressionSigningSecretCreatorMustRead: a user allowed to create subscriptions but not
// to read Secrets could name any Secret of the namespace as signing key, and netweave (which
// reads them all) would sign the POSTs to the user's callback with it.
func TestRegressionSigningSecretCreatorMustRead(t *testing.T) {
	authz := &kindtest.SecretReaders{Reader: "alice", Namespace: "tenant-a", Secret: "hook-key"}
	main, status, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, subscription.Rules{Authorizer: authorizer.AuthorizerFunc(authz.Authorize), SharedNamespace: "o2ims-system"})
	if err != nil {
		t.Fatal(err)
	}
	if main.Store.BeginCreate == nil || main.Store.BeginUpdate == nil || status == nil {
		t.Fatal("NewREST did not install the signing secret check")
	}
	create := func(ctx context.Context, sub *o2ims.InventorySubscription) error {
		// Dry-run: the chained id check (kind.dryRunIDCheck) runs too, and finds no storage.
		_, err := main.Store.BeginCreate(ctx, sub, &metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	}
	// Updates by the subscriber: who may redirect a subscription is redirect_test.go's.
	update := func(ctx context.Context, sub, old *o2ims.InventorySubscription) error {
		if u, ok := genericapirequest.UserFrom(ctx); ok {
			old.Spec.Subscriber = &o2ims.SubscriberInfo{Username: u.GetName()}
		}
		_, err := main.Store.BeginUpdate(ctx, sub, old, &metav1.UpdateOptions{})
		return err
	}

	if err := create(as("alice"), newSubscription("hook-key")); err != nil {
		t.Errorf("alice, who may read hook-key: %v", err)
	}
	a := authz.Asked[len(authz.Asked)-1]
	if a.GetVerb() != "get" || a.GetResource() != "secrets" || a.GetNamespace() != "tenant-a" || a.GetName() != "hook-key" || !a.IsResourceRequest() {
		t.Errorf("asked %+v", a)
	}
	err = create(as("mallory"), newSubscription("hook-key"))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "signingSecretRef") {
		t.Errorf("mallory, who may not read hook-key: %v, want Forbidden", err)
	}
	if err := create(as("alice"), newSubscription("other-key")); !apierrors.IsForbidden(err) {
		t.Errorf("alice and a secret she may not read: %v, want Forbidden", err)
	}
	if err := create(as(""), newSubscription("hook-key")); !apierrors.IsForbidden(err) {
		t.Errorf("no user: %v, want Forbidden", err)
	}
	if err := create(as("broken"), newSubscription("hook-key")); !apierrors.IsInternalError(err) {
		t.Errorf("authorizer failure: %v, want an internal error (fail closed)", err)
	}

	// No reference, or the same Secret as before: nothing to check.
	n := len(authz.Asked)
	if err := create(as("mallory"), newSubscription("")); err != nil {
		t.Errorf("no signing secret: %v", err)
	}
	keep := newSubscription("hook-key")
	keep.Labels = map[string]string{"team": "a"}
	keep.Spec.SigningSecretRef.Key = "other"
	if err := update(as("mallory"), keep, newSubscription("hook-key")); err != nil {
		t.Errorf("update keeping the secret and the callback: %v", err)
	}
	if len(authz.Asked) != n {
		t.Errorf("%d authorization questions for nothing to check", len(authz.Asked)-n)
	}
	// Moving the signed POSTs to another receiver is a new use of the key
	// (TestRegressionRedirectKeepingSecretNeedsSecretAccess).
	moved := newSubscription("hook-key")
	moved.Spec.Callback = "https://smo.example.com/other"
	if err := update(as("mallory"), moved, newSubscription("hook-key")); !apierrors.IsForbidden(err) {
		t.Errorf("mallory moves the callback of a subscription signed with a secret she may not read: %v, want Forbidden", err)
	}
	if err := update(as("alice"), moved, newSubscription("hook-key")); err != nil {
		t.Errorf("alice moves the callback of her subscription signed with her secret: %v", err)
	}
	// Pointing an existing subscription at another Secret is checked like a create.
	if err := update(as("mallory"), newSubscription("hook-key"), newSubscription("")); !apierrors.IsForbidden(err) {
		t.Errorf("mallory adds a secret: %v, want Forbidden", err)
	}
	if err := update(as("mallory"), newSubscription("sa-token"), newSubscription("hook-key")); !apierrors.IsForbidden(err) {
		t.Errorf("mallory swaps the secret: %v, want Forbidden", err)
	}
	if err := update(as("alice"), newSubscription("hook-key"), newSubscription("")); err != nil {
		t.Errorf("alice adds her secret: %v", err)
	}
}
