package subscription_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/storage/cachefeed"
	"github.com/netweave-io/netweave/pkg/tenancy"
	"github.com/netweave-io/netweave/test/redisserver"
)

const shared = "o2ims-system"

// sharedStorage is the server's inventorysubscriptions storage on a Redis of the test's own,
// where nobody holds manage-others.
func sharedStorage(t *testing.T) rest.Storage {
	t.Helper()
	return sharedStorageWith(t, nil)
}

// sharedStorageWith is sharedStorage with the namespaces the server's informer would hold.
func sharedStorageWith(t *testing.T, namespaces corelisters.NamespaceLister) rest.Storage {
	t.Helper()
	srv := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	scheme, codecs := apiserver.NewScheme()
	getter := apiserver.NewRESTOptionsGetter(apiserver.RedisStorage{Client: client, KeyPrefix: "sub",
		Codec: apiserver.StorageCodec(codecs)}, cachefeed.New(scheme, apiserver.ServedGroupVersions()))
	noManageOthers := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetVerb() == tenancy.VerbManageOthers {
			return authorizer.DecisionDeny, "", nil
		}
		return authorizer.DecisionAllow, "", nil
	})
	storage, err := apiserver.NewStorage(scheme, getter, apiserver.TenancyConfig{InventoryNamespace: shared,
		SubscriptionNamespace: shared, Authorizer: noManageOthers, Namespaces: namespaces})
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
	return storage[o2ims.GroupName]["inventorysubscriptions"]
}

func sharedAs(name string) context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), shared)
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: name, Groups: []string{user.AllAuthenticated}})
}

// TestRegressionServerSideApplyCreatesInSharedNamespace: `kubectl apply --server-side` of a new
// subscription in the shared namespace answered 404 NotFound to every SMO without
// manage-others. An apply that creates is an update with forceAllowCreate, and the owner rule
// looked the name up first and refused the update when nothing was there. Now the rule is
// asked of the stored object inside the update: an absent one is created (as the SMO's), a
// hidden one still answers NotFound and is left as it was.
func TestRegressionServerSideApplyCreatesInSharedNamespace(t *testing.T) {
	subs := sharedStorage(t)
	apply := func(who, name, callback string) (*o2ims.InventorySubscription, bool, error) {
		obj := &o2ims.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: shared},
			Spec: o2ims.InventorySubscriptionSpec{Callback: callback}}
		out, created, err := subs.(rest.Updater).Update(sharedAs(who), name, rest.DefaultUpdatedObjectInfo(obj),
			rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{})
		if err != nil {
			return nil, false, err
		}
		return out.(*o2ims.InventorySubscription), created, nil
	}

	got, created, err := apply("alice", "alices", "https://alice.example/cb")
	if err != nil {
		t.Fatalf("alice applies a new subscription: %v", err)
	}
	if !created || got.Spec.Subscriber == nil || got.Spec.Subscriber.Username != "alice" {
		t.Errorf("alice's apply: created %v, subscriber %+v; want a new subscription of alice's", created, got.Spec.Subscriber)
	}
	if _, _, err := apply("alice", "alices", "https://alice.example/cb2"); err != nil {
		t.Errorf("alice re-applies her subscription: %v", err)
	}
	if _, _, err := apply("mallory", "alices", "https://mallory.example/cb"); !apierrors.IsNotFound(err) {
		t.Errorf("mallory applies over alice's subscription: %v, want NotFound", err)
	}
	stored, err := subs.(rest.Getter).Get(sharedAs("alice"), "alices", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := stored.(*o2ims.InventorySubscription); s.Spec.Callback != "https://alice.example/cb2" || s.Spec.Subscriber.Username != "alice" {
		t.Errorf("alice's subscription after mallory's apply: callback %q, subscriber %q", s.Spec.Callback, s.Spec.Subscriber.Username)
	}
}

