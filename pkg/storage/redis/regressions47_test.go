package redis

import (
	"context"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"
)

// xreadCounter is a go-redis hook that closes second when the second XREAD starts, which is
// after the reader has recorded everything about the first.
type xreadCounter struct {
	n      int
	second chan struct{}
}

func (h *xreadCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *xreadCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		// Only the hub's reader goroutine sends XREAD, one at a time.
		if strings.EqualFold(cmd.Name(), "xread") {
			if h.n++; h.n == 2 {
				close(h.second)
			}
		}
		return next(ctx, cmd)
	}
}
func (h *xreadCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// TestRegressionIdleWatchIsNotASlowRedis: the watch reader's blocking XREAD, which waits up to
// the poll interval (1 s) for a change, was recorded as a "watchRead" request: on a store
// nobody wrote to, its p99 latency was the poll interval, and the chart's NetweaveRedisSlow
// alert (p99 of an operation above 100 ms for 10 min) fired on every idle installation. The
// wait's failures are counted (operation watchWait); its duration is not a latency.
func TestRegressionIdleWatchIsNotASlowRedis(t *testing.T) {
	env := newTestEnv(t)
	registry := metrics.NewKubeRegistry()
	m, err := NewMetrics(registry.Register)
	if err != nil {
		t.Fatal(err)
	}
	hook := &xreadCounter{second: make(chan struct{})}
	client := goredis.NewClient(&goredis.Options{Addr: env.server.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	client.AddHook(hook)
	const poll = time.Second
	s := env.newStore(t, withClient(client), withMetrics(m), withWatchPollInterval(poll))
	ctx := context.Background()
	start := createPod(ctx, t, s, "ns", "p")
	watchFrom(ctx, t, s, start.ResourceVersion)

	select {
	case <-hook.second:
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("the watch reader did not wait for changes twice")
	}
	// The reader's operations: a real round trip of half the poll interval on loopback would be
	// a machine that has stopped, not a slow Redis.
	for _, op := range []string{"watchRead", "watchWait"} {
		vec, err := testutil.GetHistogramVecFromGatherer(registry, "netweave_redis_storage_request_duration_seconds",
			map[string]string{"operation": op, "resource": "pods"})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range vec {
			// Observations above 500 ms: the sample count less the cumulative count at le=0.5.
			below := uint64(0)
			for _, b := range h.GetBucket() {
				if b.GetUpperBound() == 0.5 {
					below = b.GetCumulativeCount()
				}
			}
			if slow := h.GetSampleCount() - below; slow > 0 {
				t.Errorf("%d %s request(s) of an idle store recorded as taking over 500 ms (sum %.2fs over %d): the reader's wait counted as latency",
					slow, op, h.GetSampleSum(), h.GetSampleCount())
			}
		}
	}
}

// TestRegressionCallerGoneIsNotARedisError: a read whose caller went away (a client that hung
// up mid-list, a watch stopped during its catch-up, the store closing under its watch reader)
// ends with context.Canceled, and was counted in netweave_redis_storage_request_errors_total:
// the chart's critical NetweaveRedisErrors alert (any error, for 5 min) stayed on for five
// minutes after each, with Redis answering every command. A deadline is still counted: Redis
// too slow for the request is a failure.
func TestRegressionCallerGoneIsNotARedisError(t *testing.T) {
	env := newTestEnv(t)
	registry := metrics.NewKubeRegistry()
	m, err := NewMetrics(registry.Register)
	if err != nil {
		t.Fatal(err)
	}
	s := env.newStore(t, withMetrics(m))
	createPod(context.Background(), t, s, "ns", "p")
	errorsOf := func(op string) float64 {
		t.Helper()
		v, err := testutil.GetCounterMetricValue(m.RequestErrors.WithLabelValues(op, "", "pods"))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Get(gone, "/pods/ns/p", storage.GetOptions{}, &example.Pod{}); err == nil {
		t.Fatal("a get whose caller is gone succeeded")
	}
	if n := errorsOf("get"); n != 0 {
		t.Errorf("a get whose caller went away counted as %v Redis error(s)", n)
	}

	late, cancelLate := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelLate()
	if err := s.Get(late, "/pods/ns/p", storage.GetOptions{}, &example.Pod{}); err == nil {
		t.Fatal("a get past its deadline succeeded")
	}
	if n := errorsOf("get"); n != 1 {
		t.Errorf("a get past its deadline counted as %v Redis error(s), want 1", n)
	}
}
