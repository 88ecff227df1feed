package kind

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

const (
	givenID = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
	newID   = "00000000-0000-4000-8000-000000000001"
)

// poolKind is a minimal Kind with a status subresource, built here so the shared code is
// tested without importing a per-kind package.
func poolKind() *Kind {
	return &Kind{
		Resource: "resourcepools", Singular: "resourcepool", Namespaced: true,
		NewFunc:     func() runtime.Object { return &o2ims.ResourcePool{} },
		NewListFunc: func() runtime.Object { return &o2ims.ResourcePoolList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.ResourcePool).Spec.ResourcePoolID },
		IDPath:      field.NewPath("spec", "resourcePoolId"),
		NewID:       func() string { return newID },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateResourcePool(obj.(*o2ims.ResourcePool))
		},
		Status: &StatusHandling{ValidateStatus: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateResourcePoolStatus(&obj.(*o2ims.ResourcePool).Status)
		}},
		Columns: []Column{{Name: "O2 ID", Type: "string", Cell: func(obj runtime.Object) interface{} { return obj.(*o2ims.ResourcePool).Spec.ResourcePoolID }}},
	}
}

func pool(id, desc string, count int32) *o2ims.ResourcePool {
	return &o2ims.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"},
		Spec:       o2ims.ResourcePoolSpec{ResourcePoolID: id, Name: "p", Description: desc},
		Status:     o2ims.ResourcePoolStatus{ResourceCount: count},
	}
}

func TestCreateAssignsIDOnlyWhenMissing(t *testing.T) {
	s := newStrategy(runtime.NewScheme(), poolKind(), "o2ims.oran.org/v1alpha1", nil)
	p := pool("", "", 5)
	s.PrepareForCreate(context.Background(), p)
	if p.Spec.ResourcePoolID != newID || p.Status.ResourceCount != 0 || p.Generation != 1 {
		t.Errorf("create: id=%q count=%d generation=%d; want the new id, status cleared, generation 1", p.Spec.ResourcePoolID, p.Status.ResourceCount, p.Generation)
	}
	p = pool(givenID, "", 0)
	s.PrepareForCreate(context.Background(), p)
	if p.Spec.ResourcePoolID != givenID {
		t.Errorf("create replaced the creator's id with %q", p.Spec.ResourcePoolID)
	}
}

func TestUpdateKeepsIDAndStatus(t *testing.T) {
	s := newStrategy(runtime.NewScheme(), poolKind(), "o2ims.oran.org/v1alpha1", nil)
	old := pool(givenID, "a", 3)
	old.Generation = 4

	// A re-applied manifest without the id keeps it; status changes are dropped.
	upd := pool("", "a", 9)
	s.PrepareForUpdate(context.Background(), upd, old)
	if upd.Spec.ResourcePoolID != givenID || upd.Status.ResourceCount != 3 || upd.Generation != 4 {
		t.Errorf("update: id=%q count=%d generation=%d", upd.Spec.ResourcePoolID, upd.Status.ResourceCount, upd.Generation)
	}
	if errs := s.ValidateUpdate(context.Background(), upd, old); len(errs) != 0 {
		t.Errorf("unchanged id: %v", errs)
	}

	// A spec change bumps the generation; an id change is refused.
	upd = pool(newID, "b", 3)
	s.PrepareForUpdate(context.Background(), upd, old)
	if upd.Generation != 5 {
		t.Errorf("spec change: generation %d, want 5", upd.Generation)
	}
	errs := s.ValidateUpdate(context.Background(), upd, old)
	if len(errs) != 1 || errs[0].Field != "spec.resourcePoolId" || !strings.Contains(errs[0].Error(), "immutable") {
		t.Errorf("id change: want one immutable error on spec.resourcePoolId, got %v", errs)
	}
}

func TestStatusEndpointChangesOnlyStatus(t *testing.T) {
	s := statusStrategy{newStrategy(runtime.NewScheme(), poolKind(), "o2ims.oran.org/v1alpha1", nil)}
	old := pool(givenID, "a", 3)
	old.Labels = map[string]string{"team": "ran"}
	upd := pool(givenID, "changed", 7)
	upd.Labels = map[string]string{"team": "core"}
	s.PrepareForUpdate(context.Background(), upd, old)
	if upd.Spec.Description != "a" || upd.Labels["team"] != "ran" || upd.Status.ResourceCount != 7 {
		t.Errorf("status update: description=%q labels=%v count=%d", upd.Spec.Description, upd.Labels, upd.Status.ResourceCount)
	}
	upd.Status.ResourceCount = -1
	if errs := s.ValidateUpdate(context.Background(), upd, old); len(errs) != 1 || errs[0].Field != "status.resourceCount" {
		t.Errorf("negative count: %v", errs)
	}
	if got := s.GetResetFields()["o2ims.oran.org/v1alpha1"]; got == nil || !got.Has(mustPath("spec")) {
		t.Errorf("status endpoint must reset spec for server-side apply, got %v", got)
	}
}

