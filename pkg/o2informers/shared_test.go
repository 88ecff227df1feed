package o2informers

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/fake"
)

func pool(name string) *v1alpha1.ResourcePool {
	return &v1alpha1.ResourcePool{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "test"}}}}
}

// A leader term sees the process's informers, waits for the process to start them, and when it
// ends takes its handlers with it; the next term can add the same indexes again; what is cached
// has no managedFields.
func TestTerms(t *testing.T) {
	client := fake.NewSimpleClientset(pool("a"))
	shared, err := New(client, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); shared.Shutdown() }()

	var adds atomic.Int32
	term := shared.Term()
	term.Start(ctx.Done()) // does not start anything
	pools := term.O2ims().V1alpha1().ResourcePools()
	byName := cache.Indexers{"name": func(obj any) ([]string, error) { return []string{obj.(*v1alpha1.ResourcePool).Name}, nil }}
	if err := pools.Informer().AddIndexers(byName); err != nil {
		t.Fatal(err)
	}
	if _, err := pools.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(any) { adds.Add(1) }}); err != nil {
		t.Fatal(err)
	}
	if pools.Informer().HasSynced() {
		t.Fatal("synced before the process started the informers")
	}
	shared.Start(ctx)
	for typ, ok := range term.WaitForCacheSync(ctx.Done()) {
		if !ok {
			t.Fatalf("%v not synced", typ)
		}
	}
	// WaitForCacheSync waited for the handler too.
	if n := adds.Load(); n != 1 {
		t.Fatalf("handler saw %d adds after the sync, want 1", n)
	}
	got, err := pools.Lister().ResourcePools("ns").Get("a")
	if err != nil {
		t.Fatal(err)
	}
	if got.ManagedFields != nil {
		t.Errorf("cached pool keeps managedFields %v", got.ManagedFields)
	}
	term.Shutdown()

	// The next term: the same index again is no conflict; the old handler is gone.
	next := shared.Term()
	defer next.Shutdown()
	informer := next.O2ims().V1alpha1().ResourcePools().Informer()
	if err := informer.AddIndexers(byName); err != nil {
		t.Fatalf("a later term adding the same index: %v", err)
	}
	added := make(chan string, 2)
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) { added <- obj.(*v1alpha1.ResourcePool).Name }}); err != nil {
		t.Fatal(err)
	}
	if <-added != "a" {
		t.Fatal("the new term's handler was not told of the cached pool")
	}
	if _, err := client.O2imsV1alpha1().ResourcePools("ns").Create(ctx, pool("b"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if name := <-added; name != "b" {
		t.Fatalf("added %q, want b", name)
	}
	if n := adds.Load(); n != 1 {
		t.Errorf("the ended term's handler still runs: %d adds", n)
	}
	objs, err := informer.GetIndexer().ByIndex("name", "b")
	if err != nil || len(objs) != 1 {
		t.Errorf("index after the second term: %v, %v", objs, err)
	}
}

// A term whose component removed one of its handlers before the informers started waited for
// that handler to sync, which a removed handler never does: WaitForCacheSync blocked until its
// stop channel closed and reported the informer unsynced.
func TestRegressionRemovedHandlerIsNotWaitedFor(t *testing.T) {
	shared, err := New(fake.NewSimpleClientset(pool("a")), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); shared.Shutdown() }()

	term := shared.Term()
	defer term.Shutdown()
	informer := term.O2ims().V1alpha1().ResourcePools().Informer()
	reg, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{})
	if err != nil {
		t.Fatal(err)
	}
	if err := informer.RemoveEventHandler(reg); err != nil {
		t.Fatal(err)
	}
	if n := len(term.regs); n != 0 {
		t.Errorf("the term still lists %d removed registrations", n)
	}
	shared.Start(ctx)
	// The bound only turns a hang into a failure; a passing run returns as soon as the cache syncs.
	waitCtx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	for typ, ok := range term.WaitForCacheSync(waitCtx.Done()) {
		if !ok {
			t.Fatalf("%v reported unsynced: the term waited for a handler it no longer has", typ)
		}
	}
}

// An informer a term asked for after the process started the factory, of a kind New did not
// request (an o2dms kind), never ran: the term's WaitForCacheSync waited for it until stop.
func TestRegressionLateInformerIsStarted(t *testing.T) {
	shared, err := New(fake.NewSimpleClientset(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); shared.Shutdown() }()
	shared.Start(ctx)

	term := shared.Term()
	defer term.Shutdown()
	term.O2dms().V1alpha1().NfDeployments().Informer()
	// The bound only turns a hang into a failure; a passing run returns as soon as the cache syncs.
	waitCtx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	for typ, ok := range term.WaitForCacheSync(waitCtx.Done()) {
		if !ok {
			t.Fatalf("%v never synced: asked for after the start, it was never run", typ)
		}
	}
}
