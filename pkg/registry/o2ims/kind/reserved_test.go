package kind

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/install"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// syncedResource is a Resource as the inventory sync stores it in a node pool namespace, where
// an admin pool of that namespace claims the Node: labelled as the sync's, naming its source,
// with the id the sync derived.
func syncedResource() *o2ims.O2Resource {
	r := res("ran", resA, poolInv, typeInv)
	r.Name, r.UID, r.ResourceVersion, r.CreationTimestamp = "worker-1", types.UID("u-1"), "7", metav1.Now()
	r.Labels = map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedByInventory}
	r.Annotations = map[string]string{v1alpha1.AnnotationSource: "Node/worker-1"}
	r.Spec.Description = "worker-1"
	return r
}

// TestRegressionTenantTakesOverSyncedResource: a Resource the inventory sync places in a node
// pool namespace is editable by that namespace's admin (o2ims-admin, aggregated into admin). By
// removing o2ims.oran.org/managed-by from it, the tenant made the sync treat it as an admin's:
// never updated nor deleted again, and still holding the id the sync derived from the Node, so
// the sync could create that Node's Resource nowhere else (the id is unique) while the tenant's
// edits read, on the default apiRoot, as the O-Cloud's own description of the Node. Adding the
// label (or the source annotation) to a tenant's own object made the sync take it for its own.
// Outside the inventory namespace only netweave (cluster superusers) now sets, changes or
// removes the labels and annotations the syncs own objects by.
func TestRegressionTenantTakesOverSyncedResource(t *testing.T) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	s := newStrategy(scheme, resourceKind(), "o2ims.oran.org/v1alpha1", NewTenancy(invNS, []string{"ran"}, nil))
	alice := as("alice", "ran")
	update := func(ctx context.Context, edit func(*o2ims.O2Resource)) error {
		old := syncedResource()
		obj := old.DeepCopy()
		edit(obj)
		return rest.BeforeUpdate(s, ctx, obj, old)
	}
	refused := map[string]func(*o2ims.O2Resource){
		"remove managed-by":   func(r *o2ims.O2Resource) { delete(r.Labels, v1alpha1.LabelManagedBy) },
		"drop every label":    func(r *o2ims.O2Resource) { r.Labels = nil },
		"relabel as a member": func(r *o2ims.O2Resource) { r.Labels[v1alpha1.LabelCluster] = "edge-1" },
		"name a tenant":       func(r *o2ims.O2Resource) { r.Labels[v1alpha1.LabelTenant] = "ran" },
		"move the source":     func(r *o2ims.O2Resource) { r.Annotations[v1alpha1.AnnotationSource] = "Node/worker-2" },
		"remove the source":   func(r *o2ims.O2Resource) { r.Annotations = nil },
	}
	for name, edit := range refused {
		err := update(alice, edit)
		if !apierrors.IsInvalid(err) {
			t.Errorf("%s: %v, want 422", name, err)
		}
	}
	// What the tenant may change stays changeable, and netweave (system:masters) keeps its
	// labels as it needs, as does the operator in the inventory namespace.
	if err := update(alice, func(r *o2ims.O2Resource) { r.Spec.Description = "mine"; r.Labels["team"] = "ran" }); err != nil {
		t.Errorf("an edit that keeps the sync's labels: %v", err)
	}
	if err := update(as("netweave", "ran", user.SystemPrivilegedGroup), refused["remove managed-by"]); err != nil {
		t.Errorf("netweave: %v", err)
	}
	ops := as("ops", invNS)
	old := syncedResource()
	old.Namespace = invNS
	obj := old.DeepCopy()
	delete(obj.Labels, v1alpha1.LabelManagedBy)
	if err := rest.BeforeUpdate(s, ops, obj, old); err != nil {
		t.Errorf("the operator in the inventory namespace: %v", err)
	}

	// A tenant's own object is never taken for one of the sync's.
	forged := res("ran", "", poolInv, typeInv)
	forged.Name = "forged"
	forged.Labels = map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedByInventory}
	forged.Annotations = map[string]string{v1alpha1.AnnotationSource: "Node/worker-1"}
	rest.FillObjectMetaSystemFields(forged)
	if err := rest.BeforeCreate(s, alice, forged); !apierrors.IsInvalid(err) {
		t.Errorf("create labelled as the sync's: %v, want 422", err)
	} else if causes := len(err.(apierrors.APIStatus).Status().Details.Causes); causes != 2 {
		t.Errorf("create labelled as the sync's: %d causes, want one per reserved key: %v", causes, err)
	}
}

// TestRegressionTenantFinalizerHoldsSyncedID: the admin of a node pool namespace added a
// finalizer to a Resource the inventory sync had placed there. When the operator moved the
// Node to another namespace's pool, the sync's delete left the Resource Terminating, still
// holding the id the sync derives from the Node (unique across namespaces): the Node's
// Resource was refused in its new namespace (409) and the sync retried for as long as the
// tenant kept the finalizer. Outside the inventory namespace only netweave adds finalizers to
// an object a sync owns.
func TestRegressionTenantFinalizerHoldsSyncedID(t *testing.T) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	s := newStrategy(scheme, resourceKind(), "o2ims.oran.org/v1alpha1", NewTenancy(invNS, []string{"ran"}, nil))
	update := func(ctx context.Context, old *o2ims.O2Resource, edit func(*o2ims.O2Resource)) error {
		obj := old.DeepCopy()
		edit(obj)
		return rest.BeforeUpdate(s, ctx, obj, old)
	}
	hold := func(r *o2ims.O2Resource) { r.Finalizers = append(r.Finalizers, "example.com/hold") }
	err := update(as("alice", "ran"), syncedResource(), hold)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "metadata.finalizers[0]") {
		t.Errorf("a tenant's finalizer on a synced Resource: %v, want 422 naming metadata.finalizers[0]", err)
	}
	// A finalizer already there stays, and may go.
	held := syncedResource()
	held.Finalizers = []string{"backup.example.com/keep"}
	if err := update(as("alice", "ran"), held, func(r *o2ims.O2Resource) { r.Spec.Description = "mine" }); err != nil {
		t.Errorf("an edit that keeps the finalizers there: %v", err)
	}
	if err := update(as("alice", "ran"), held, func(r *o2ims.O2Resource) { r.Finalizers = nil }); err != nil {
		t.Errorf("removing a finalizer: %v", err)
	}
	// netweave, the operator in the inventory namespace and a tenant on its own objects may.
	if err := update(as("netweave", "ran", user.SystemPrivilegedGroup), syncedResource(), hold); err != nil {
		t.Errorf("netweave: %v", err)
	}
	inInventory := syncedResource()
	inInventory.Namespace = invNS
	if err := update(as("ops", invNS), inInventory, hold); err != nil {
		t.Errorf("the operator in the inventory namespace: %v", err)
	}
	own := syncedResource()
	own.Labels, own.Annotations = nil, nil
	if err := update(as("alice", "ran"), own, hold); err != nil {
		t.Errorf("a tenant's own Resource: %v", err)
	}
}
