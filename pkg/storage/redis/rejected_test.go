package redis

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/component-base/metrics/testutil"

	"github.com/netweave-io/netweave/test/redisserver"
)

// redisReply stands for an error reply of Redis as go-redis returns it (a goredis.Error).
type redisReply string

func (e redisReply) Error() string { return string(e) }
func (redisReply) RedisError()     {}

// TestRejectionsAreNotUnknownOutcomes: a command Redis refused before running it changed
// nothing, so it is never the 500 of unknown outcome. Refusals an operator must act on are
// 507, the ones that pass by themselves (or once netweave's credentials and Redis's agree) 503
// with Retry-After; any other Redis error stays 500.
func TestRejectionsAreNotUnknownOutcomes(t *testing.T) {
	for _, tc := range []struct {
		err    error
		reason string
		code   int32
	}{
		{redisReply("OOM command not allowed when used memory > 'maxmemory'. script: c52fd40167cd2e3ecb113304b9fa47dce3931f32, on @user_script:4."), rejectedFull, http.StatusInsufficientStorage},
		{fmt.Errorf("wrapped: %w", redisReply("MISCONF Errors writing to the AOF file: No space left on device")), rejectedPersistence, http.StatusInsufficientStorage},
		{redisReply("LOADING Redis is loading the dataset in memory"), "loading", http.StatusServiceUnavailable},
		{redisReply("READONLY You can't write against a read only replica."), "read-only", http.StatusServiceUnavailable},
		{redisReply("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), "master-down", http.StatusServiceUnavailable},
		{redisReply("NOREPLICAS Not enough good replicas to write."), "no-replicas", http.StatusServiceUnavailable},
		{redisReply("ERR max number of clients reached"), rejectedMaxClients, http.StatusServiceUnavailable},
		{redisReply("NOAUTH Authentication required."), rejectedAuth, http.StatusServiceUnavailable},
		{redisReply("WRONGPASS invalid username-password pair or user is disabled."), rejectedAuth, http.StatusServiceUnavailable},
		{redisReply("ERR Protocol error: unauthenticated multibulk length"), rejectedAuth, http.StatusServiceUnavailable},
		{redisReply("NOPERM User netweave has no permissions to run the 'evalsha' command"), rejectedPermission, http.StatusServiceUnavailable},
		{redisReply("ERR Error running script: attempt to compare nil with number"), "", http.StatusInternalServerError},
		// Not a reply of Redis, whatever its text says.
		{errors.New("OOM command not allowed"), "", http.StatusInternalServerError},
	} {
		if got := rejection(tc.err); got != tc.reason {
			t.Errorf("rejection(%q) = %q, want %q", tc.err, got, tc.reason)
		}
		err := requestError("create", "/pods/ns/p", tc.err)
		var st apierrors.APIStatus
		code := int32(http.StatusInternalServerError)
		if errors.As(err, &st) {
			code = st.Status().Code
		}
		if code != tc.code {
			t.Errorf("%q answered %d (%v), want %d", tc.err, code, err, tc.code)
			continue
		}
		if code == http.StatusInternalServerError {
			continue
		}
		msg := st.Status().Message
		if !strings.Contains(msg, "Nothing was written") || strings.Contains(msg, "script:") {
			t.Errorf("%q: message %q, want it to say nothing was written and not name the script", tc.err, msg)
		}
		if retry := st.Status().Details != nil && st.Status().Details.RetryAfterSeconds > 0; retry != (code == http.StatusServiceUnavailable) {
			t.Errorf("%q: Retry-After %v with %d", tc.err, retry, code)
		}
	}
}

// TestFullRedisRefusesWritesWith507 is the regression test for a write to a full Redis
// (maxmemory reached with maxmemory-policy noeviction, which netweave requires) answering 500
// "redis storage create …: OOM command not allowed … script: c52fd…, on @user_script:4.", an
// error of unknown outcome that named a script, on kubectl and as "could not create the
// subscription" on the O2 face. Now creates, updates and deletes fail with 507
// InsufficientStorage saying nothing was written, reads go on, no revision is spent, the
// refusals are counted, and writes succeed again once Redis has room.
func TestFullRedisRefusesWritesWith507(t *testing.T) {
	env := newTestEnv(t)
	metrics := newTestMetrics(t)
	s := env.newStore(t, withMetrics(metrics))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pod := func(name string) *example.Pod {
		return &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}
	}
	before := &example.Pod{}
	if err := s.Create(ctx, "/pods/ns/before", pod("before"), before, 0); err != nil {
		t.Fatal(err)
	}
	listRV := func() string {
		t.Helper()
		list := &example.PodList{}
		if err := s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, list); err != nil {
			t.Fatalf("list while Redis is full: %v", err)
		}
		if len(list.Items) != 1 || list.Items[0].Name != "before" {
			t.Fatalf("list while Redis is full: %d items, want the one created before", len(list.Items))
		}
		return list.ResourceVersion
	}
	rvBefore := listRV()

	// Any used memory is above one byte: every write command is refused from here on.
	if err := env.client.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.client.ConfigSet(context.Background(), "maxmemory", "0").Err() })

	checkFull := func(what string, err error) {
		t.Helper()
		var st apierrors.APIStatus
		if !errors.As(err, &st) || st.Status().Code != http.StatusInsufficientStorage || st.Status().Reason != ReasonInsufficientStorage {
			t.Errorf("%s into a full Redis: %v, want 507 %s", what, err, ReasonInsufficientStorage)
			return
		}
		if msg := st.Status().Message; !strings.Contains(msg, "maxmemory") || !strings.Contains(msg, "Nothing was written") || strings.Contains(msg, "script:") {
			t.Errorf("%s into a full Redis: %q, want it to name maxmemory, say nothing was written, and not name a script", what, msg)
		}
	}
	checkFull("create", s.Create(ctx, "/pods/ns/during", pod("during"), &example.Pod{}, 0))
	checkFull("update", s.GuaranteedUpdate(ctx, "/pods/ns/before", &example.Pod{}, false, nil,
		func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			p := in.(*example.Pod).DeepCopy()
			p.Labels = map[string]string{"changed": "yes"}
			return p, nil, nil
		}, nil))
	checkFull("delete", s.Delete(ctx, "/pods/ns/before", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}))

	got := &example.Pod{}
	if err := s.Get(ctx, "/pods/ns/before", storage.GetOptions{}, got); err != nil {
		t.Fatalf("get while Redis is full: %v", err)
	}
	if got.ResourceVersion != before.ResourceVersion || got.Labels["changed"] != "" {
		t.Errorf("the refused update applied: resourceVersion %s (was %s), labels %v", got.ResourceVersion, before.ResourceVersion, got.Labels)
	}
	if rv := listRV(); rv != rvBefore {
		t.Errorf("refused writes moved the revision from %s to %s", rvBefore, rv)
	}
	if err := s.Get(ctx, "/pods/ns/during", storage.GetOptions{}, &example.Pod{}); !storage.IsNotFound(err) {
		t.Errorf("the refused create: %v, want not found", err)
	}
	full, err := testutil.GetCounterMetricValue(metrics.Rejected.WithLabelValues(rejectedFull))
	if err != nil {
		t.Fatal(err)
	}
	if full != 3 {
		t.Errorf("netweave_redis_storage_rejected_total{reason=\"full\"} = %v, want 3", full)
	}

	if err := env.client.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "/pods/ns/during", pod("during"), &example.Pod{}, 0); err != nil {
		t.Fatalf("create once Redis has room: %v", err)
	}
}

