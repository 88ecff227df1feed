package integration

import (
	"context"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"net/http"
	"strings"
	"testing"

	guuid "github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/storage/cachefeed"
	"github.com/netweave-io/netweave/test/redisserver"
)

const invNS = "o2ims-system"

// registry is the server's o2ims storage on a real Redis, with the server's tenant boundary
// (the inventory namespace and one more node pool namespace, "ran").
type registry struct {
	t       *testing.T
	storage map[string]rest.Storage
}

// newRegistry builds the registry; each tune adjusts the tenant boundary first.
func newRegistry(t *testing.T, tunes ...func(*apiserver.TenancyConfig)) *registry {
	t.Helper()
	srv := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	scheme, codecs := apiserver.NewScheme()
	getter := apiserver.NewRESTOptionsGetter(apiserver.RedisStorage{Client: client, KeyPrefix: "it",
		Codec: apiserver.StorageCodec(codecs)}, cachefeed.New(scheme, apiserver.ServedGroupVersions()))
	ten := apiserver.TenancyConfig{InventoryNamespace: invNS, NodePoolNamespaces: []string{"ran"},
		Authorizer: authorizerfactory.NewAlwaysAllowAuthorizer(), SubscriptionNamespace: invNS}
	for _, tune := range tunes {
		tune(&ten)
	}
	storage, err := apiserver.NewStorage(scheme, getter, ten)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, group := range storage {
			for _, s := range group {
				s.Destroy()
			}
		}
	})
	return &registry{t: t, storage: storage[o2ims.GroupName]}
}

// caller is who writes, and where.
type caller struct {
	name   string
	ns     string
	groups []string
}

var (
	admin    = func(ns string) caller { return caller{"admin", ns, []string{user.SystemPrivilegedGroup}} }
	loopback = caller{user.APIServerUser, invNS, []string{user.SystemPrivilegedGroup}}
	operator = caller{"ops", invNS, nil}
	tenantA  = caller{"alice", "tenant-a", nil}
	tenantB  = caller{"bob", "tenant-b", nil}
)

func (c caller) ctx() context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), c.ns)
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: c.name, Groups: append(c.groups, user.AllAuthenticated)})
}

var dryRun = []string{metav1.DryRunAll}

func (r *registry) create(c caller, resource string, obj runtime.Object, dry []string) (runtime.Object, error) {
	obj.(metav1.Object).SetNamespace(c.ns)
	return r.storage[resource].(rest.Creater).Create(c.ctx(), obj, rest.ValidateAllObjectFunc, &metav1.CreateOptions{DryRun: dry})
}

func (r *registry) mustCreate(c caller, resource string, obj runtime.Object) runtime.Object {
	r.t.Helper()
	out, err := r.create(c, resource, obj, nil)
	if err != nil {
		r.t.Fatalf("%s creates %s in %s: %v", c.name, resource, c.ns, err)
	}
	return out
}

func (r *registry) update(c caller, resource string, obj runtime.Object, dry []string) error {
	name := obj.(metav1.Object).GetName()
	_, _, err := r.storage[resource].(rest.Updater).Update(c.ctx(), name, rest.DefaultUpdatedObjectInfo(obj),
		rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{DryRun: dry})
	return err
}

func newPool(name, id string) *o2ims.ResourcePool {
	return &o2ims.ResourcePool{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: o2ims.ResourcePoolSpec{ResourcePoolID: id, Name: name}}
}

func newType(name, id string) *o2ims.ResourceType {
	return &o2ims.ResourceType{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: o2ims.ResourceTypeSpec{ResourceTypeID: id, Name: name,
		ResourceKind: o2ims.ResourceKindPhysical, ResourceClass: o2ims.ResourceClassCompute}}
}

func newResource(name, id, pool, typ string) *o2ims.O2Resource {
	return &o2ims.O2Resource{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: o2ims.ResourceSpec{ResourceID: id, ResourcePoolID: pool, ResourceTypeID: typ}}
}

// answer is what a write told its caller: the status code, reason and causes with the probed
// id blanked, so that two answers about different ids (and objects) can be compared.
func answer(err error, id string) string {
	if err == nil {
		return "201"
	}
	st, ok := err.(apierrors.APIStatus)
	if !ok {
		return "error " + err.Error()
	}
	s := st.Status()
	var causes []string
	for _, c := range s.Details.Causes {
		causes = append(causes, c.Field+": "+strings.ReplaceAll(c.Message, id, "<id>"))
	}
	return http.StatusText(int(s.Code)) + " " + string(s.Reason) + " " + strings.Join(causes, "; ")
}

// inventory is what the operator's namespace and tenant A hold, set up as the sync and the
// tenant would: ids the tenant gets are server-assigned.
type inventory struct {
	invPool, invType string
	poolA, resA      string
}