// TestRegressionDeleteRacesANamesakeOfAnotherOwner: `kubectl delete` of a subscription in the
// shared namespace checked the owner of the object it read first and then deleted whatever
// the name held when the delete landed. When alice's subscription was replaced in between by
// mallory's of the same name (a concurrent delete and create), alice's delete removed
// mallory's. The admission check below makes that swap at the moment the store deletes, as a
// concurrent writer would; the store's delete then retries on the new object, which is not
// alice's to delete.
func TestRegressionDeleteRacesANamesakeOfAnotherOwner(t *testing.T) {
	subs := sharedStorage(t)
	create := func(who string) {
		t.Helper()
		obj := &o2ims.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Name: "sub", Namespace: shared},
			Spec: o2ims.InventorySubscriptionSpec{Callback: "https://" + who + ".example/cb"}}
		if _, err := subs.(rest.Creater).Create(sharedAs(who), obj, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s creates her subscription: %v", who, err)
		}
	}
	create("alice")

	swapped := false
	swap := func(ctx context.Context, obj runtime.Object) error {
		if swapped {
			return nil
		}
		swapped = true
		// alice's subscription goes and mallory's takes its name, before the store's delete.
		if _, _, err := subs.(rest.GracefulDeleter).Delete(sharedAs("alice"), "sub", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
			return err
		}
		create("mallory")
		return nil
	}
	_, _, err := subs.(rest.GracefulDeleter).Delete(sharedAs("alice"), "sub", swap, &metav1.DeleteOptions{})
	if !swapped {
		t.Fatal("the delete never asked its admission check")
	}
	if !apierrors.IsNotFound(err) {
		t.Errorf("alice's delete after mallory took the name: %v, want NotFound", err)
	}
	stored, err := subs.(rest.Getter).Get(sharedAs("mallory"), "sub", &metav1.GetOptions{})
	if err != nil {
		t.Fatalf("mallory's subscription after alice's delete: %v", err)
	}
	if s := stored.(*o2ims.InventorySubscription); s.Spec.Subscriber == nil || s.Spec.Subscriber.Username != "mallory" {
		t.Errorf("the subscription named sub is %+v, want mallory's", s.Spec.Subscriber)
	}
}

// TestRegressionSharedNamespaceDeletionEmptiesIt: deleting the shared subscription namespace
// left it Terminating for good while it held a subscription. The namespace controller empties a
// namespace with deletecollection as itself (system:controller:namespace-controller may delete
// every resource but holds no custom verb), and deletecollection in the shared namespace needed
// manage-others. Now it is refused there only while the namespace is not being deleted.
func TestRegressionSharedNamespaceDeletionEmptiesIt(t *testing.T) {
	namespaces := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: shared}}
	if err := namespaces.Add(ns); err != nil {
		t.Fatal(err)
	}
	subs := sharedStorageWith(t, corelisters.NewNamespaceLister(namespaces))
	for _, who := range []string{"alice", "mallory"} {
		obj := &o2ims.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Name: who, Namespace: shared},
			Spec: o2ims.InventorySubscriptionSpec{Callback: "https://" + who + ".example/cb"}}
		if _, err := subs.(rest.Creater).Create(sharedAs(who), obj, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s creates her subscription: %v", who, err)
		}
	}
	controller := sharedAs("system:serviceaccount:kube-system:namespace-controller")
	deleteAll := func() error {
		_, err := subs.(rest.CollectionDeleter).DeleteCollection(controller, rest.ValidateAllObjectFunc, &metav1.DeleteOptions{},
			&metainternalversion.ListOptions{})
		return err
	}
	// What each owner still sees of her own.
	left := func() int {
		t.Helper()
		n := 0
		for _, who := range []string{"alice", "mallory"} {
			out, err := subs.(rest.Lister).List(sharedAs(who), &metainternalversion.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			n += len(out.(*o2ims.InventorySubscriptionList).Items)
		}
		return n
	}

	if err := deleteAll(); !apierrors.IsForbidden(err) {
		t.Errorf("deletecollection without manage-others in the live shared namespace: %v, want Forbidden", err)
	}
	if n := left(); n != 2 {
		t.Errorf("%d subscriptions after the refused deletecollection, want 2", n)
	}

	terminating := ns.DeepCopy()
	now := metav1.Now()
	terminating.DeletionTimestamp = &now
	terminating.Status.Phase = corev1.NamespaceTerminating
	if err := namespaces.Update(terminating); err != nil {
		t.Fatal(err)
	}
	if err := deleteAll(); err != nil {
		t.Fatalf("deletecollection by the namespace controller in the terminating shared namespace: %v", err)
	}
	if n := left(); n != 0 {
		t.Errorf("%d subscriptions left in the terminating shared namespace, want none", n)
	}
}
