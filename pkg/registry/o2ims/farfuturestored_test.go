package o2ims_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/storage/cachefeed"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionFarFutureTimeDoesNotPoisonTheList is TestRegressionTimeAfterYear9999IsRefused
// through the server's storage on Redis: a tenant's status write with a condition at
// "9999-12-31T23:59:59-01:00" must be refused, and the cluster-wide list of resourcepools
// (what the O2 face's informers and the operator read) must keep working.
func TestRegressionFarFutureTimeDoesNotPoisonTheList(t *testing.T) {
	srv := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	scheme, codecs := apiserver.NewScheme()
	getter := apiserver.NewRESTOptionsGetter(apiserver.RedisStorage{Client: client, KeyPrefix: "ff",
		Codec: apiserver.StorageCodec(codecs)}, cachefeed.New(scheme, apiserver.ServedGroupVersions()))
	allow := authorizer.AuthorizerFunc(func(context.Context, authorizer.Attributes) (authorizer.Decision, string, error) {
		return authorizer.DecisionAllow, "", nil
	})
	storage, err := apiserver.NewStorage(scheme, getter, apiserver.TenancyConfig{InventoryNamespace: "o2ims-inventory",
		SubscriptionNamespace: "o2ims-system", Authorizer: allow})
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
	pools := storage[o2ims.GroupName]["resourcepools"]
	status := storage[o2ims.GroupName]["resourcepools/status"].(rest.Updater)
	ctx := genericapirequest.WithNamespace(context.Background(), "tenant-a")
	ctx = genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: "tenant-admin", Groups: []string{user.AllAuthenticated}})
	created, err := pools.(rest.Creater).Create(ctx, &o2ims.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "tenant-a"},
		Spec:       o2ims.ResourcePoolSpec{Name: "p"},
	}, nil, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pool := created.(*o2ims.ResourcePool).DeepCopy()
	far, err := time.Parse(time.RFC3339, "9999-12-31T23:59:59-01:00")
	if err != nil {
		t.Fatal(err)
	}
	pool.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "R",
		LastTransitionTime: metav1.NewTime(far)}}
	_, _, err = status.Update(ctx, "p", rest.DefaultUpdatedObjectInfo(pool), nil, nil, false, &metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("the status write answered %v, want 422 Invalid", err)
	}
	all := genericapirequest.WithNamespace(context.Background(), metav1.NamespaceAll)
	list, err := pools.(rest.Lister).List(all, &metainternalversion.ListOptions{})
	if err != nil {
		t.Fatalf("the cluster-wide list of resourcepools fails: %v", err)
	}
	if n := len(list.(*o2ims.ResourcePoolList).Items); n != 1 {
		t.Errorf("the list holds %d pools, want 1", n)
	}
	if _, err := pools.(rest.Getter).Get(ctx, "p", &metav1.GetOptions{}); err != nil {
		t.Errorf("the pool cannot be read back: %v", err)
	}
	var _ runtime.Object = pool
}
