package redis

import (
	"context"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// historyBytes returns the stream's entry count, the sum of its entries' field sizes and the
// store's running byte total.
func historyBytes(t *testing.T, env *testEnv, s *Store) (n, actual, counted int64) {
	t.Helper()
	ctx := context.Background()
	msgs, err := env.client.XRange(ctx, s.keys.stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		for k, v := range m.Values {
			actual += int64(len(k) + len(v.(string)))
		}
	}
	counted, err = env.client.Get(ctx, s.keys.historyBytes).Int64()
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(msgs)), actual, counted
}

func TestHistoryTrimmedByBytes(t *testing.T) {
	env := newTestEnv(t)
	const maxBytes = 32 << 10
	s := env.newStore(t, withHistoryLength(1000), withHistoryBytes(maxBytes))
	ctx := context.Background()
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "ns",
		Annotations: map[string]string{"pad": strings.Repeat("x", 1024)}}}
	key := "/pods/ns/big"
	if err := s.Create(ctx, key, pod, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	var lastRev string
	for i := 0; i < 200; i++ {
		out := &example.Pod{}
		err := s.GuaranteedUpdate(ctx, key, out, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			p := obj.(*example.Pod)
			p.Labels = map[string]string{"i": strings.Repeat("y", i%7)}
			return p, nil
		}), nil)
		if err != nil {
			t.Fatal(err)
		}
		lastRev = out.ResourceVersion
		n, actual, counted := historyBytes(t, env, s)
		// The running total is exact (every entry counted once in, once out) ...
		if counted != actual {
			t.Fatalf("after update %d: counted %d bytes, the stream holds %d", i, counted, actual)
		}
		// ... and held under the bound plus its slack.
		if actual > maxBytes+maxBytes/10 {
			t.Fatalf("after update %d: %d entries hold %d bytes, over %d plus slack", i, n, actual, maxBytes)
		}
	}
	n, _, _ := historyBytes(t, env, s)
	if n >= 200 {
		t.Errorf("%d entries kept: the count bound (1000) should not have bound, the bytes should", n)
	}
	// Trimmed history is recorded as compacted, so readers of it get 410 Gone ...
	if c, err := env.client.Get(ctx, s.keys.compacted).Int64(); err != nil || c <= 2 {
		t.Errorf("compacted revision %d (%v), want past the trimmed entries", c, err)
	}
	// ... while one from the latest is served.
	w, err := s.Watch(ctx, key, storage.ListOptions{ResourceVersion: lastRev, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	w.Stop()
}

func TestHistoryByteCountHealsWhenStreamIsRemoved(t *testing.T) {
	env := newTestEnv(t)
	s := env.newStore(t, withHistoryLength(1000), withHistoryBytes(1<<20))
	ctx := context.Background()
	for _, name := range []string{"a", "b"} {
		pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}
		if err := s.Create(ctx, "/pods/ns/"+name, pod, &example.Pod{}, 0); err != nil {
			t.Fatal(err)
		}
		if name == "a" {
			// A stream lost behind the store's back (a flush of it, a restore) leaves a stale total.
			env.client.Del(ctx, s.keys.stream)
		}
	}
	if _, actual, counted := historyBytes(t, env, s); counted != actual {
		t.Errorf("counted %d bytes, the stream holds %d", counted, actual)
	}
}

// TestWatchCatchUpReadsHistoryInChunks: a watch resuming from a revision more than a chunk of
// history back receives every change, in order.
func TestWatchCatchUpReadsHistoryInChunks(t *testing.T) {
	env := newTestEnv(t)
	s := env.newStore(t)
	ctx := context.Background()
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}}
	key := "/pods/ns/p"
	created := &example.Pod{}
	if err := s.Create(ctx, key, pod, created, 0); err != nil {
		t.Fatal(err)
	}
	const updates = 2*historyReadChunk + 7
	for i := 0; i < updates; i++ {
		err := s.GuaranteedUpdate(ctx, key, &example.Pod{}, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			obj.(*example.Pod).Labels = map[string]string{"i": strconv.Itoa(i)}
			return obj, nil
		}), nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	w, err := s.Watch(ctx, key, storage.ListOptions{ResourceVersion: created.ResourceVersion, Predicate: storage.Everything})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for i := 0; i < updates; i++ {
		ev := <-w.ResultChan()
		if got := ev.Object.(*example.Pod).Labels["i"]; got != strconv.Itoa(i) {
			t.Fatalf("event %d: label %q, want %d (%v)", i, got, i, ev.Type)
		}
	}
}
