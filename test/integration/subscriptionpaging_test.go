package integration

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// TestRegressionContinueTokenNamesNoHiddenSubscription: in the shared subscription namespace
// bob sees only his own subscriptions, but a paged list handed him continue tokens naming the
// last item the store read, another SMO's hidden subscription ({"start":"o2-5077…\u0000"}), and
// following them (with pages of no items) walked the names of all of them. Now each page holds
// up to limit of his own, every token starts right after one of his, and nothing else is named.
func TestRegressionContinueTokenNamesNoHiddenSubscription(t *testing.T) {
	noManageOthers := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetVerb() == tenancy.VerbManageOthers {
			return authorizer.DecisionDeny, "", nil
		}
		return authorizer.DecisionAllow, "", nil
	})
	r := newRegistry(t, func(ten *apiserver.TenancyConfig) { ten.Authorizer = noManageOthers })
	alice, bob := caller{"alice", invNS, nil}, caller{"bob", invNS, nil}
	sub := func(name string) *o2ims.InventorySubscription {
		return &o2ims.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: o2ims.InventorySubscriptionSpec{Callback: "https://smo.example/" + name}}
	}
	// Interleaved by name, and alice's last: a page of bob's may end just before hers.
	for _, name := range []string{"a-alice", "b-bob", "c-alice", "d-alice", "e-bob", "f-alice", "g-bob", "h-alice", "i-alice"} {
		owner := alice
		if strings.HasSuffix(name, "-bob") {
			owner = bob
		}
		r.mustCreate(owner, "inventorysubscriptions", sub(name))
	}

	lister := r.storage["inventorysubscriptions"].(rest.Lister)
	for _, limit := range []int64{1, 2, 3, 500} {
		var got []string
		cont := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("limit %d: more than 10 pages", limit)
			}
			out, err := lister.List(bob.ctx(), &metainternalversion.ListOptions{Limit: limit, Continue: cont})
			if err != nil {
				t.Fatalf("limit %d: %v", limit, err)
			}
			list := out.(*o2ims.InventorySubscriptionList)
			if len(list.Items) == 0 && list.Continue != "" {
				t.Errorf("limit %d: an empty page with a continue token", limit)
			}
			if int64(len(list.Items)) > limit {
				t.Errorf("limit %d: a page of %d items", limit, len(list.Items))
			}
			for _, s := range list.Items {
				got = append(got, s.Name)
			}
			cont = list.Continue
			if cont == "" {
				break
			}
			if start := continueStart(t, cont); !strings.HasSuffix(strings.TrimSuffix(start, "\x00"), "-bob") {
				t.Errorf("limit %d: continue token starts at %q, which is not bob's", limit, start)
			}
			if list.RemainingItemCount != nil {
				t.Errorf("limit %d: remainingItemCount %d reveals how many others hold", limit, *list.RemainingItemCount)
			}
		}
		if want := []string{"b-bob", "e-bob", "g-bob"}; !slices.Equal(got, want) {
			t.Errorf("limit %d: bob paged through %v, want %v", limit, got, want)
		}
	}
}

// continueStart returns the start key a continue token carries.
func continueStart(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatalf("continue token %q: %v", token, err)
	}
	var c struct {
		Start string `json:"start"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("continue token %s: %v", raw, err)
	}
	return c.Start
}
