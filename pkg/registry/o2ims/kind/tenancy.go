package kind

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/storage/unique"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// Tenancy is the boundary between the operator's inventory and the tenants' namespaces, as the
// o2ims registries enforce it on every create and update, dry-run or not:
//
//   - References. An O2 id another object is named by (a Resource's resourcePoolId and
//     resourceTypeId, a pool's oCloudSiteId and globalLocationId, …; see each Kind's Refs) must
//     be held by an object in the writer's namespace, or in the inventory namespace if the
//     writer may get that kind there (RBAC, asked whether or not the id is held, so the answer
//     takes as long either way). Otherwise, whether the id is held in another namespace, in an
//     inventory the writer may not read, or by nobody, the write is 422 Invalid with the same
//     message, naming the field: a write, dry-run or not, never tells whether an id exists
//     where the writer cannot look, and tenant B cannot file objects under tenant A's pool.
//     References that speak about the target rather than use it (Ref.OwnNamespace: an alarm's
//     object, a purge's alarms) must be held in the writer's namespace itself, the same answer
//     again for the inventory namespace, another namespace and nobody.
//   - O2 ids. Outside the inventory namespace the server assigns the O2 id (a random UUID): a
//     create that names one is 422 Forbidden on the id's field. So no tenant can squat the ids
//     the inventory sync derives (UUIDv5 of the O-Cloud id), and no tenant create ever collides
//     with an id held elsewhere: neither a dry-run nor a real create can reveal one.
//   - Node pools. A ResourcePool may select Nodes (spec.nodeSelector) only in the inventory
//     namespace and the namespaces the operator lists; elsewhere the field is 422 Forbidden.
//
// Cluster superusers (system:masters, which includes netweave's own loopback client and so the
// inventory sync) may choose ids anywhere and are not held to the reference rule: they can read
// every namespace, so nothing is revealed to them, and the sync writes a Resource before the
// ResourceType it names exists, and a cluster deployment manager whose supportedLocations name
// the Locations of pools in node pool namespaces.
type Tenancy struct {
	inventoryNamespace string
	nodePools          sets.Set[string]
	// authz decides whether a writer may get a kind in the inventory namespace, and so
	// reference its objects from another namespace; nil offers the inventory to every writer.
	authz authorizer.Authorizer

	mu      sync.RWMutex
	holders map[string]idHolders
	// stores are the namespaced stores by resource, for Admit's reads of other objects.
	stores map[string]*genericregistry.Store
}

// Ref is one reference of an object to another kind's O2 id.
type Ref struct {
	// Path is the referring field, e.g. spec.resourcePoolId.
	Path *field.Path
	// ID is the referenced O2 id; an empty one is not checked.
	ID string
	// Resource is the referenced kind's resource (e.g. "resourcepools") and Kind its API kind
	// (e.g. "ResourcePool").
	Resource, Kind string
	// OwnNamespace: the id must be held in the writer's namespace itself; the inventory
	// namespace does not count (unless it is the writer's). For references that would let a
	// tenant speak about, or learn of, the operator's objects rather than use them: an alarm
	// about the operator's node, a purge naming the operator's alarm.
	OwnNamespace bool
}

// idHolders finds which object holds an O2 id: the storage's unique index lookup, and the key
// prefix of the kind's objects (keys are prefix + namespace/name).
type idHolders struct {
	lookup func(ctx context.Context, id string) (key string, found bool, err error)
	prefix string
}

// NewTenancy returns the boundary of inventoryNamespace; nodePoolNamespaces are the other
// namespaces whose pools may select Nodes. authz decides which writers of other namespaces may
// reference the inventory's objects (those who may get their kind there); the server passes
// its authorizer, and nil (tests of other rules) offers the inventory to every writer.
func NewTenancy(inventoryNamespace string, nodePoolNamespaces []string, authz authorizer.Authorizer) *Tenancy {
	pools := sets.New(nodePoolNamespaces...)
	pools.Insert(inventoryNamespace)
	return &Tenancy{inventoryNamespace: inventoryNamespace, nodePools: pools, authz: authz, holders: map[string]idHolders{}, stores: map[string]*genericregistry.Store{}}
}

// InventoryNamespace is the namespace of the operator's inventory.
func (t *Tenancy) InventoryNamespace() string { return t.inventoryNamespace }

// NodePoolsAllowed reports whether ResourcePools in namespace may select Nodes.
func (t *Tenancy) NodePoolsAllowed(namespace string) bool { return t.nodePools.Has(namespace) }

