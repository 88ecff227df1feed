package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

// envRestartResources is the number of Resources BenchmarkRedisRestart holds (default 10000).
const envRestartResources = "REDIS_RESTART_BENCH_RESOURCES"

// envRestartDown is how long BenchmarkRedisRestart keeps Redis down between the kill and the
// start (a Go duration, default 0: started again at once, as a process supervisor would; a Pod
// rescheduled elsewhere is down for seconds).
const envRestartDown = "REDIS_RESTART_BENCH_DOWN"

// BenchmarkRedisRestart measures what a Redis restart on its append-only file costs netweave
// with an inventory of REDIS_RESTART_BENCH_RESOURCES Resources (10,000 by default), the
// inventory sync and the notifier running: Redis is killed -9 and started again on its data
// (redisserver.Restart, as a Pod restart would), and the benchmark reports how long after Redis
// answers again the O2 face serves a Resource, how many lists netweave sent Redis in that time
// (a read cache that lists its resource again), netweave's CPU time from the kill until the O2
// face serves again, and whether a Kubernetes-face watch opened before the kill went on. One
// iteration is the whole run: -benchtime 1x. REDIS_RESTART_BENCH_DOWN keeps Redis down that long
// before it is started again.
//
//	make build
//	go test -run '^$' -bench BenchmarkRedisRestart -benchtime 1x -timeout 30m -v ./test/bench/
//	REDIS_RESTART_BENCH_DOWN=5s go test -run '^$' -bench BenchmarkRedisRestart -benchtime 1x -timeout 30m -v ./test/bench/
func BenchmarkRedisRestart(b *testing.B) {
	n := envCount(b, envRestartResources, 10000)
	down := time.Duration(0)
	if v := os.Getenv(envRestartDown); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			b.Fatalf("%s=%q: want a duration of zero or more", envRestartDown, v)
		}
		down = d
	}
	s := startStack(b, "--inventory-sync=true", "--inventory-leader-identity=bench",
		"--notifier=true", "--notifier-leader-identity=bench")
	cfg := s.cp.RESTConfig(localstack.Admin)
	cfg.QPS, cfg.Burst = -1, 0
	kube := kubernetes.NewForConfigOrDie(cfg)
	o2 := versioned.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	waitForSync(b, ctx, o2)
	m := newMemProbe(b, s, cfg.BearerToken)
	inv := seedPools(b, ctx, kube, o2)
	createResources(b, ctx, o2, inv, 0, n)
	last := inventoryV1 + "/resourcePools/" + inv.pool + "/resources/" + uuidFor(4, n-1)
	m.waitO2(ctx, last)
	m.waitNotifier(ctx, n)

	b.ResetTimer()
	for range b.N {
		list, err := o2.O2imsV1alpha1().O2Resources(inv.namespace).List(ctx, metav1.ListOptions{Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		w, err := o2.O2imsV1alpha1().O2Resources(inv.namespace).Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
		if err != nil {
			b.Fatal(err)
		}
		// The watch is past its start before the kill: it hands over a write made after it.
		if _, err := o2.O2imsV1alpha1().O2Resources(inv.namespace).Create(ctx, resource(n, uuidFor(4, n), inv), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		if ev := <-w.ResultChan(); ev.Type != watch.Added {
			b.Fatalf("the watch before the kill: %v %v", ev.Type, ev.Object)
		}
		cpu0 := cpuSeconds(b, s.netweave.Pid())
		s.redis.Stop() // kill -9
		// The outage's length, which the benchmark sets; nothing is waited for here.
		time.Sleep(down)
		s.redis.Restart() // started again on the same data; returns once it answers
		back := time.Now()
		lists0 := m.metric(ctx, `netweave_redis_storage_request_duration_seconds_count{operation="list"}`)
		m.waitO2(ctx, last)
		o2Back := time.Since(back)
		cpu := cpuSeconds(b, s.netweave.Pid()) - cpu0
		lists := m.metric(ctx, `netweave_redis_storage_request_duration_seconds_count{operation="list"}`) - lists0

		// The watch opened before the kill: it went on if it hands over the next write.
		marker := resource(n+1, uuidFor(4, n+1), inv)
		if _, err := o2.O2imsV1alpha1().O2Resources(inv.namespace).Create(ctx, marker, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		watchWent := "ended"
		select {
		case ev, ok := <-w.ResultChan():
			if ok && ev.Type == watch.Added {
				watchWent = "went on"
			} else if ok && ev.Type == watch.Error {
				watchWent = fmt.Sprintf("ended (%v)", ev.Object)
			}
		case <-time.After(time.Minute):
			watchWent = "stuck"
		}
		w.Stop()
		b.ReportMetric(o2Back.Seconds(), "s-o2-back")
		b.ReportMetric(lists, "lists")
		b.ReportMetric(cpu, "cpu-s")
		b.Logf("%d Resources, Redis down %s: O2 face serves %s after Redis answered again; %0.f lists sent to Redis meanwhile; netweave CPU %.2f s from the kill; the watch opened before the kill %s",
			n, down, o2Back.Round(time.Millisecond), lists, cpu, watchWent)
	}
}

// cpuSeconds is the user and system CPU time pid has used, from /proc/<pid>/stat.
func cpuSeconds(b *testing.B, pid int) float64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command (which may hold spaces) start at the last ')'.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	const ticks = 100 // USER_HZ on Linux
	return (utime + stime) / ticks
}
