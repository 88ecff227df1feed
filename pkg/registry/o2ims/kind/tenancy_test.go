package kind

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
	"github.com/netweave-io/netweave/pkg/storage/unique"
)

const (
	invNS   = "o2ims-system"
	poolA   = "a0000000-0000-4000-8000-00000000000a" // held in tenant-a
	poolB   = "b0000000-0000-4000-8000-00000000000b" // held in tenant-b
	poolInv = "c0000000-0000-4000-8000-00000000000c" // held in the inventory namespace
	absent  = "d0000000-0000-4000-8000-00000000000d" // held by nobody
	typeInv = "e0000000-0000-4000-8000-00000000000e"
	resA    = "f0000000-0000-4000-8000-00000000000f" // a Resource held in tenant-a
)

// idIndex is a storage whose only ability is the unique index lookup; it counts lookups so
// tests can tell a refusal that looked nothing up.
type idIndex struct {
	storage.Interface
	prefix string
	held   map[string]string // id -> namespace/name
	err    error
	calls  int
}

func (i *idIndex) KeyForUniqueValue(_ context.Context, v string) (string, bool, error) {
	i.calls++
	if i.err != nil {
		return "", false, i.err
	}
	at, ok := i.held[unique.Key(v)]
	if !ok {
		return "", false, nil
	}
	return i.prefix + at, true, nil
}

type tenancyRig struct {
	t         *Tenancy
	pools     *idIndex
	types     *idIndex
	resources *idIndex
}

func newTenancyRig() *tenancyRig {
	r := &tenancyRig{
		t: NewTenancy(invNS, []string{"ran"}, nil),
		pools: &idIndex{prefix: "/o2ims.oran.org/resourcepools/", held: map[string]string{
			poolA: "tenant-a/pa", poolB: "tenant-b/pb", poolInv: invNS + "/pi"}},
		types:     &idIndex{prefix: "/o2ims.oran.org/resourcetypes/", held: map[string]string{typeInv: invNS + "/t"}},
		resources: &idIndex{prefix: "/o2ims.oran.org/resources/", held: map[string]string{resA: "tenant-a/ra"}},
	}
	r.t.setHolders("resourcepools", r.pools.KeyForUniqueValue, r.pools.prefix)
	r.t.setHolders("resourcetypes", r.types.KeyForUniqueValue, r.types.prefix)
	return r
}

// resourceKind is a minimal Resource kind with its references, built here so the shared code
// is tested without importing a per-kind package.
func resourceKind() *Kind {
	return &Kind{
		Resource: "resources", Singular: "resource", Namespaced: true, KindName: "Resource",
		NewFunc:     func() runtime.Object { return &o2ims.O2Resource{} },
		NewListFunc: func() runtime.Object { return &o2ims.O2ResourceList{} },
		ID:          func(obj runtime.Object) *string { return &obj.(*o2ims.O2Resource).Spec.ResourceID },
		IDPath:      field.NewPath("spec", "resourceId"),
		NewID:       func() string { return newID },
		Validate:    func(obj runtime.Object) field.ErrorList { return validation.ValidateResource(obj.(*o2ims.O2Resource)) },
		Status: &StatusHandling{ValidateStatus: func(obj runtime.Object) field.ErrorList {
			return validation.ValidateResourceStatus(&obj.(*o2ims.O2Resource).Status)
		}},
		ServerAssignsTenantIDs: true,
		Refs: func(obj runtime.Object) []Ref {
			o := obj.(*o2ims.O2Resource)
			return []Ref{
				{Path: field.NewPath("spec", "resourcePoolId"), ID: o.Spec.ResourcePoolID, Resource: "resourcepools", Kind: "ResourcePool"},
				{Path: field.NewPath("spec", "resourceTypeId"), ID: o.Spec.ResourceTypeID, Resource: "resourcetypes", Kind: "ResourceType"},
			}
		},
	}
}