// TestReplicaRefusalIs503: a write that reaches a Redis turned replica (a failover under way,
// or a primary demoted behind netweave's back) is refused with READONLY before it runs; that
// passes by itself, so the answer is 503 with Retry-After, and reads go on.
func TestReplicaRefusalIs503(t *testing.T) {
	env := newTestEnv(t)
	s := env.newStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Create(ctx, "/pods/ns/before", &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "before", Namespace: "ns"}}, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	// A replica of a primary that is not there: it keeps its data and serves it, read-only.
	if err := env.client.ReplicaOf(ctx, "127.0.0.1", "1").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.client.ReplicaOf(context.Background(), "NO", "ONE").Err() })

	err := s.Create(ctx, "/pods/ns/during", &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "during", Namespace: "ns"}}, &example.Pod{}, 0)
	checkUnavailable(t, "create into a replica", err, "Nothing was written")
	if err := s.Get(ctx, "/pods/ns/before", storage.GetOptions{}, &example.Pod{}); err != nil {
		t.Errorf("get from the replica: %v", err)
	}
}

// TestPersistenceFailureIs507: a Redis that cannot write its snapshot (a full or failing disk;
// here its directory removed under it, then BGSAVE) refuses writes with MISCONF before running
// them; the store answers 507 saying nothing was written, and writes succeed once a snapshot
// can be written again.
func TestPersistenceFailureIs507(t *testing.T) {
	// dir may then be changed at run time, as the test does to fail a snapshot.
	env := newTestEnvWith(t, redisserver.Options{Args: []string{"--enable-protected-configs", "yes"}})
	s := env.newStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pod := func(name string) *example.Pod {
		return &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}
	}
	dir, err := env.client.ConfigGet(ctx, "dir").Result()
	if err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(gone, 0o700); err != nil {
		t.Fatal(err)
	}
	// Writes are refused after a failed snapshot only while snapshots are configured.
	for k, v := range map[string]string{"dir": gone, "save": "3600 1", "stop-writes-on-bgsave-error": "yes"} {
		if err := env.client.ConfigSet(ctx, k, v).Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = env.client.ConfigSet(context.Background(), "dir", dir["dir"]).Err()
		_ = env.client.ConfigSet(context.Background(), "save", "").Err()
	})
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	if err := env.client.BgSave(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// BGSAVE only starts the snapshot: wait for its verdict.
	if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		info, err := env.client.Info(ctx, "persistence").Result()
		return err == nil && strings.Contains(info, "rdb_last_bgsave_status:err"), nil
	}); err != nil {
		t.Fatalf("the snapshot into a removed directory did not fail: %v", err)
	}

	err = s.Create(ctx, "/pods/ns/during", pod("during"), &example.Pod{}, 0)
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Code != http.StatusInsufficientStorage ||
		!strings.Contains(st.Status().Message, "MISCONF") || !strings.Contains(st.Status().Message, "persistence") {
		t.Fatalf("create while Redis cannot persist: %v, want 507 naming MISCONF and persistence", err)
	}
	if err := s.Get(ctx, "/pods/ns/during", storage.GetOptions{}, &example.Pod{}); !storage.IsNotFound(err) {
		t.Errorf("the refused create: %v, want not found", err)
	}

	if err := env.client.ConfigSet(ctx, "dir", dir["dir"]).Err(); err != nil {
		t.Fatal(err)
	}
	if err := env.client.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "/pods/ns/during", pod("during"), &example.Pod{}, 0); err != nil {
		t.Fatalf("create once Redis can persist again: %v", err)
	}
}

