package readcache

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"k8s.io/apimachinery/pkg/api/apitesting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"

	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
)

// newPollingStore is a pods store of install on a client of its own, whose change reader
// polls once a minute: only the test's own operations make it look at the store.
func newPollingStore(t *testing.T, env *testEnv, install string) *redisstore.Store {
	t.Helper()
	client := goredis.NewClient(&goredis.Options{Addr: env.server.Addr()})
	s, err := redisstore.New(redisstore.Config{
		Client:            client,
		Codec:             apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion),
		NewFunc:           func() runtime.Object { return &example.Pod{} },
		NewListFunc:       func() runtime.Object { return &example.PodList{} },
		InstallPrefix:     install,
		ResourcePrefix:    "/pods/",
		GroupResource:     schema.GroupResource{Resource: "pods"},
		HistoryLength:     -1,
		WatchPollInterval: time.Minute,
		ProgressInterval:  time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	// Closed before the store, so that Close does not wait for the reader's minute-long read.
	t.Cleanup(func() { _ = client.Close() })
	return s
}

// TestRegressionUpdateThroughCacheAfterWipeKeepsOtherReplicasObject: the user-level path
// of the stale-CAS problem (redis fence_test.go): every update through the read cache hands
// the store the cache's copy as the starting point. After FLUSHALL, replica B re-created x
// (same key, same revision number 2, other content); replica A's update, before A's reader
// looked again, was computed from A's copy of the wiped x, passed the revision check and
// replaced B's acknowledged object.
func TestRegressionUpdateThroughCacheAfterWipeKeepsOtherReplicasObject(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	a := newPollingStore(t, env, "fence-cache")
	b := newPollingStore(t, env, "fence-cache")
	c := env.newFixtureOver(t, a)

	old := &example.Pod{}
	if err := c.Create(ctx, "/pods/ns/x", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x"},
		Spec: example.PodSpec{NodeName: "old-node"}}, old, 0); err != nil {
		t.Fatal(err)
	}
	// The cache holds x.
	if err := c.Get(ctx, "/pods/ns/x", storage.GetOptions{}, &example.Pod{}); err != nil {
		t.Fatal(err)
	}
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	recreated := &example.Pod{}
	if err := b.Create(ctx, "/pods/ns/x", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x"},
		Spec: example.PodSpec{NodeName: "new-node"}}, recreated, 0); err != nil {
		t.Fatal(err)
	}
	if old.ResourceVersion != recreated.ResourceVersion {
		t.Fatalf("revisions differ (%s, %s): the scenario needs them equal", old.ResourceVersion, recreated.ResourceVersion)
	}
	err := c.GuaranteedUpdate(ctx, "/pods/ns/x", &example.Pod{}, false, nil,
		storage.SimpleUpdate(func(in runtime.Object) (runtime.Object, error) {
			p := in.(*example.Pod)
			p.Labels = map[string]string{"touched": "yes"}
			return p, nil
		}), nil)
	got := &example.Pod{}
	if gerr := b.Get(ctx, "/pods/ns/x", storage.GetOptions{}, got); gerr != nil {
		t.Fatal(gerr)
	}
	if got.Spec.NodeName != "new-node" {
		t.Fatalf("update through A's cache (err=%v) replaced B's acknowledged x (nodeName new-node) with A's copy of the wiped x: nodeName %q, labels %v",
			err, got.Spec.NodeName, got.Labels)
	}
}