func res(ns, id, pool, typ string) *o2ims.O2Resource {
	return &o2ims.O2Resource{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "r"},
		Spec: o2ims.ResourceSpec{ResourceID: id, ResourcePoolID: pool, ResourceTypeID: typ}}
}

func as(name, ns string, groups ...string) context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: name, Groups: append(groups, user.AllAuthenticated)})
}

// hooks returns the create and update hooks of kind k held to the rig's boundary.
func (r *tenancyRig) hooks(k *Kind) (registry.BeginCreateFunc, registry.BeginUpdateFunc) {
	strat := newStrategy(runtime.NewScheme(), k, "o2ims.oran.org/v1alpha1", r.t)
	store := &registry.Store{Storage: registry.DryRunnableStorage{Storage: r.resources}}
	return k.beginCreate(store, strat), k.beginUpdate(strat)
}

var (
	realCreate = &metav1.CreateOptions{}
	dryRun     = &metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
)

// TestReferencesResolveInOwnOrInventoryNamespace: a tenant's Resource may name a pool and a
// type of its own namespace or the inventory namespace, and nothing else; an id held in
// another namespace and an id held by nobody get the same answer, dry-run or not.
func TestReferencesResolveInOwnOrInventoryNamespace(t *testing.T) {
	r := newTenancyRig()
	create, _ := r.hooks(resourceKind())
	bob := as("bob", "tenant-b")
	for _, ok := range []*o2ims.O2Resource{res("tenant-b", "", poolB, typeInv), res("tenant-b", "", poolInv, typeInv)} {
		for _, opts := range []*metav1.CreateOptions{realCreate, dryRun} {
			if _, err := create(bob, ok, opts); err != nil {
				t.Errorf("pool %s: %v", ok.Spec.ResourcePoolID, err)
			}
		}
	}
	var messages []string
	for _, pool := range []string{poolA, absent} {
		for _, opts := range []*metav1.CreateOptions{realCreate, dryRun} {
			_, err := create(bob, res("tenant-b", "", pool, typeInv), opts)
			f, msg := kindtest.OnlyCause(t, err)
			if f != "spec.resourcePoolId" {
				t.Errorf("field %s, want spec.resourcePoolId", f)
			}
			messages = append(messages, strings.ReplaceAll(err.Error(), pool, "<id>"))
			if !strings.Contains(msg, "tenant-b") || !strings.Contains(msg, invNS) {
				t.Errorf("message %q should say where the pool may be", msg)
			}
		}
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("answers differ, so they reveal whether the id exists elsewhere:\n%s\n%s", messages[0], m)
		}
	}
	// The inventory namespace's own objects resolve only there.
	_, err := create(as("ops", invNS), res(invNS, "", poolA, typeInv), realCreate)
	if f, msg := kindtest.OnlyCause(t, err); f != "spec.resourcePoolId" || strings.Contains(msg, "or in the inventory") {
		t.Errorf("inventory namespace: %s %q", f, msg)
	}
}

// readsInventory is an authorizer letting the users it names get resources (any kind, or
// the kinds listed) in the inventory namespace, and nothing else; it records what it was asked.
type readsInventory struct {
	kinds map[string][]string // user -> kinds; an empty list is every kind
	asked []string
	err   error
}

