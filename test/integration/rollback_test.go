package integration

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/storage/readcache"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestReaderNoticesRollbackOvertakenByWriter is the rollback a netweave replica that only
// reads could miss: two replicas share one Redis; the reader (A) has seen revision N, the
// store goes back to a state before N (a failover to a replica that lacked the last writes;
// here a snapshot restored in one transaction), and the writer (B) writes past N before A
// looks again. A then reads a revision above N in the same install epoch, so neither the
// epoch nor the revision shows anything. Before each revision had a fingerprint, A's read
// cache kept serving the two pools the store discarded and missed two of B's new ones (its
// watch skipped the revisions they reused). Now A compares the fingerprint of revision N:
// its watches end with 410, its cache relists, and it serves exactly what Redis has.
func TestReaderNoticesRollbackOvertakenByWriter(t *testing.T) {
	srv := redisserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	newClient := func() *goredis.Client {
		c := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	admin := newClient()
	writer := newPoolStore(t, newClient())
	// A's watch reader blocks up to a minute per read, so nothing but the change it waits
	// for makes it look at the revision: it cannot catch the store while it is below N.
	// Its client is closed before the store (cleanups run last first), which ends that read.
	readerClient := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	reader := newPoolStore(t, readerClient, func(c *redisstore.Config) { c.WatchPollInterval = time.Minute })
	t.Cleanup(func() { _ = readerClient.Close() })
	var resets atomic.Int32
	reader.OnReset(func() { resets.Add(1) })
	cache, err := readcache.New(readcache.Config{
		Storage:        reader,
		ResourcePrefix: "/resourcepools",
		KeyFunc: func(obj runtime.Object) (string, error) {
			p, ok := obj.(*o2ims.ResourcePool)
			if !ok {
				return "", fmt.Errorf("not a pool: %T", obj)
			}
			return "/resourcepools/" + p.Namespace + "/" + p.Name, nil
		},
		NewFunc:       func() runtime.Object { return &o2ims.ResourcePool{} },
		NewListFunc:   func() runtime.Object { return &o2ims.ResourcePoolList{} },
		GroupResource: schema.GroupResource{Group: "o2ims.oran.org", Resource: "resourcepools"},
		// Long enough that a loaded machine's cache catches up: a consistent read that gave
		// up on it would read Redis and pass, and the cache check after it would not.
		FreshnessTimeout: wait.ForeverTestTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cache.Stop)

	create := func(name string) *o2ims.ResourcePool {
		t.Helper()
		out := &o2ims.ResourcePool{}
		if err := writer.Create(ctx, "/resourcepools/ns/"+name, pool(name), out, 0); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return out
	}
	// cached lists what A serves from its cache (resourceVersion 0, no store round trip).
	cached := func() []string {
		t.Helper()
		list := &o2ims.ResourcePoolList{}
		if err := cache.GetList(ctx, "/resourcepools/ns", storage.ListOptions{ResourceVersion: "0", Recursive: true, Predicate: storage.Everything}, list); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range list.Items {
			names = append(names, p.Name)
		}
		sort.Strings(names)
		return names
	}

	kept := create("kept")
	snapshot, err := redisserver.TakeSnapshot(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	w, err := reader.Watch(ctx, "/resourcepools/ns", storage.ListOptions{ResourceVersion: kept.ResourceVersion, Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	create("lost-1")
	lost := create("lost-2")
	// A consistent read makes A read the current revision (N, lost-2's) and wait until its
	// cache has it.
	got := &o2ims.ResourcePool{}
	if err := cache.Get(ctx, "/resourcepools/ns/lost-2", storage.GetOptions{}, got); err != nil {
		t.Fatalf("A reads lost-2: %v", err)
	}
	if got.ResourceVersion != lost.ResourceVersion {
		t.Fatalf("A reads lost-2 at %s, want %s", got.ResourceVersion, lost.ResourceVersion)
	}
	if names := cached(); !reflect.DeepEqual(names, []string{"kept", "lost-1", "lost-2"}) {
		t.Fatalf("A's cache before the rollback: %v", names)
	}

	if err := snapshot.Restore(ctx, admin); err != nil {
		t.Fatal(err)
	}
	// B writes past N: its first write takes lost-1's revision, its second lost-2's.
	for _, name := range []string{"after-1", "after-2", "after-3"} {
		create(name)
	}

	// A's watch ends with 410 (its clients relist) instead of skipping after-1 and after-2.
	seen := map[string]bool{}
	timeout := time.After(15 * time.Second)
	for gone := false; !gone; {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("A's watch closed without an error")
			}
			if ev.Type == watch.Error {
				if status, ok := ev.Object.(*metav1.Status); !ok || status.Code != 410 {
					t.Fatalf("A's watch failed with %#v, want 410 Gone", ev.Object)
				}
				gone = true
				continue
			}
			if p, ok := ev.Object.(*o2ims.ResourcePool); ok {
				seen[p.Name] = true
			}
		case <-timeout:
			t.Fatalf("A's watch neither ended with 410 nor delivered after-1 and after-2 (it delivered %v): the rollback went unnoticed", seen)
		}
	}
	if resets.Load() == 0 {
		t.Error("A's store did not notice that it went back")
	}

	// A's cache relists to exactly what Redis has: no discarded pool, every new one.
	want := []string{"after-1", "after-2", "after-3", "kept"}
	waitFor(t, ctx, "A's cache serves what Redis has", func() error {
		if names := cached(); !reflect.DeepEqual(names, want) {
			return fmt.Errorf("A's cache lists %v, want %v", names, want)
		}
		return nil
	})
	err = cache.Get(ctx, "/resourcepools/ns/lost-1", storage.GetOptions{ResourceVersion: "0"}, &o2ims.ResourcePool{})
	if !storage.IsNotFound(err) && !apierrors.IsNotFound(err) {
		t.Errorf("A serves lost-1, which the store discarded: %v", err)
	}
}