func TestTableRowsAndHeaders(t *testing.T) {
	tc := newTableConvertor(poolKind())
	list := &o2ims.ResourcePoolList{Items: []o2ims.ResourcePool{*pool(givenID, "", 0), *pool(newID, "", 0)}}
	list.Continue = "next"
	table, err := tc.ConvertToTable(context.Background(), list, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range table.ColumnDefinitions {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "Name,O2 ID,Age" {
		t.Errorf("columns %s", got)
	}
	if len(table.Rows) != 2 || table.Rows[1].Cells[1] != newID || table.Continue != "next" {
		t.Errorf("rows %+v continue %q", table.Rows, table.Continue)
	}
	table, err = tc.ConvertToTable(context.Background(), pool(givenID, "", 0), &metav1.TableOptions{NoHeaders: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(table.ColumnDefinitions) != 0 || len(table.Rows) != 1 || table.Rows[0].Cells[0] != "p" {
		t.Errorf("single object without headers: %+v", table)
	}
}

// TestValidateChangedOnCreateAndUpdate: ValidateChanged sees a create with no old object and
// an update with the stored one, on the main endpoint only.
func TestValidateChangedOnCreateAndUpdate(t *testing.T) {
	k := poolKind()
	var calls []bool
	k.ValidateChanged = func(obj, old runtime.Object) field.ErrorList {
		calls = append(calls, old != nil)
		return field.ErrorList{field.Invalid(field.NewPath("spec", "name"), "p", "checked")}
	}
	s := newStrategy(runtime.NewScheme(), k, "o2ims.oran.org/v1alpha1", nil)
	if errs := s.Validate(context.Background(), pool(givenID, "", 0)); len(errs) != 1 {
		t.Errorf("create: %v, want the ValidateChanged error", errs)
	}
	if errs := s.ValidateUpdate(context.Background(), pool(givenID, "x", 0), pool(givenID, "", 0)); len(errs) != 1 {
		t.Errorf("update: %v, want the ValidateChanged error", errs)
	}
	if len(calls) != 2 || calls[0] || !calls[1] {
		t.Errorf("calls with an old object: %v, want [false true]", calls)
	}
}

// TestRegressionStatusUpdateCannotDropFinalizers: a /status update kept the caller's
// finalizers and owner references. Whoever may update a kind's status (often granted more
// widely than the object, e.g. to a tenant's status reporter) could drop a finalizer the main
// endpoint guards (pkg/registry/finalizers) or re-parent the object, as no built-in kind allows.
func TestRegressionStatusUpdateCannotDropFinalizers(t *testing.T) {
	s := statusStrategy{newStrategy(runtime.NewScheme(), poolKind(), "o2ims.oran.org/v1alpha1", nil)}
	old := pool(givenID, "a", 3)
	old.Finalizers = []string{"example.com/cleanup"}
	old.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: "u1"}}
	upd := pool(givenID, "a", 4)
	upd.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "other", UID: "u2"}}
	s.PrepareForUpdate(context.Background(), upd, old)
	if len(upd.Finalizers) != 1 || upd.Finalizers[0] != "example.com/cleanup" {
		t.Errorf("status update changed finalizers to %v", upd.Finalizers)
	}
	if len(upd.OwnerReferences) != 1 || upd.OwnerReferences[0].Name != "owner" {
		t.Errorf("status update changed owner references to %v", upd.OwnerReferences)
	}
	if upd.Status.ResourceCount != 4 {
		t.Errorf("status not updated: count %d", upd.Status.ResourceCount)
	}
	reset := s.GetResetFields()["o2ims.oran.org/v1alpha1"]
	for _, p := range []string{"finalizers", "ownerReferences"} {
		if reset == nil || !reset.Has(mustPath("metadata", p)) {
			t.Errorf("server-side apply to status must reset metadata.%s", p)
		}
	}
}