func (a *readsInventory) Authorize(_ context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
	a.asked = append(a.asked, attrs.GetUser().GetName()+" "+attrs.GetVerb()+" "+attrs.GetResource()+" in "+attrs.GetNamespace())
	if a.err != nil {
		return authorizer.DecisionNoOpinion, "", a.err
	}
	kinds, ok := a.kinds[attrs.GetUser().GetName()]
	if ok && attrs.GetVerb() == "get" && attrs.GetNamespace() == invNS && attrs.GetAPIGroup() == "o2ims.oran.org" &&
		(len(kinds) == 0 || slices.Contains(kinds, attrs.GetResource())) {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, "", nil
}

// TestRegressionDryRunReferenceRevealsInventoryIDs: a tenant with no rights in the inventory
// namespace learned, with server-side dry-runs, which ids the operator's inventory holds (an
// operator pool's id was accepted, a random one 422), and so which Nodes exist (their
// Resources' ids are derived from the O-Cloud id and the Node's name). An inventory reference
// now resolves only for a writer who may get that kind there, and the answer for one who may
// not is the answer for an id nobody holds.
func TestRegressionDryRunReferenceRevealsInventoryIDs(t *testing.T) {
	r := newTenancyRig()
	const typeB = "b1000000-0000-4000-8000-0000000000b1" // a ResourceType of tenant-b's own
	r.types.held[typeB] = "tenant-b/tb"
	authz := &readsInventory{kinds: map[string][]string{"carol": nil, "dave": {"resourcetypes"}}}
	r.t = NewTenancy(invNS, []string{"ran"}, authorizer.AuthorizerFunc(authz.Authorize))
	r.t.setHolders("resourcepools", r.pools.KeyForUniqueValue, r.pools.prefix)
	r.t.setHolders("resourcetypes", r.types.KeyForUniqueValue, r.types.prefix)
	create, update := r.hooks(resourceKind())

	// bob may read nothing of the inventory: its pool and an absent id answer alike.
	bob := as("bob", "tenant-b")
	var answers []string
	for _, pool := range []string{poolInv, absent} {
		for _, opts := range []*metav1.CreateOptions{realCreate, dryRun} {
			_, err := create(bob, res("tenant-b", "", pool, typeB), opts)
			if f, _ := kindtest.OnlyCause(t, err); f != "spec.resourcePoolId" {
				t.Errorf("bob, pool %s: field %s, want spec.resourcePoolId", pool, f)
			}
			answers = append(answers, strings.ReplaceAll(err.Error(), pool, "<id>"))
		}
	}
	for _, a := range answers[1:] {
		if a != answers[0] {
			t.Errorf("bob can tell the inventory's pool from an absent id:\n%s\n%s", answers[0], a)
		}
	}
	// Nor by changing a reference on update.
	mine := res("tenant-b", resA, poolB, typeB)
	if _, err := update(bob, res("tenant-b", resA, poolInv, typeB), mine, &metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}); err == nil {
		t.Error("bob moved a Resource under the inventory's pool on update")
	}
	// He is asked about the kind, not the id: the same question whether the id is held or not.
	for _, q := range authz.asked {
		if q != "bob get resourcepools in "+invNS && q != "bob get resourcetypes in "+invNS {
			t.Errorf("asked %q", q)
		}
	}

	// carol may get every kind there: the operator's pool and type resolve, as before.
	if _, err := create(as("carol", "tenant-c"), res("tenant-c", "", poolInv, typeInv), dryRun); err != nil {
		t.Errorf("carol: %v", err)
	}
	// dave may get resourcetypes only: the type resolves, the pool does not.
	_, err := create(as("dave", "tenant-d"), res("tenant-d", "", poolInv, typeInv), dryRun)
	if f, _ := kindtest.OnlyCause(t, err); f != "spec.resourcePoolId" {
		t.Errorf("dave: %v, want only spec.resourcePoolId refused", err)
	}
	// Writers in the inventory namespace are not asked: its objects are their own namespace's.
	authz.asked = nil
	if _, err := create(as("ops", invNS), res(invNS, "", poolInv, typeInv), dryRun); err != nil || len(authz.asked) != 0 {
		t.Errorf("inventory namespace: %v, asked %v", err, authz.asked)
	}
	// An authorizer that fails is a 500, never an accepted reference.
	authz.err = errors.New("webhook down")
	if _, err := create(as("carol", "tenant-c"), res("tenant-c", "", poolInv, typeInv), dryRun); !apierrors.IsInternalError(err) {
		t.Errorf("authorizer failure: %v, want 500", err)
	}
}