// register makes the O2 ids of k's store resolvable. A storage without a unique index lookup
// (unit tests' plain storage) is not registered: references to its kind then fail closed.
func (t *Tenancy) register(k *Kind, store *genericregistry.Store) {
	if !k.Namespaced {
		return
	}
	if store.Storage.Storage != nil {
		t.mu.Lock()
		t.stores[k.Resource] = store
		t.mu.Unlock()
	}
	lookup, ok := store.Storage.Storage.(uniqueLookup)
	if !ok {
		return
	}
	t.setHolders(k.Resource, lookup.KeyForUniqueValue, store.KeyRootFunc(context.Background())+"/")
}

func (t *Tenancy) setHolders(resource string, lookup func(context.Context, string) (string, bool, error), prefix string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.holders[resource] = idHolders{lookup: lookup, prefix: prefix}
}

// Holder returns the namespace and name of the object of resource (e.g.
// "deploymentmanagers") that holds the O2 id id, and whether one does. For Admit hooks.
func (t *Tenancy) Holder(ctx context.Context, resource, id string) (namespace, name string, found bool, err error) {
	return t.holder(ctx, resource, id)
}

// Get reads the object name of resource in namespace from the store the server serves it
// with (a consistent read: the read cache waits for the latest revision). For Admit hooks;
// the caller decides what the writer may learn of it.
func (t *Tenancy) Get(ctx context.Context, resource, namespace, name string) (runtime.Object, error) {
	t.mu.RLock()
	store, ok := t.stores[resource]
	t.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("no storage of %s to read from", resource)
	}
	return store.Get(genericapirequest.WithNamespace(ctx, namespace), name, &metav1.GetOptions{})
}

// holder returns the namespace and name of the object of resource that holds id, with one
// lookup in the store's unique index (authoritative, unlike the read cache).
func (t *Tenancy) holder(ctx context.Context, resource, id string) (string, string, bool, error) {
	t.mu.RLock()
	h, ok := t.holders[resource]
	t.mu.RUnlock()
	if !ok {
		return "", "", false, fmt.Errorf("no id index of %s to resolve references with", resource)
	}
	key, found, err := h.lookup(ctx, id)
	if err != nil || !found {
		return "", "", false, err
	}
	rest, ok := strings.CutPrefix(key, h.prefix)
	ns, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || ns == "" || name == "" {
		return "", "", false, fmt.Errorf("id index of %s holds unexpected key %q", resource, key)
	}
	return ns, name, true, nil
}

// Superuser reports whether the caller is in system:masters.
func Superuser(ctx context.Context) bool {
	u, ok := genericapirequest.UserFrom(ctx)
	return ok && slices.Contains(u.GetGroups(), user.SystemPrivilegedGroup)
}

// mayChooseID reports whether the caller may name the O2 id of an object it creates in
// namespace.
func (t *Tenancy) mayChooseID(ctx context.Context, namespace string) bool {
	return namespace == t.inventoryNamespace || Superuser(ctx)
}

// chosenIDForbidden is the error of a create that names an O2 id where the server assigns it.
func (t *Tenancy) chosenIDForbidden(path *field.Path) *field.Error {
	return field.Forbidden(path, fmt.Sprintf("must be empty: outside the inventory namespace %s the server assigns O2 ids", t.inventoryNamespace))
}

// checkRefs resolves refs of an object written in namespace: each must be held in namespace or
// in the inventory namespace (in namespace only, for an OwnNamespace ref), and in the inventory
// namespace only if the writer may get that kind there. The answer is the same whether an id is
// held elsewhere, in an inventory the writer may not read, or not at all. Lookup and
// authorization failures are returned as the error.
func (t *Tenancy) checkRefs(ctx context.Context, namespace string, refs []Ref) (field.ErrorList, error) {
	var errs field.ErrorList
	type target struct{ resource, id string }
	holders := map[target]string{}
	readable := map[string]bool{}
	for _, r := range refs {
		if r.ID == "" {
			continue
		}
		inventoryCounts := !r.OwnNamespace && namespace != t.inventoryNamespace
		if inventoryCounts {
			ok, seen := readable[r.Resource]
			if !seen {
				var err error
				if ok, err = t.mayReadInventory(ctx, r.Resource); err != nil {
					return nil, apierrors.NewInternalError(fmt.Errorf("resolve %s %s: %w", r.Path, r.ID, err))
				}
				readable[r.Resource] = ok
			}
			inventoryCounts = ok
		}
		tg := target{r.Resource, unique.Key(r.ID)}
		holder, seen := holders[tg]
		if !seen {
			ns, _, found, err := t.holder(ctx, r.Resource, r.ID)
			if err != nil {
				return nil, apierrors.NewInternalError(fmt.Errorf("resolve %s %s: %w", r.Path, r.ID, err))
			}
			if found {
				holder = ns
			}
			holders[tg] = holder
		}
		ok := holder != "" && (holder == namespace || inventoryCounts && holder == t.inventoryNamespace)
		if !ok {
			errs = append(errs, field.Invalid(r.Path, r.ID, t.refMessage(r, namespace)))
			if len(errs) > validation.MaxErrors {
				// The answer is a 422 either way, and says no more (validation.Capped): the
				// rest are not looked up, one Redis read each.
				break
			}
		}
	}
	return errs, nil
}