func setUp(r *registry) inventory {
	var inv inventory
	inv.invType = r.mustCreate(loopback, "resourcetypes", newType("small", "6f1e0a5c-3b7d-5e2a-9c41-8d0f2b6e7a13")).(*o2ims.ResourceType).Spec.ResourceTypeID
	inv.invPool = r.mustCreate(loopback, "resourcepools", newPool("zone-a", "0b7c2d4e-6f81-5a93-8b2c-4d5e6f708192")).(*o2ims.ResourcePool).Spec.ResourcePoolID
	inv.poolA = r.mustCreate(tenantA, "resourcepools", newPool("ran", "")).(*o2ims.ResourcePool).Spec.ResourcePoolID
	inv.resA = r.mustCreate(tenantA, "resources", newResource("ru-1", "", inv.poolA, inv.invType)).(*o2ims.O2Resource).Spec.ResourceID
	return inv
}

// TestRegressionCrossNamespacePoolReference: tenant B used to be able to file Resources under
// tenant A's pool (spec.resourcePoolId of a pool in tenant-a), so tenant A's SMO listing
// resourcePools/{pool}/resources with cluster-wide access saw tenant B's objects as its own.
// Now a reference resolves only in the writer's namespace or the inventory namespace, and the
// refusal reads the same whether the id is tenant A's or nobody's, dry-run or not.
func TestRegressionCrossNamespacePoolReference(t *testing.T) {
	r := newRegistry(t)
	inv := setUp(r)
	poolB := r.mustCreate(tenantB, "resourcepools", newPool("core", "")).(*o2ims.ResourcePool).Spec.ResourcePoolID

	absent := string(uuid.NewUUID())
	var answers []string
	for _, target := range []string{inv.poolA, absent} {
		for _, dry := range [][]string{nil, dryRun} {
			_, err := r.create(tenantB, "resources", newResource("sneaky", "", target, inv.invType), dry)
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.resourcePoolId") {
				t.Fatalf("tenant B's Resource under pool %s (dry-run %v): %v, want 422 on spec.resourcePoolId", target, dry != nil, err)
			}
			answers = append(answers, answer(err, target))
		}
	}
	for _, a := range answers[1:] {
		if a != answers[0] {
			t.Errorf("the answer depends on whether the id exists elsewhere:\n%s\n%s", answers[0], a)
		}
	}

	// Moving an existing Resource under tenant A's pool is refused the same way.
	own := r.mustCreate(tenantB, "resources", newResource("ru-b", "", poolB, inv.invType)).(*o2ims.O2Resource)
	own.Spec.ResourcePoolID = inv.poolA
	for _, dry := range [][]string{dryRun, nil} {
		if err := r.update(tenantB, "resources", own.DeepCopy(), dry); answer(err, inv.poolA) != answers[0] {
			t.Errorf("update under tenant A's pool (dry-run %v): %s", dry != nil, answer(err, inv.poolA))
		}
	}

	// Tenant B's own pool and the operator's pool and type are fine, and so is tenant A's own.
	r.mustCreate(tenantB, "resources", newResource("ru-b2", "", inv.invPool, inv.invType))
	r.mustCreate(tenantA, "resources", newResource("ru-2", "", inv.poolA, inv.invType))

	// A pool's site and location, a site's location, a manager's locations: same rule.
	siteA := r.mustCreate(tenantA, "locations", &o2ims.Location{ObjectMeta: metav1.ObjectMeta{Name: "tor"},
		Spec: o2ims.LocationSpec{Name: "tor"}}).(*o2ims.Location).Spec.GlobalLocationID
	edge := newPool("edge", "")
	edge.Spec.GlobalLocationID = siteA
	if _, err := r.create(tenantB, "resourcepools", edge.DeepCopy(), nil); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.globalLocationId") {
		t.Errorf("tenant B's pool at tenant A's location: %v", err)
	}
	if _, err := r.create(tenantA, "resourcepools", edge.DeepCopy(), nil); err != nil {
		t.Errorf("tenant A's pool at its own location: %v", err)
	}
	dm := &o2ims.DeploymentManager{ObjectMeta: metav1.ObjectMeta{Name: "k8s"}, Spec: o2ims.DeploymentManagerSpec{Name: "k8s",
		ServiceURI: "https://k8s.example.net", SupportedLocations: []string{siteA}}}
	if _, err := r.create(tenantB, "deploymentmanagers", dm, nil); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.supportedLocations[0]") {
		t.Errorf("tenant B's manager at tenant A's location: %v", err)
	}
}