// TestChosenIDsOnlyInInventoryNamespace: outside the inventory namespace a create naming its
// id is refused before anything is looked up, so no answer depends on who holds the id.
func TestChosenIDsOnlyInInventoryNamespace(t *testing.T) {
	r := newTenancyRig()
	create, _ := r.hooks(resourceKind())
	bob := as("bob", "tenant-b")
	var first string
	for _, id := range []string{resA, absent} {
		for _, opts := range []*metav1.CreateOptions{realCreate, dryRun} {
			r.resources.calls = 0
			_, err := create(bob, res("tenant-b", id, poolB, typeInv), opts)
			f, msg := kindtest.OnlyCause(t, err)
			if f != "spec.resourceId" || !strings.Contains(msg, "server assigns") {
				t.Errorf("id %s: %s %q", id, f, msg)
			}
			if r.resources.calls != 0 {
				t.Errorf("id %s: the id index was consulted %d times", id, r.resources.calls)
			}
			if got := strings.ReplaceAll(err.Error(), id, "<id>"); first == "" {
				first = got
			} else if got != first {
				t.Errorf("answers differ:\n%s\n%s", first, got)
			}
		}
	}
	// In the inventory namespace, and for cluster superusers anywhere, the creator chooses; a
	// dry-run of a held id is then 409 like the realCreate create.
	for _, ctx := range []context.Context{as("ops", invNS), as("root", "tenant-b", user.SystemPrivilegedGroup)} {
		ns, _ := genericapirequest.NamespaceFrom(ctx)
		if _, err := create(ctx, res(ns, absent, poolInv, typeInv), dryRun); err != nil {
			t.Errorf("%s: free id: %v", ns, err)
		}
		if _, err := create(ctx, res(ns, resA, poolInv, typeInv), dryRun); !apierrors.IsConflict(err) {
			t.Errorf("%s: dry-run of a held id: %v, want 409", ns, err)
		}
		if _, err := create(ctx, res(ns, resA, poolInv, typeInv), realCreate); err != nil {
			t.Errorf("%s: realCreate create goes on to the store (which answers 409): %v", ns, err)
		}
	}
}

// TestSuperusersSkipReferenceChecks: the inventory sync writes as netweave's loopback user
// (system:masters) and may name a ResourceType it has not created yet.
func TestSuperusersSkipReferenceChecks(t *testing.T) {
	r := newTenancyRig()
	create, _ := r.hooks(resourceKind())
	loopback := as(user.APIServerUser, invNS, user.SystemPrivilegedGroup)
	if _, err := create(loopback, res(invNS, resA, poolInv, absent), realCreate); err != nil {
		t.Errorf("the sync's write: %v", err)
	}
	if r.pools.calls+r.types.calls != 0 {
		t.Errorf("references looked up for a superuser")
	}
}

// TestUpdateResolvesOnlyAddedReferences: an update that keeps its references is not asked to
// resolve them again; one that points elsewhere is.
func TestUpdateResolvesOnlyAddedReferences(t *testing.T) {
	r := newTenancyRig()
	_, update := r.hooks(resourceKind())
	bob := as("bob", "tenant-b")
	old := res("tenant-b", resA, poolA, typeInv) // written before the boundary existed
	upd := old.DeepCopy()
	upd.Spec.Description = "relabelled"
	if _, err := update(bob, upd, old, nil); err != nil {
		t.Errorf("unchanged references: %v", err)
	}
	if r.pools.calls != 0 {
		t.Errorf("an unchanged reference was looked up")
	}
	upd = res("tenant-b", resA, poolB, typeInv)
	if _, err := update(bob, upd, old, nil); err != nil {
		t.Errorf("moving to its own pool: %v", err)
	}
	old, upd = res("tenant-b", resA, poolB, typeInv), res("tenant-b", resA, poolA, typeInv)
	if f, _ := kindtest.OnlyCause(t, func() error { _, err := update(bob, upd, old, nil); return err }()); f != "spec.resourcePoolId" {
		t.Errorf("moving under tenant-a's pool: field %s", f)
	}
}