// TestRegressionFullRedisWatchesGoOn is the regression test for a full Redis ending every
// watch: the history was read in a MULTI/EXEC transaction, and Redis at its maxmemory refuses
// every command queued in a MULTI, reads included, so the shared watch reader failed with "OOM
// command not allowed", the O2 face's informers lost their watches and it answered 503 to
// reads and writes alike (make run's "Redis full" recipe printed 503 where it promised 507).
// Now a watch catching up from an older revision reads the history and stays open.
func TestRegressionFullRedisWatchesGoOn(t *testing.T) {
	env := newTestEnv(t)
	s := env.newStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first := &example.Pod{}
	for _, name := range []string{"first", "second"} {
		out := &example.Pod{}
		if err := s.Create(ctx, "/pods/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}, out, 0); err != nil {
			t.Fatal(err)
		}
		if name == "first" {
			first = out
		}
	}
	if err := env.client.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.client.ConfigSet(context.Background(), "maxmemory", "0").Err() })

	w, err := s.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: first.ResourceVersion, Recursive: true, Predicate: storage.Everything})
	if err != nil {
		t.Fatalf("watch while Redis is full: %v", err)
	}
	defer w.Stop()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok || ev.Type != watch.Added || ev.Object.(*example.Pod).Name != "second" {
			t.Fatalf("watch while Redis is full: %v %v (open %v), want ADDED second", ev.Type, ev.Object, ok)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("watch while Redis is full: nothing after 20s, want ADDED second")
	}
	select {
	case ev, ok := <-w.ResultChan():
		t.Fatalf("watch while Redis is full: %v %v (open %v), want it to stay open and quiet", ev.Type, ev.Object, ok)
	case <-time.After(3 * time.Second):
	}
}
