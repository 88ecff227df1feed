package integration

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver"
)

func TestSubscriptionsPerNamespace(t *testing.T) {
	r := newRegistry(t, func(ten *apiserver.TenancyConfig) { ten.SubscriptionsPerNamespace = 2 })
	inv := func(name string) runtime.Object {
		return &o2ims.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: o2ims.InventorySubscriptionSpec{Callback: "https://smo.example/cb"}}
	}
	alarm := func(name string) runtime.Object {
		return &o2ims.AlarmSubscription{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: o2ims.AlarmSubscriptionSpec{Callback: "https://smo.example/cb"}}
	}
	wantQuota := func(err error, what string) {
		t.Helper()
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "exceeded quota") {
			t.Errorf("%s: got %v, want a Forbidden exceeded quota", what, err)
		}
	}

	// A tenant namespace: two of each kind, the third refused; the kinds are capped apart.
	r.mustCreate(tenantA, "inventorysubscriptions", inv("a1"))
	r.mustCreate(tenantA, "inventorysubscriptions", inv("a2"))
	_, err := r.create(tenantA, "inventorysubscriptions", inv("a3"), nil)
	wantQuota(err, "third inventory subscription in tenant-a")
	r.mustCreate(tenantA, "alarmsubscriptions", alarm("a1"))
	// Another namespace has its own cap.
	r.mustCreate(tenantB, "inventorysubscriptions", inv("b1"))

	// The shared namespace caps each owner: alice's two do not use up bob's.
	aliceShared, bobShared := caller{"alice", invNS, nil}, caller{"bob", invNS, nil}
	r.mustCreate(aliceShared, "inventorysubscriptions", inv("alice-1"))
	r.mustCreate(aliceShared, "inventorysubscriptions", inv("alice-2"))
	_, err = r.create(aliceShared, "inventorysubscriptions", inv("alice-3"), nil)
	wantQuota(err, "alice's third in the shared namespace")
	r.mustCreate(bobShared, "inventorysubscriptions", inv("bob-1"))
	r.mustCreate(bobShared, "inventorysubscriptions", inv("bob-2"))

	// Deleting one frees its place.
	if _, _, err := r.storage["inventorysubscriptions"].(rest.GracefulDeleter).Delete(tenantA.ctx(), "a1", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r.mustCreate(tenantA, "inventorysubscriptions", inv("a3"))
}

// TestRegressionApplyCreatePastSubscriptionQuota: the cap was held only by Create, so a PUT or
// a server-side apply of a new name (the store's create-on-update) went past it: 'kubectl apply
// --server-side' of a thousand and one subscriptions made them all. Every create is held to it.
func TestRegressionApplyCreatePastSubscriptionQuota(t *testing.T) {
	r := newRegistry(t, func(ten *apiserver.TenancyConfig) { ten.SubscriptionsPerNamespace = 1 })
	inv := func(name string) *o2ims.InventorySubscription {
		return &o2ims.InventorySubscription{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: tenantA.ns},
			Spec: o2ims.InventorySubscriptionSpec{Callback: "https://smo.example/cb"}}
	}
	r.mustCreate(tenantA, "inventorysubscriptions", inv("first"))
	updater := r.storage["inventorysubscriptions"].(rest.Updater)
	_, created, err := updater.Update(tenantA.ctx(), "second", rest.DefaultUpdatedObjectInfo(inv("second")),
		rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "exceeded quota") {
		t.Errorf("create-on-update past the cap: created=%v, err %v; want a Forbidden exceeded quota", created, err)
	}
	// An update of the one it holds is no create, and is not held to the cap.
	update := inv("first")
	update.Spec.Callback = "https://smo.example/other"
	if _, _, err := updater.Update(tenantA.ctx(), "first", rest.DefaultUpdatedObjectInfo(update),
		rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, true, &metav1.UpdateOptions{}); err != nil {
		t.Errorf("update of the subscription within the cap: %v", err)
	}
}