// TestTenantsCannotChooseIDs: outside the inventory namespace the server assigns O2 ids, so a
// tenant can squat neither the ids the sync derives (UUIDv5) nor learn, from a create or a
// dry-run, whether an id is held elsewhere: both answers are the same 422 for a held and a
// free id. The operator's namespace and cluster superusers keep choosing ids, and for them a
// dry-run of a held id is 409 exactly like the real create.
func TestTenantsCannotChooseIDs(t *testing.T) {
	r := newRegistry(t)
	inv := setUp(r)
	derived := "3d9a8f3e-1c2b-5d4e-8f6a-7b8c9d0e1f2a" // a version-5 id the sync might derive later

	var answers []string
	for _, id := range []string{inv.resA, derived, string(uuid.NewUUID())} {
		for _, dry := range [][]string{dryRun, nil} {
			_, err := r.create(tenantB, "resources", newResource("chosen", id, inv.invPool, inv.invType), dry)
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.resourceId") {
				t.Fatalf("tenant B chooses id %s (dry-run %v): %v, want 422 on spec.resourceId", id, dry != nil, err)
			}
			answers = append(answers, answer(err, id))
		}
	}
	for _, a := range answers[1:] {
		if a != answers[0] {
			t.Errorf("answers differ:\n%s\n%s", answers[0], a)
		}
	}
	for _, res := range []struct {
		resource string
		obj      runtime.Object
	}{
		{"resourcepools", newPool("p", derived)},
		{"resourcetypes", newType("t", derived)},
		{"locations", &o2ims.Location{ObjectMeta: metav1.ObjectMeta{Name: "l"}, Spec: o2ims.LocationSpec{GlobalLocationID: "CA-ON-TOR", Name: "l"}}},
	} {
		if _, err := r.create(tenantB, res.resource, res.obj, nil); !apierrors.IsInvalid(err) {
			t.Errorf("tenant B chooses the id of a %s: %v", res.resource, err)
		}
	}

	// Without an id the tenant gets a fresh random (version 4) one.
	got := r.mustCreate(tenantB, "resources", newResource("assigned", "", inv.invPool, inv.invType)).(*o2ims.O2Resource)
	if id, err := uuidVersion(got.Spec.ResourceID); err != nil || id != 4 {
		t.Errorf("server-assigned id %s: version %d (%v)", got.Spec.ResourceID, id, err)
	}

	// The operator and superusers choose; a held id is 409 whether dry-run or not.
	for _, c := range []caller{operator, admin("tenant-b")} {
		for _, dry := range [][]string{dryRun, nil} {
			_, err := r.create(c, "resources", newResource("held-"+c.name, inv.resA, inv.invPool, inv.invType), dry)
			if !apierrors.IsConflict(err) {
				t.Errorf("%s in %s, held id (dry-run %v): %v, want 409", c.name, c.ns, dry != nil, err)
			}
		}
		if _, err := r.create(c, "resources", newResource("free-"+c.name, string(uuid.NewUUID()), inv.invPool, inv.invType), nil); err != nil {
			t.Errorf("%s in %s, free id: %v", c.name, c.ns, err)
		}
	}
}

// TestSyncWritesPass: the inventory sync writes as the loopback user; it names a ResourceType
// before creating it, and writes Resources with derived ids into node pool namespaces.
func TestSyncWritesPass(t *testing.T) {
	r := newRegistry(t)
	inv := setUp(r)
	later := "5e4d3c2b-1a09-5f8e-9d7c-6b5a49382716"
	r.mustCreate(loopback, "resources", newResource("worker-1", "7a6b5c4d-3e2f-5a1b-8c9d-0e1f2a3b4c5d", inv.invPool, later))
	gpu := newPool("gpu", "")
	gpu.Spec.NodeSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"gpu": "true"}}
	ranPool := r.mustCreate(caller{"ran-admin", "ran", nil}, "resourcepools", gpu).(*o2ims.ResourcePool).Spec.ResourcePoolID
	r.mustCreate(caller{loopback.name, "ran", loopback.groups}, "resources", newResource("worker-2", "8b7c6d5e-4f3a-5b2c-9d0e-1f2a3b4c5d6e", ranPool, inv.invType))
}

// TestNodeSelectorOutsideNodePoolNamespaces: the API refuses what the sync would ignore.
func TestNodeSelectorOutsideNodePoolNamespaces(t *testing.T) {
	r := newRegistry(t)
	all := newPool("everything", "")
	all.Spec.NodeSelector = &metav1.LabelSelector{}
	for _, c := range []caller{tenantB, admin("tenant-b")} {
		for _, dry := range [][]string{dryRun, nil} {
			_, err := r.create(c, "resourcepools", all.DeepCopy(), dry)
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.nodeSelector") {
				t.Errorf("%s (dry-run %v): %v, want 422 on spec.nodeSelector", c.name, dry != nil, err)
			}
		}
	}
	plain := r.mustCreate(tenantB, "resourcepools", newPool("plain", "")).(*o2ims.ResourcePool)
	plain.Spec.NodeSelector = &metav1.LabelSelector{}
	if err := r.update(tenantB, "resourcepools", plain, nil); !apierrors.IsInvalid(err) {
		t.Errorf("adding a selector by update: %v", err)
	}
	for _, c := range []caller{operator, {"ran-admin", "ran", nil}} {
		r.mustCreate(c, "resourcepools", all.DeepCopy())
	}
}

func uuidVersion(id string) (int, error) {
	u, err := guuid.Parse(id)
	return int(u.Version()), err
}
