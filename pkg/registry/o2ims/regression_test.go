package o2ims_test

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

// TestRegressionManyBadItemsAreCapped (found by TestStrategiesFuzz): a DeploymentManager of a
// few MB listing hundreds of thousands of empty locations got one error per item, and
// rendering that many into the 422's message took minutes (apimachinery joins them at a cost
// that grows with the square of their number), so the request timed out as a 5xx instead. The
// strategies now answer at most validation.MaxErrors errors, on create and on update.
func TestRegressionManyBadItemsAreCapped(t *testing.T) {
	f := servedStorage(t)
	store := kindtest.StoreOf(f.Storage["deploymentmanagers"])
	create, update := store.CreateStrategy, store.UpdateStrategy
	ctx := genericapirequest.WithNamespace(context.Background(), "o2ims-inventory")
	dm := func(locations []string) *o2ims.DeploymentManager {
		return &o2ims.DeploymentManager{
			ObjectMeta: metav1.ObjectMeta{Name: "dm", Namespace: "o2ims-inventory", ResourceVersion: "1"},
			Spec: o2ims.DeploymentManagerSpec{DeploymentManagerID: kindtest.HealUUID, Name: "dm",
				ServiceURI: "https://dm.example.com", SupportedLocations: locations},
		}
	}
	old := dm(nil)
	if errs := create.Validate(ctx, old); len(errs) != 0 {
		t.Fatalf("the stored object is invalid: %v", errs)
	}
	bad := dm(make([]string, 200000))
	for name, errs := range map[string]int{
		"create": len(create.Validate(ctx, bad)),
		"update": len(update.ValidateUpdate(ctx, bad, old)),
	} {
		if errs > validation.MaxErrors {
			t.Errorf("%s: %d errors, want at most %d", name, errs, validation.MaxErrors)
		}
	}
	errs := create.Validate(ctx, bad)
	if last := errs[len(errs)-1]; !strings.Contains(last.Detail, "more errors not shown") {
		t.Errorf("the last error does not say more were left out: %v", last)
	}
}
