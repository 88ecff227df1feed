package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/o2rest"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
	"github.com/netweave-io/netweave/pkg/storage/cachefeed"
	"github.com/netweave-io/netweave/test/redisserver"
)

// replica is one netweave process's o2ims storage (read caches over its own Redis store) on a
// Redis that other replicas share, with its O2 face when o2 is set.
type replica struct {
	registry *registry
	o2       http.Handler
}

// newReplica builds one replica's storage on the Redis at addr; with o2 it also runs the
// process's informers, fed from its read caches, and the O2 handler reading them, as the
// server does (pkg/apiserver/o2ims.go).
func newReplica(t *testing.T, addr string, o2 bool) *replica {
	t.Helper()
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { _ = client.Close() })
	scheme, codecs := apiserver.NewScheme()
	feed := cachefeed.New(scheme, apiserver.ServedGroupVersions())
	getter := apiserver.NewRESTOptionsGetter(apiserver.RedisStorage{Client: client, KeyPrefix: "it",
		Codec: apiserver.StorageCodec(codecs)}, feed)
	ten := apiserver.TenancyConfig{InventoryNamespace: invNS, Authorizer: authorizerfactory.NewAlwaysAllowAuthorizer(),
		SubscriptionNamespace: invNS}
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
	r := &replica{registry: &registry{t: t, storage: storage[o2ims.GroupName]}}
	if !o2 {
		return r
	}
	informers, err := o2informers.New(nil, 0, feed)
	if err != nil {
		t.Fatal(err)
	}
	src, err := source.New(informers.Factory())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	informers.Start(ctx)
	t.Cleanup(func() { cancel(); informers.Shutdown() })
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true,
		func(context.Context) (bool, error) { return src.HasSynced(), nil }); err != nil {
		t.Fatal("the informers did not sync")
	}
	handler := o2rest.NewHandler(o2rest.Config{
		Source:      src,
		Fresh:       apiserver.FreshO2Reads(feed),
		FreshByName: apiserver.FreshO2ReadsByName(feed),
		FreshList:   apiserver.FreshO2Lists(feed),
		// Writes go to a stand-in: the tests here look at what the O2 face answers before it
		// writes.
		ClientFor:             func(user.Info) (versioned.Interface, error) { return fake.NewSimpleClientset(), nil },
		Authorizer:            authorizerfactory.NewAlwaysAllowAuthorizer(),
		APIRoot:               "https://o2.example",
		SubscriptionNamespace: invNS,
		InventoryNamespace:    invNS,
	})
	smo := &user.DefaultInfo{Name: "smo", Groups: []string{user.AllAuthenticated}}
	r.o2 = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		handler.ServeHTTP(w, req.WithContext(genericapirequest.WithUser(req.Context(), smo)))
	})
	return r
}

// serve sends a request to the replica's O2 face (a JSON body when body is not empty) and
// returns its answer.
func (r *replica) serve(method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	r.o2.ServeHTTP(rec, req)
	return rec
}

// TestRegressionO2ReadOnOtherReplicaFindsCreatedObject: behind one Service the replicas share
// an SMO's requests. A resource pool created through one replica (kubectl, the inventory
// sync, or an O2 POST on that replica) and then read by its id through another replica's O2
// face answered 404 until that replica's informers had caught up with Redis: the O2 face
// answered a miss from its informers alone. An SMO that deletes a subscription right after
// creating it got the same 404 and took the subscription for gone while it went on
// notifying. A miss is now checked against the store's current state before it is a 404.
func TestRegressionO2ReadOnOtherReplicaFindsCreatedObject(t *testing.T) {
	srv := redisserver.Start(t)
	a := newReplica(t, srv.Addr(), false)
	b := newReplica(t, srv.Addr(), true)
	createdOnAFoundOnB(t, b, "/o2ims-infrastructureInventory/v1/resourcePools/", func(i int) string {
		created := a.registry.mustCreate(loopback, "resourcepools", newPool(fmt.Sprintf("pool-%d", i), ""))
		return created.(*o2ims.ResourcePool).Spec.ResourcePoolID
	})
}

