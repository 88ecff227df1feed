package inventorysubscription

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/subscription"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// TestRegressionNonOwnerCannotRedirectSubscription: outside the shared namespace the owner rule
// did not apply to updates, so a user with update on inventorysubscriptions in tenant-a (a
// namespace admin) could point alice's subscription at its own receiver and receive what
// alice may see, signed with alice's key. Redirecting is now the subscriber's, or a holder of
// manage-others'; other updates are not asked about.
func TestRegressionNonOwnerCannotRedirectSubscription(t *testing.T) {
	var asked []authorizer.Attributes
	authz := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		asked = append(asked, a)
		switch {
		case a.GetUser().GetName() == "broken":
			return authorizer.DecisionNoOpinion, "", errors.New("SubjectAccessReview failed")
		case a.GetUser().GetName() == "operator" && a.GetVerb() == tenancy.VerbManageOthers &&
			a.GetResource() == "inventorysubscriptions" && a.GetNamespace() == "tenant-a":
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
	main, _, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, subscription.Rules{Authorizer: authz, SharedNamespace: "o2ims-system"})
	if err != nil {
		t.Fatal(err)
	}
	alices := func() *o2ims.InventorySubscription {
		s := newSubscription("")
		s.Spec.Subscriber = &o2ims.SubscriberInfo{Username: "alice", UID: "alice-uid"}
		return s
	}
	update := func(who string, change func(*o2ims.InventorySubscription)) error {
		sub := alices()
		change(sub)
		_, err := main.Store.BeginUpdate(as(who), sub, alices(), &metav1.UpdateOptions{})
		return err
	}
	redirect := func(s *o2ims.InventorySubscription) { s.Spec.Callback = "https://mallory.example.com/cb" }
	sign := func(s *o2ims.InventorySubscription) {
		s.Spec.SigningSecretRef = &o2ims.SecretKeyRef{Name: "mallory-key", Key: "k"}
	}
	relabel := func(s *o2ims.InventorySubscription) { s.Labels = map[string]string{"team": "ran"} }

	err = update("mallory", redirect)
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "spec.callback") {
		t.Errorf("mallory redirects alice's subscription: %v, want Forbidden on spec.callback", err)
	}
	// The signing Secret check would refuse mallory-key too; the redirect check answers first.
	if err := update("mallory", sign); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "spec.signingSecretRef") {
		t.Errorf("mallory sets a signing secret: %v, want Forbidden on spec.signingSecretRef", err)
	}
	if err := update("broken", redirect); !apierrors.IsInternalError(err) {
		t.Errorf("authorizer failure: %v, want an internal error (fail closed)", err)
	}
	n := len(asked)
	if err := update("alice", redirect); err != nil {
		t.Errorf("alice redirects her own subscription: %v", err)
	}
	if err := update("mallory", relabel); err != nil {
		t.Errorf("mallory relabels it (no redirect): %v", err)
	}
	if len(asked) != n {
		t.Errorf("%d authorization questions for the subscriber's redirect and a relabel", len(asked)-n)
	}
	if err := update("operator", redirect); err != nil {
		t.Errorf("a holder of manage-others redirects it: %v", err)
	}
}
