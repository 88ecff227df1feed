package readcache

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestCacheOutlivesRedisRestart: a Redis killed and started again on its append-only file lost
// nothing, so the cache keeps what it holds and its watches go on: it lists nothing again, and a
// client watch opened on it before the restart receives the first write after it. While Redis is
// down the cache is not Following and answers no read from memory, not even resourceVersion=0:
// the reads go to the store, which refuses them (503), because another replica may be writing
// what this one cannot see.
func TestCacheOutlivesRedisRestart(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	counting := &countingStorage{Interface: f.store}
	c := env.newFixtureOver(t, counting)

	a := &example.Pod{}
	if err := c.Create(ctx, "/pods/ns/a", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}}, a, 0); err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: a.ResourceVersion, Predicate: storage.Everything, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	until := func(what string, cond func() bool) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true,
			func(context.Context) (bool, error) { return cond(), nil }); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	next := func(what, name string) {
		t.Helper()
		select {
		case ev := <-w.ResultChan():
			if ev.Type != watch.Added || ev.Object.(*example.Pod).Name != name {
				t.Fatalf("%s: got %v %#v, want ADDED %s", what, ev.Type, ev.Object, name)
			}
		case <-time.After(wait.ForeverTestTimeout):
			t.Fatalf("%s: the watch received nothing", what)
		}
	}
	// The watch is past its start before the fault.
	if err := c.Create(ctx, "/pods/ns/a2", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a2"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	next("before the restart", "a2")
	until("Following before the fault", c.Following)
	listsBefore := counting.lists.Load()

	env.server.Stop()
	until("not Following while Redis is down", func() bool { return !c.Following() })
	if !c.Ready() {
		t.Error("the cache dropped what it holds while Redis is down")
	}
	list := &example.PodList{}
	err = c.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: "0", Predicate: storage.Everything, Recursive: true}, list)
	if !apierrors.IsServiceUnavailable(err) {
		t.Fatalf("a resourceVersion=0 list while Redis is down: %v (%d items), want 503 from the store", err, len(list.Items))
	}
	env.server.Restart()

	b := &example.Pod{}
	until("create b once Redis is back", func() bool {
		err := c.Create(ctx, "/pods/ns/b", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b"}}, b, 0)
		if storage.IsExist(err) {
			err = c.Get(ctx, "/pods/ns/b", storage.GetOptions{}, b)
		}
		return err == nil
	})
	next("the watch opened before the restart", "b")
	until("Following again", c.Following)
	list = &example.PodList{}
	if err := c.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: "0", Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 3 {
		t.Errorf("after the restart the cache lists %d pods, want a, a2 and b", len(list.Items))
	}
	// One list reached the store: the refused read above. The cache itself listed nothing.
	if n := counting.lists.Load() - listsBefore; n != 1 {
		t.Errorf("%d lists reached the store across the restart, want 1 (the refused read): the cache listed everything again", n)
	}
}
