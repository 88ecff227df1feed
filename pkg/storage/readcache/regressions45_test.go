package readcache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/apitesting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"

	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// slowStore is a Redis store whose creates wait for proceed before they are sent (a write
// slow to reach Redis), and whose watches hold back the events of the object named held
// until release is closed (an event slow to reach the cache).
type slowStore struct {
	*redisstore.Store
	held    string
	sent    chan struct{}
	proceed chan struct{}
	release chan struct{}
}

func (s *slowStore) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	s.sent <- struct{}{}
	<-s.proceed
	return s.Store.Create(ctx, key, obj, out, ttl)
}

func (s *slowStore) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	w, err := s.Store.Watch(ctx, key, opts)
	if err != nil {
		return nil, err
	}
	out := make(chan watch.Event)
	stopped := make(chan struct{})
	go func() {
		defer close(out)
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*example.Pod); ok && p.Name == s.held {
				select {
				case <-s.release:
				case <-stopped:
					return
				}
			}
			select {
			case out <- ev:
			case <-stopped:
				return
			}
		}
	}()
	held := &heldWatch{ProxyWatcher: watch.NewProxyWatcher(out)}
	held.stop = func() { close(stopped); w.Stop() }
	return held, nil
}

// heldWatch is slowStore's watch: stopping it stops the store's watch below.
type heldWatch struct {
	*watch.ProxyWatcher
	once sync.Once
	stop func()
}

func (w *heldWatch) Stop() {
	w.once.Do(w.stop)
	w.ProxyWatcher.Stop()
}

// TestRegressionCreateAckedDuringResetIsReadBack: a create sent before the store was found
// wiped and acknowledged after the cache had relisted the new store did not raise lastWrite
// (its revision could have been one of the store that went), so the next read with
// resourceVersion 0 was answered from the relisted cache before the create's event reached
// it: NotFound for an object the same client had just been told exists.
func TestRegressionCreateAckedDuringResetIsReadBack(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	slow := &slowStore{Store: f.store, held: "late", sent: make(chan struct{}), proceed: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { close(slow.release) })
	cfg := podConfig(slow)
	cfg.FreshnessTimeout = 200 * time.Millisecond
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	if !c.WaitReady(ctx) {
		t.Fatal("cache never became ready")
	}

	created := &example.Pod{}
	acked := make(chan error, 1)
	go func() {
		acked <- c.Create(ctx, "/pods/ns/late", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "late"}}, created, 0)
	}()
	<-slow.sent
	// The store is wiped while the create is on its way; the next operation notices, the
	// cache resets and relists the (empty) new store.
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.GetCurrentResourceVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Ready() {
		t.Fatal("the wipe did not reset the cache")
	}
	if !c.WaitReady(ctx) {
		t.Fatal("cache never relisted")
	}
	close(slow.proceed)
	if err := <-acked; err != nil {
		t.Fatal(err)
	}

	for _, rv := range []string{"0", ""} {
		got := &example.Pod{}
		if err := c.Get(ctx, "/pods/ns/late", storage.GetOptions{ResourceVersion: rv}, got); err != nil {
			t.Fatalf("get with resourceVersion %q of the pod this process created (acknowledged at revision %s): %v",
				rv, created.ResourceVersion, err)
		}
		if got.ResourceVersion != created.ResourceVersion {
			t.Fatalf("get with resourceVersion %q: revision %s, want %s", rv, got.ResourceVersion, created.ResourceVersion)
		}
	}
}

// TestRegressionUniqueIndexKeepsEveryHolderOfAValue: objects stored before the unique index
// existed may share a value (the store's backfill indexes one and reports the clash), but the
// cache's index kept one key per value: a list selecting the value answered one object where
// the store answers both, and once the indexed one was deleted, none where the store answers
// the other.
func TestRegressionUniqueIndexKeepsEveryHolderOfAValue(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	install := fmt.Sprintf("cache-dup-%d", env.prefixes.Add(1))
	mk := func(idx *unique.Index) *redisstore.Store {
		s, err := redisstore.New(redisstore.Config{
			Client:            env.client,
			Codec:             apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion),
			NewFunc:           func() runtime.Object { return &example.Pod{} },
			NewListFunc:       func() runtime.Object { return &example.PodList{} },
			InstallPrefix:     install,
			ResourcePrefix:    "/pods/",
			GroupResource:     schema.GroupResource{Resource: "pods"},
			UniqueIndex:       idx,
			WatchPollInterval: 100 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	// Stored before the index existed: nothing refused the second.
	before := mk(nil)
	createPodWithID(ctx, t, before, "ns", "a", "id-1")
	createPodWithID(ctx, t, before, "ns", "b", "ID-1")
	idx := nodeNameIndex
	s := mk(&idx)
	c := startIndexedCache(t, s)

	check := func(when string) {
		t.Helper()
		list := &example.PodList{}
		var n atomic.Int64
		if err := s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: countingPredicate("spec.nodeName=id-1", &n), Recursive: true}, list); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, p := range list.Items {
			want = append(want, p.Namespace+"/"+p.Name)
		}
		got, _ := listNames(ctx, t, c, "/pods/", true, "spec.nodeName=id-1")
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: list spec.nodeName=id-1 from the cache: %v, the store answers %v", when, got, want)
		}
	}
	check("two objects share the value")
	for _, name := range []string{"b", "a"} {
		if err := c.Delete(ctx, "/pods/ns/"+name, &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		check("after deleting ns/" + name)
	}
}
