package integration

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
)

// TestRegressionFarFutureTimeDoesNotPoisonTheList: a tenant's status write with a condition
// at "9999-12-31T23:59:59-01:00" (year 10000 in UTC, which metav1.Time writes and cannot
// parse) was stored, and from then on the cluster-wide list of resourcepools (what the O2
// face's informers and the operator read) failed for everyone. Through the server's storage
// on Redis the write must be refused with the field path, and the pool and the list must
// stay as they were.
func TestRegressionFarFutureTimeDoesNotPoisonTheList(t *testing.T) {
	r := newRegistry(t)
	created := r.mustCreate(tenantA, "resourcepools", &o2ims.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: o2ims.ResourcePoolSpec{Name: "p"}})
	pool := created.(*o2ims.ResourcePool).DeepCopy()
	far, err := time.Parse(time.RFC3339, "9999-12-31T23:59:59-01:00")
	if err != nil {
		t.Fatal(err)
	}
	pool.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "R",
		LastTransitionTime: metav1.NewTime(far)}}
	if err := r.update(tenantA, "resourcepools/status", pool, nil); !apierrors.IsInvalid(err) {
		t.Errorf("the status write answered %v, want 422 Invalid", err)
	}
	all := genericapirequest.WithNamespace(context.Background(), metav1.NamespaceAll)
	list, err := r.storage["resourcepools"].(rest.Lister).List(all, &metainternalversion.ListOptions{})
	if err != nil {
		t.Fatalf("the cluster-wide list of resourcepools fails: %v", err)
	}
	if items := list.(*o2ims.ResourcePoolList).Items; len(items) != 1 || len(items[0].Status.Conditions) != 0 {
		t.Errorf("the list holds %+v, want the one pool as it was created", items)
	}
}