// createdOnAFoundOnB creates 20 objects on replica A with create (which returns the O2 id of
// the i-th) and GETs each from b's O2 face under collection right after: 200, never the 404
// of a replica whose informers trail. An id nobody created is still a 404, once the store
// confirms it.
func createdOnAFoundOnB(t *testing.T, b *replica, collection string, create func(i int) string) {
	t.Helper()
	for i := range 20 {
		id := create(i)
		if rec := b.serve(http.MethodGet, collection+id, ""); rec.Code != http.StatusOK {
			t.Fatalf("GET of %s%s on replica B right after its create on replica A: %d %s, want 200", collection, id, rec.Code, rec.Body)
		}
	}
	if rec := b.serve(http.MethodGet, collection+string(uuid.NewUUID()), ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET of an id nobody created under %s: %d %s, want 404", collection, rec.Code, rec.Body)
	}
}

// TestRegressionO2ProvisioningRequestOnOtherReplica: the same for the kinds the O2 face looks
// up by name: a ProvisioningRequest the SMO created through one replica was 404 on another
// (GET, PUT, DELETE) until that replica's informers had caught up.
func TestRegressionO2ProvisioningRequestOnOtherReplica(t *testing.T) {
	srv := redisserver.Start(t)
	a := newReplica(t, srv.Addr(), false)
	b := newReplica(t, srv.Addr(), true)
	a.registry.mustCreate(loopback, "managedinfrastructuretemplates", &o2ims.ManagedInfrastructureTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "demo.v1"},
		Spec: o2ims.ManagedInfrastructureTemplateSpec{Name: "demo", Version: "v1",
			ParameterSchema: &o2ims.JSON{Raw: []byte(`{"type":"object"}`)},
			ClusterClassRef: o2ims.ClusterReference{Namespace: invNS, Name: "demo"}},
	})
	createdOnAFoundOnB(t, b, "/o2ims-infrastructureProvisioning/v1/provisioningRequests/", func(int) string {
		id := string(uuid.NewUUID())
		a.registry.mustCreate(loopback, "provisioningrequests", &o2ims.ProvisioningRequest{
			Spec: o2ims.ProvisioningRequestSpec{ProvisioningRequestID: id, Name: "r", TemplateName: "demo", TemplateVersion: "v1",
				TemplateParameters: &o2ims.JSON{Raw: []byte(`{}`)}}})
		return id
	})
}

// TestRegressionO2DuplicateSubscriptionOnOtherReplica: in the shared subscription namespace
// only the O2 face's duplicate check refuses a second subscription of one callback by one SMO
// (names are random there). It read the replica's informers, so the same POST sent again to
// another replica right after the first was answered (an SMO's retry) created a second
// subscription, and every notification went out twice. The check now reads the store's
// current state too.
func TestRegressionO2DuplicateSubscriptionOnOtherReplica(t *testing.T) {
	srv := redisserver.Start(t)
	a := newReplica(t, srv.Addr(), false)
	b := newReplica(t, srv.Addr(), true)
	smo := caller{"smo", invNS, nil}
	for i := range 20 {
		callback := fmt.Sprintf("https://smo.example/cb/%d", i)
		a.registry.mustCreate(smo, "inventorysubscriptions", &o2ims.InventorySubscription{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("o2-%020d", i)}, Spec: o2ims.InventorySubscriptionSpec{Callback: callback}})
		rec := b.serve(http.MethodPost, "/o2ims-infrastructureInventory/v1/subscriptions", `{"callback":"`+callback+`"}`)
		if rec.Code != http.StatusConflict {
			t.Fatalf("POST of callback %s on replica B right after its subscription was created on replica A: %d %s, want 409", callback, rec.Code, rec.Body)
		}
	}
}
