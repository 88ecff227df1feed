package readcache

import (
	"context"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"

	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
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
