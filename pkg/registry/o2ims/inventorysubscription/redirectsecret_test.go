package inventorysubscription

import (
	"context"
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

// TestRegressionRedirectKeepingSecretNeedsSecretAccess: alice (who may get Secret hook-key)
// subscribes with signingSecretRef hook-key. "operator" holds manage-others on
// inventorysubscriptions in tenant-a but may NOT get hook-key. The operator pointed alice's
// subscription at its own receiver and kept the signing Secret: the redirect check let it
// (manage-others) and the signing Secret check asked nothing (same Secret), so the operator
// received bodies HMAC-signed with a key it may not read and could test guesses offline, which
// is exactly what the signing-secret rule exists to prevent. A callback change is now a move
// of the key's use (Rule.Moved), checked like a new reference.
func TestRegressionRedirectKeepingSecretNeedsSecretAccess(t *testing.T) {
	readers := &kindtest.SecretReaders{Reader: "alice", Namespace: "tenant-a", Secret: "hook-key"}
	authz := authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetUser().GetName() == "operator" && a.GetVerb() == tenancy.VerbManageOthers &&
			a.GetResource() == "inventorysubscriptions" && a.GetNamespace() == "tenant-a" {
			return authorizer.DecisionAllow, "", nil
		}
		return readers.Authorize(ctx, a)
	})
	main, _, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, subscription.Rules{Authorizer: authz, SharedNamespace: "o2ims-system"})
	if err != nil {
		t.Fatal(err)
	}
	alices := func() *o2ims.InventorySubscription {
		s := newSubscription("hook-key")
		s.Spec.Subscriber = &o2ims.SubscriberInfo{Username: "alice"}
		return s
	}
	moved := alices()
	moved.Spec.Callback = "https://operator.example.com/collect"
	_, err = main.Store.BeginUpdate(as("operator"), moved, alices(), &metav1.UpdateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("operator (manage-others, no get on secret hook-key) moves alice's hook-key-signed subscription to its own callback: err=%v, want Forbidden on spec.signingSecretRef", err)
	}
}