// mayReadInventory reports whether the writer of ctx may get resource in the inventory
// namespace, and so reference its objects from another namespace: the operator offers the
// inventory kind by kind with RBAC (o2ims-reader, or get on resourcetypes only, bound in the
// inventory namespace), and a tenant it offers nothing learns nothing of it through a write.
func (t *Tenancy) mayReadInventory(ctx context.Context, resource string) (bool, error) {
	return t.MayRead(ctx, "", resource)
}

// MayEverywhere reports whether the requester of ctx may verb resource of o2ims.oran.org in all
// namespaces, which only a ClusterRoleBinding grants (a RoleBinding in one namespace, whatever
// its rules, cannot): for rules that keep what only the operator may do from a namespace's
// admin. Cluster superusers may; with no authorizer nobody else may (fail closed).
func (t *Tenancy) MayEverywhere(ctx context.Context, verb, resource string) (bool, error) {
	if Superuser(ctx) {
		return true, nil
	}
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok || t.authz == nil {
		return false, nil
	}
	return tenancy.Allowed(ctx, t.authz, u, tenancy.Request{Verb: verb, Resource: resource})
}

// MayRead reports whether the writer of ctx may get resource of group ("" is o2ims.oran.org)
// in the inventory namespace; with no authorizer (tests of other rules), everyone may. For
// Admit hooks that let tenants use the operator's objects (descriptors, deployment managers).
func (t *Tenancy) MayRead(ctx context.Context, group, resource string) (bool, error) {
	if t.authz == nil {
		return true, nil
	}
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return false, nil
	}
	return tenancy.Allowed(ctx, t.authz, u, tenancy.Request{Verb: "get", Group: group, Resource: resource, Namespace: t.inventoryNamespace})
}

func (t *Tenancy) refMessage(r Ref, namespace string) string {
	if namespace == t.inventoryNamespace || r.OwnNamespace {
		return fmt.Sprintf("must be the id of a %s in namespace %s", r.Kind, namespace)
	}
	// Says what the rule is, the same to every writer: naming the permission tells a tenant
	// what to ask the operator for, not whether the id is held.
	return fmt.Sprintf("must be the id of a %s in namespace %s or in the inventory namespace %s (where the writer needs get on %s)", r.Kind, namespace, t.inventoryNamespace, r.Resource)
}

// changedRefs are the refs of obj that old does not have (same kind, same id); an update that
// keeps a reference is not asked to resolve it again (its target may be gone by now).
func changedRefs(refs func(runtime.Object) []Ref, obj, old runtime.Object) []Ref {
	type target struct{ resource, id string }
	had := map[target]bool{}
	for _, r := range refs(old) {
		had[target{r.Resource, unique.Key(r.ID)}] = true
	}
	var out []Ref
	for _, r := range refs(obj) {
		if !had[target{r.Resource, unique.Key(r.ID)}] {
			out = append(out, r)
		}
	}
	return out
}

// NamespaceOf is the namespace a request writes to: the request's, else the object's.
func NamespaceOf(ctx context.Context, obj runtime.Object) string { return namespaceOf(ctx, obj) }

// namespaceOf is the namespace a request writes to: the request's, else the object's.
func namespaceOf(ctx context.Context, obj runtime.Object) string {
	if ns, ok := genericapirequest.NamespaceFrom(ctx); ok && ns != "" {
		return ns
	}
	if m, err := metaAccessor(obj); err == nil {
		return m.GetNamespace()
	}
	return ""
}
