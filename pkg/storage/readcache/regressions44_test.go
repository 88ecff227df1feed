package readcache

import (
	"context"
	"errors"
	"fmt"
	runtime2 "runtime"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// failingListStorage fails every list, and tells each failure on failed.
type failingListStorage struct {
	storage.Interface
	failed chan struct{}
}

func (s *failingListStorage) GetList(context.Context, string, storage.ListOptions, runtime.Object) error {
	select {
	case s.failed <- struct{}{}:
	default:
	}
	return errors.New("injected list failure")
}

// TestRegressionWaitReadyWokenByStop: WaitReady promises to return when the cache stops, but a
// Stop during the run loop's retry backoff woke nobody: a WaitReady with a context that never
// ends stayed blocked for good. run wakes the waiters whenever it returns now.
func TestRegressionWaitReadyWokenByStop(t *testing.T) {
	env := newTestEnv(t)
	f := env.newFixture(t)
	failing := &failingListStorage{Interface: f.store, failed: make(chan struct{}, 1)}
	c, err := New(podConfig(failing))
	if err != nil {
		t.Fatal(err)
	}
	// The first list failed: the run loop now sleeps its backoff (>= 100ms).
	<-failing.failed
	// Stop may come before or after WaitReady starts waiting: either way it must return.
	returned := make(chan bool, 1)
	go func() { returned <- c.WaitReady(context.Background()) }()
	c.Stop()
	select {
	case ready := <-returned:
		if ready {
			t.Fatal("WaitReady reported a stopped cache ready")
		}
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatalf("WaitReady(context.Background()) still blocked %s after Stop: Stop does not wake it (goroutine leak)", wait.ForeverTestTimeout)
	}
}

// TestRegressionInitialListDoesNotPinReplacedObjects: the objects cached from the initial list
// pointed into the list's one Items array (meta.ExtractList), so as long as any of them stayed
// cached the superseded versions of all the others stayed in memory. Each is its own allocation
// now (meta.ExtractListWithAlloc, as client-go's reflector does).
func TestRegressionInitialListDoesNotPinReplacedObjects(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	for _, name := range []string{"a", "b"} {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Annotations: map[string]string{"big": fmt.Sprint(make([]byte, 4096))}}}
		if err := f.store.Create(ctx, "/pods/ns/"+name, pod, &example.Pod{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	c := env.newFixtureOver(t, f.store) // lists a and b
	cached := func(name string) weak.Pointer[example.Pod] {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return weak.Make(c.items["/pods/ns/"+name].(*example.Pod))
	}
	update := func(name string) {
		t.Helper()
		if err := f.store.GuaranteedUpdate(ctx, "/pods/ns/"+name, &example.Pod{}, false, nil,
			func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
				p := in.(*example.Pod).DeepCopy()
				p.Spec.Hostname += "x"
				return p, nil, nil
			}, nil); err != nil {
			t.Fatal(err)
		}
		// A consistent read through the cache: it has applied the update.
		if err := c.Get(ctx, "/pods/ns/"+name, storage.GetOptions{}, &example.Pod{}); err != nil {
			t.Fatal(err)
		}
	}
	collected := func(w weak.Pointer[example.Pod]) bool {
		for range 3 {
			runtime2GC()
		}
		return w.Value() == nil
	}

	listedB := cached("b")
	update("b")
	watchedB := cached("b") // decoded from a watch event: an allocation of its own
	update("b")
	if !collected(watchedB) {
		t.Fatal("control: a replaced object decoded from the watch was not collected either; the test cannot tell")
	}
	if !collected(listedB) {
		// Only a, still cached, keeps it: once a is replaced too, b's first version goes.
		update("a")
		freed := collected(listedB)
		t.Fatalf("b's listed version is still in memory after b was replaced twice (the one decoded from the watch was "+
			"collected); it is freed once a is replaced too: %v. The cached objects of the initial list share the list's array.", freed)
	}
}

// TestRegressionSharedWatchEndsWithItsContext: a shared watch did not end when its context was
// cancelled (a storage.Interface watch does): a reader that went away without Stop left it
// registered, its pump blocked and its queue growing with every change.
func TestRegressionSharedWatchEndsWithItsContext(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	f := env.newFixture(t)
	wctx, cancel := context.WithCancel(ctx)
	w, err := f.cache.WatchShared(wctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	cancel()
	if err := f.cache.Create(ctx, "/pods/ns/x", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(wait.ForeverTestTimeout)
	for {
		select {
		case _, ok := <-w.ResultChan():
			if !ok {
				return // ended: fine
			}
		case <-deadline:
			f.cache.mu.RLock()
			n := len(f.cache.watchers)
			f.cache.mu.RUnlock()
			t.Fatalf("shared watch still open %s after its context was cancelled (%d watches registered)", wait.ForeverTestTimeout, n)
		}
	}
}

// TestRegressionUniqueSelectorOnEmptyValueScans: objects without a unique value are not indexed,
// yet a selector of the empty value (spec.nodeName=) was answered from the index: none, where
// the store answers every object without one.
func TestRegressionUniqueSelectorOnEmptyValueScans(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	c, s := newIndexedCache(t, env)
	createPodWithID(ctx, t, c, "ns", "with-id", "id-1")
	createPodWithID(ctx, t, c, "ns", "no-id", "")
	var n atomic.Int64
	list := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{Predicate: countingPredicate("spec.nodeName=", &n), Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range list.Items {
		want = append(want, p.Namespace+"/"+p.Name)
	}
	got, _ := listNames(ctx, t, c, "/pods/", true, "spec.nodeName=")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("list spec.nodeName= (empty value): cache answers %v, the store %v", got, want)
	}
}

func runtime2GC() { runtime2.GC() }