// TestInvalidObjectsAreRefusedByValidationFirst: the hooks look nothing up for an object the
// strategy will refuse, so a broken object gets the same 422 whether or not its references
// resolve (and costs no lookup).
func TestInvalidObjectsAreRefusedByValidationFirst(t *testing.T) {
	r := newTenancyRig()
	create, _ := r.hooks(resourceKind())
	broken := res("tenant-b", "", poolA, "not-a-uuid")
	if _, err := create(as("bob", "tenant-b"), broken, realCreate); err != nil {
		t.Errorf("left to BeforeCreate: %v", err)
	}
	if r.pools.calls+r.types.calls != 0 {
		t.Error("references of an invalid object were looked up")
	}
}

func TestLookupFailureIsAnInternalError(t *testing.T) {
	r := newTenancyRig()
	r.pools.err = errors.New("redis down")
	create, _ := r.hooks(resourceKind())
	_, err := create(as("bob", "tenant-b"), res("tenant-b", "", poolB, typeInv), realCreate)
	if !apierrors.IsInternalError(err) {
		t.Errorf("got %v, want 500", err)
	}
}

// TestUnregisteredKindFailsClosed: a reference to a kind whose ids cannot be resolved is an
// error, never a pass.
func TestUnregisteredKindFailsClosed(t *testing.T) {
	r := newTenancyRig()
	r.t = NewTenancy(invNS, nil, nil)
	create, _ := r.hooks(resourceKind())
	if _, err := create(as("bob", "tenant-b"), res("tenant-b", "", poolB, typeInv), realCreate); err == nil {
		t.Error("want an error when no id index is registered")
	}
}

func TestNodePoolsAllowed(t *testing.T) {
	tn := NewTenancy(invNS, []string{"ran"}, nil)
	for ns, want := range map[string]bool{invNS: true, "ran": true, "tenant-b": false, "": false} {
		if got := tn.NodePoolsAllowed(ns); got != want {
			t.Errorf("%q: %v", ns, got)
		}
	}
}

// TestOwnNamespaceReferencesIgnoreTheInventoryNamespace: a reference that speaks about its
// target resolves in the writer's namespace only; the inventory namespace, another tenant's and
// nobody get one and the same answer.
func TestOwnNamespaceReferencesIgnoreTheInventoryNamespace(t *testing.T) {
	r := newTenancyRig()
	k := resourceKind()
	refs := k.Refs
	k.Refs = func(obj runtime.Object) []Ref {
		out := refs(obj)
		out[0].OwnNamespace = true
		return out
	}
	create, _ := r.hooks(k)
	bob := as("bob", "tenant-b")
	if _, err := create(bob, res("tenant-b", "", poolB, typeInv), realCreate); err != nil {
		t.Errorf("its own namespace's pool (and the operator's type): %v", err)
	}
	var first string
	for _, pool := range []string{poolInv, poolA, absent} {
		_, err := create(bob, res("tenant-b", "", pool, typeInv), realCreate)
		f, msg := kindtest.OnlyCause(t, err)
		if f != "spec.resourcePoolId" || strings.Contains(msg, "inventory") {
			t.Errorf("pool %s: %s %q", pool, f, msg)
		}
		if got := strings.ReplaceAll(err.Error(), pool, "<id>"); first == "" {
			first = got
		} else if got != first {
			t.Errorf("answers differ:\n%s\n%s", first, got)
		}
	}
	if _, err := create(as("ops", invNS), res(invNS, "", poolInv, typeInv), realCreate); err != nil {
		t.Errorf("the inventory namespace's own pool: %v", err)
	}
}
