package o2rest

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// TestRegressionDeletedSubscriptionStillListed: a subscription deleted while a finalizer held it
// (a namespace admin's, or a foreground deletion's) was answered 200 to its DELETE, yet stayed
// on the O2 face: listed, readable by id, and a new subscription to the same callback on the
// default apiRoot was refused as its duplicate (409). A subscription being deleted is gone on
// the O2 face, as it is for the notifier.
func TestRegressionDeletedSubscriptionStillListed(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	subs := inventory + "/v1/subscriptions"
	const callback = "https://smo.example.net/held"
	r := e.do("POST", "admin-token", subs, `{"callback":"`+callback+`"}`)
	e.expect(r, 201, "create")
	id, _ := decodeObject(t, r.body)["subscriptionId"].(string)

	// It is being deleted: a finalizer holds it.
	list, err := e.client.O2imsV1alpha1().InventorySubscriptions("o2ims-system").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("stored subscriptions: %v %v", list, err)
	}
	held := list.Items[0].DeepCopy()
	now := metav1.Now()
	held.Finalizers, held.DeletionTimestamp = []string{"example.com/hold"}, &now
	if _, err := e.client.O2imsV1alpha1().InventorySubscriptions("o2ims-system").Update(ctx, held, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		return e.do("GET", "admin-token", subs+"/"+id, "").status == 404, nil
	}); err != nil {
		t.Errorf("GET of the subscription being deleted: %d, want 404", e.do("GET", "admin-token", subs+"/"+id, "").status)
	}
	r = e.do("GET", "admin-token", subs, "")
	e.expect(r, 200, "list")
	if strings.Contains(string(r.body), id) {
		t.Errorf("the subscription being deleted is listed: %s", r.body)
	}
	e.expect(e.do("DELETE", "admin-token", subs+"/"+id, ""), 404, "DELETE again")
	e.expect(e.do("POST", "admin-token", subs, `{"callback":"`+callback+`"}`), 201, "a new subscription to the same callback")
}
