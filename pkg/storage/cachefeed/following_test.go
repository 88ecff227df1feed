package cachefeed

import (
	"context"
	"fmt"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/client-go/tools/cache"

	o2ims "github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/storage/readcache"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/test/redisserver"
)

// Following is what the O2 face asks before it answers from the informers: it must hold only
// while an informer of every fed resource holds the store's state, turn false when Redis
// cannot be read (the informer keeps what it last saw, which would be served stale), and hold
// again once the store answers and the informer has listed again, without waiting out the
// backoff of the informer's failed attempts.
func TestFollowing(t *testing.T) {
	srv := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })

	scheme := newScheme()
	gr := schema.GroupResource{Group: v1alpha1.GroupName, Resource: "locations"}
	store, err := redisstore.New(redisstore.Config{
		Client:            client,
		Codec:             serializer.NewCodecFactory(scheme).LegacyCodec(v1alpha1.SchemeGroupVersion),
		NewFunc:           func() runtime.Object { return &o2ims.Location{} },
		NewListFunc:       func() runtime.Object { return &o2ims.LocationList{} },
		InstallPrefix:     "following",
		ResourcePrefix:    "/locations/",
		GroupResource:     gr,
		WatchPollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	rc, err := readcache.New(readcache.Config{
		Storage:        store,
		ResourcePrefix: "/locations/",
		KeyFunc: func(obj runtime.Object) (string, error) {
			l := obj.(*o2ims.Location)
			return "/locations/" + l.Namespace + "/" + l.Name, nil
		},
		NewFunc:       func() runtime.Object { return &o2ims.Location{} },
		NewListFunc:   func() runtime.Object { return &o2ims.LocationList{} },
		GroupResource: gr,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rc.Stop)

	feed := New(scheme, []schema.GroupVersion{v1alpha1.SchemeGroupVersion})
	if feed.Following() {
		t.Error("Following with no reader")
	}
	feed.Add(gr, rc, func() runtime.Object { return &o2ims.Location{} })
	lw, example, err := feed.ListerWatcher(gr.WithVersion("v1alpha1"))
	if err != nil {
		t.Fatal(err)
	}
	if feed.Following() {
		t.Error("Following before the informer runs")
	}
	tryCreate := func(name string) error {
		loc := &o2ims.Location{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: o2ims.LocationSpec{Name: name}}
		return store.Create(context.Background(), "/locations/ns/"+name, loc, &o2ims.Location{}, 0)
	}
	if err := tryCreate("before"); err != nil {
		t.Fatal(err)
	}

	inf := cache.NewSharedIndexInformer(lw, example, 0, cache.Indexers{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go inf.RunWithContext(ctx)
	until(t, "following once the informer synced", func() bool { return inf.HasSynced() && feed.Following() })
	if _, ok, _ := inf.GetStore().GetByKey("ns/before"); !ok {
		t.Fatal("informer synced without the Location")
	}

	srv.Stop()
	until(t, "not following while Redis is down", func() bool { return !feed.Following() })

	// Let the outage outlast several attempts to reach the store (each dials anew), so that a
	// reader which failed them would have grown its backoff.
	misses := client.PoolStats().Misses
	until(t, "attempts to reach the store while it is down", func() bool { return client.PoolStats().Misses >= misses+20 })
	srv.Restart()
	back := time.Now()
	// The client's pool refuses at once for a moment after many failed dials.
	until(t, "a write once Redis is back", func() bool {
		err := tryCreate("after")
		return err == nil || storage.IsExist(err)
	})
	until(t, "following again after Redis is back", feed.Following)
	until(t, "the informer holds what was written after the outage", func() bool {
		_, ok, _ := inf.GetStore().GetByKey("ns/after")
		return ok
	})
	t.Logf("following again %s after Redis was back", time.Since(back).Round(10*time.Millisecond))

	cancel()
	until(t, "not following once the informer stopped", func() bool { return !feed.Following() })
}

func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, wait.ForeverTestTimeout, true,
		func(context.Context) (bool, error) { return cond(), nil }); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", what, err))
	}
}
