package provisioningrequest

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

// TestRegressionSpecOfDeletingRequestCannotChange: an update of a request being deleted
// (deletionTimestamp set, DELETING) to a new templateVersion or new parameters was admitted,
// on kubectl's face and the O2 PUT alike, though the controller only tears the Cluster down:
// the change was counted as observed (observedGeneration) and never applied. It is a 409 now;
// an update that leaves the spec as it is (the controller's finalizer removal, parameters
// re-encoded) still passes.
func TestRegressionSpecOfDeletingRequestCannotChange(t *testing.T) {
	ctx := context.Background()
	l := &lookups{templates: map[string]*o2ims.ManagedInfrastructureTemplate{
		inventoryNS + "/demo.v1.34.0": template(inventoryNS, "demo", "v1.34.0"),
		inventoryNS + "/demo.v1.35.0": template(inventoryNS, "demo", "v1.35.0"),
	}}
	now := metav1.Now()
	old := request("v1.34.0", `{"workers":2,"region":"eu"}`)
	old.DeletionTimestamp = &now
	for name, next := range map[string]*o2ims.ProvisioningRequest{
		"upgrade":    request("v1.35.0", `{"workers":2,"region":"eu"}`),
		"parameters": request("v1.34.0", `{"workers":3,"region":"eu"}`),
		"description": func() *o2ims.ProvisioningRequest {
			r := request("v1.34.0", `{"workers":2,"region":"eu"}`)
			r.Spec.Description = "x"
			return r
		}(),
	} {
		if _, err := Admit(ctx, l, Options{}, inventoryNS, next, old); !apierrors.IsConflict(err) {
			t.Errorf("%s of a request being deleted: %v, want 409 Conflict", name, err)
		}
	}
	same := request("v1.34.0", `{ "region": "eu", "workers": 2 }`)
	if errs, err := Admit(ctx, l, Options{}, inventoryNS, same, old); err != nil || len(errs) != 0 {
		t.Errorf("unchanged spec of a request being deleted: %v %v", errs, err)
	}
	// Through the store's update hook, as kubectl's update and the O2 PUT reach it.
	main, _, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, kind.NewTenancy(inventoryNS, nil, nil), Options{},
		authorizer.AuthorizerFunc(func(context.Context, authorizer.Attributes) (authorizer.Decision, string, error) {
			return authorizer.DecisionNoOpinion, "", nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	held := request("v1.34.0", `{"workers":2}`)
	held.ObjectMeta = metav1.ObjectMeta{Namespace: inventoryNS, Name: "123e4567-e89b-12d3-a456-426614174000", ResourceVersion: "3",
		Finalizers: []string{v1alpha1.FinalizerProvisioning}, DeletionTimestamp: &now}
	held.Spec.ProvisioningRequestID = held.Name
	upgraded := held.DeepCopy()
	upgraded.Spec.TemplateVersion = "v1.35.0"
	if _, err := main.Store.BeginUpdate(kindtest.RequestIn(inventoryNS, ""), upgraded, held, &metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("update hook, upgrade of a request being deleted: %v, want 409 Conflict", err)
	}
	live := old.DeepCopy()
	live.DeletionTimestamp = nil
	if errs, err := Admit(ctx, l, Options{}, inventoryNS, request("v1.35.0", `{"workers":2}`), live); err != nil || len(errs) != 0 {
		t.Errorf("upgrade of a live request: %v %v", errs, err)
	}
}
