package redis

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/component-base/metrics/testutil"
	"k8s.io/klog/v2/ktesting"
)

// TestBreakerWhileRedisHangs is the regression test for reads on the Kubernetes face taking
// 14–34 s to fail, each holding a connection, while Redis was frozen (SIGSTOP: connections
// open, nothing answering, as in a partition): every command waited out the read timeout four
// times. With the breaker, the first command that times out opens it; after that reads and
// writes fail at once with 503 and Retry-After without being sent, background commands still
// wait on Redis, and the breaker's own PING closes it the moment Redis answers again.
func TestBreakerWhileRedisHangs(t *testing.T) {
	env := newTestEnv(t)
	const readTimeout = 500 * time.Millisecond
	client := goredis.NewClient(&goredis.Options{Addr: env.server.Addr(), ReadTimeout: readTimeout, WriteTimeout: readTimeout})
	t.Cleanup(func() { _ = client.Close() })
	metrics := newTestMetrics(t)
	value := func(v float64, err error) float64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	logger, _ := ktesting.NewTestContext(t)
	b := InstallBreaker(client, logger, metrics)
	s := guardedStore(t, env, client, b)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pod := func(name string) *example.Pod {
		return &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}
	}
	if err := s.Create(ctx, "/pods/ns/before", pod("before"), &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	if !b.Answering() {
		t.Fatal("breaker open while Redis answers")
	}

	resume := env.server.Freeze()

	// The first read waits out one read timeout, not go-redis's four attempts: the breaker
	// opens at the first and cuts the retries short. It changed nothing, so it is a 503 too.
	start := time.Now()
	checkUnavailable(t, "get that timed out", s.Get(ctx, "/pods/ns/before", storage.GetOptions{}, &example.Pod{}), "did not answer")
	if took := time.Since(start); took >= 3*readTimeout {
		t.Errorf("the read in flight when Redis stopped answering took %s, want about one read timeout (%s), not four", took, readTimeout)
	}
	if b.Answering() {
		t.Fatal("breaker still closed after a command timed out")
	}
	if got := value(testutil.GetGaugeMetricValue(metrics.Answering)); got != 0 {
		t.Errorf("netweave_redis_answering = %v while Redis hangs, want 0", got)
	}

	// Now reads and writes fail at once, well inside one read timeout, and say nothing was sent.
	start = time.Now()
	checkUnavailable(t, "get", s.Get(ctx, "/pods/ns/before", storage.GetOptions{}, &example.Pod{}), "was not sent")
	checkUnavailable(t, "list", s.GetList(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &example.PodList{}), "was not sent")
	checkUnavailable(t, "create", s.Create(ctx, "/pods/ns/during", pod("during"), &example.Pod{}, 0), "was not sent")
	if took := time.Since(start); took >= readTimeout {
		t.Errorf("three refused commands took %s, want less than one read timeout (%s)", took, readTimeout)
	}
	if got := value(testutil.GetCounterMetricValue(metrics.Refused)); got < 3 {
		t.Errorf("netweave_redis_refused_commands_total = %v, want at least 3", got)
	}

	// A background command is not refused: it waits on Redis and fails with Redis's timeout.
	if err := client.Ping(Background(ctx)).Err(); errors.Is(err, ErrNotAnswering) || !isNetTimeout(err) {
		t.Errorf("background PING while Redis hangs: %v, want a timeout", err)
	}

	resume()
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return b.Answering() && value(testutil.GetGaugeMetricValue(metrics.Answering)) == 1, nil
	}); err != nil {
		t.Fatalf("breaker not closed after Redis resumed (answering %v, netweave_redis_answering %v): %v", b.Answering(), value(testutil.GetGaugeMetricValue(metrics.Answering)), err)
	}
	if err := s.Get(ctx, "/pods/ns/before", storage.GetOptions{}, &example.Pod{}); err != nil {
		t.Errorf("get after Redis resumed: %v", err)
	}
	// The refused create did not happen.
	if err := s.Get(ctx, "/pods/ns/during", storage.GetOptions{}, &example.Pod{}); !storage.IsNotFound(err) {
		t.Errorf("get of the refused create: %v, want not found", err)
	}
}

func checkUnavailable(t *testing.T, what string, err error, says string) {
	t.Helper()
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Code != http.StatusServiceUnavailable ||
		st.Status().Details == nil || st.Status().Details.RetryAfterSeconds < 1 {
		t.Errorf("%s: %v, want 503 with Retry-After", what, err)
		return
	}
	if !strings.Contains(st.Status().Message, says) {
		t.Errorf("%s: %q, want it to say %q", what, st.Status().Message, says)
	}
}

// guardedStore is a store on client whose write client the breaker b guards too, as the
// server wires it.
func guardedStore(t *testing.T, env *testEnv, client *goredis.Client, b *Breaker) *Store {
	t.Helper()
	writes, err := NewWriteClient(client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = writes.Close() })
	b.Guard(writes)
	return env.newStore(t, withClient(client), withWriteClient(writes))
}
