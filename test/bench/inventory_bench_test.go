package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

// envInvNodes overrides how many Nodes BenchmarkInventorySync creates (default 5000).
const envInvNodes = "INVENTORY_BENCH_NODES"

// BenchmarkInventorySync measures the inventory sync on the real stack: N Nodes (default
// 5,000, in 4 zones and 3 instance types) are created through kube-apiserver while netweave
// runs with --inventory-sync; a watch on Resources through the aggregator sees each Resource
// appear and reach its final state. It reports the time from the last Node write to the last
// Resource visible (with its status), the sync throughput over the whole run, and netweave's
// RSS (current and peak) afterwards. One iteration is the whole run: use -benchtime 1x.
//
//	go build -o _output/bin/netweave ./cmd/netweave
//	go test -run '^$' -bench BenchmarkInventorySync -benchtime 1x -timeout 20m -v ./test/bench/
func BenchmarkInventorySync(b *testing.B) {
	n := envCount(b, envInvNodes, 5000)
	s := startStack(b, "--inventory-sync=true", "--inventory-leader-identity=bench")
	cfg := s.cp.RESTConfig(localstack.Admin)
	cfg.QPS, cfg.Burst = -1, 0
	kube := kubernetes.NewForConfigOrDie(cfg)
	o2 := versioned.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	waitForSync(b, ctx, o2)
	rssBefore, _ := procStatus(s.netweave.Pid(), "VmRSS")

	seen := newResourceWatch(b, ctx, o2, n)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		lastWrite := createNodes(b, ctx, kube, n, 32)
		wrote := time.Since(start)
		last, err := seen.wait(ctx)
		if err != nil {
			b.Fatalf("after %s: %v", time.Since(start), err)
		}
		total := last.Sub(start)
		tail := last.Sub(lastWrite)
		b.ReportMetric(float64(n)/wrote.Seconds(), "node-writes/s")
		b.ReportMetric(tail.Seconds(), "s-last-node-to-last-resource")
		b.ReportMetric(total.Seconds(), "s-first-node-to-last-resource")
		b.ReportMetric(float64(n)/total.Seconds(), "resources/s")
		b.Logf("%d nodes written in %s (%.0f/s); last Resource visible %s after the last Node write, %s after the first",
			n, wrote.Round(time.Millisecond), float64(n)/wrote.Seconds(), tail.Round(time.Millisecond), total.Round(time.Millisecond))
	}
	b.StopTimer()
	rss, err := procStatus(s.netweave.Pid(), "VmRSS")
	if err != nil {
		b.Fatal(err)
	}
	hwm, _ := procStatus(s.netweave.Pid(), "VmHWM")
	b.ReportMetric(float64(rss)/1024, "MiB-rss")
	b.ReportMetric(float64(hwm)/1024, "MiB-peak-rss")
	b.Logf("netweave RSS %d MiB before the nodes, %d MiB after, peak %d MiB", rssBefore/1024, rss/1024, hwm/1024)
}

// envCount reads a positive count from the environment variable name, def when unset.
func envCount(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// waitForSync waits until the inventory sync runs: it has written the O-Cloud.
func waitForSync(b *testing.B, ctx context.Context, o2 versioned.Interface) {
	b.Helper()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := o2.O2imsV1alpha1().OClouds().Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		b.Fatalf("inventory sync did not start: %v", err)
	}
}

// createNodes creates n Nodes with the given parallelism and returns when the last write
// (create, then nodes/status) finished.
func createNodes(b *testing.B, ctx context.Context, kube kubernetes.Interface, n, workers int) time.Time {
	b.Helper()
	done, err := writeNodes(ctx, kube, n, workers)
	if err != nil {
		b.Fatal(err)
	}
	return done
}

// writeNodes is createNodes for any goroutine: it returns the first error instead of failing.
func writeNodes(ctx context.Context, kube kubernetes.Interface, n, workers int) (time.Time, error) {
	zones := []string{"zone-a", "zone-b", "zone-c", "zone-d"}
	kinds := []string{"m5.xlarge", "m5.2xlarge", "c6g.4xlarge"}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	list := corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("8"), corev1.ResourceMemory: apiresource.MustParse("32Gi"), corev1.ResourcePods: apiresource.MustParse("110")}
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				name := fmt.Sprintf("bench-node-%05d", i)
				node := &corev1.Node{
					ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
						"topology.kubernetes.io/region":    "bench",
						"topology.kubernetes.io/zone":      zones[i%len(zones)],
						"node.kubernetes.io/instance-type": kinds[i%len(kinds)],
						"kubernetes.io/arch":               "amd64",
					}},
				}
				created, err := kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
				if err != nil {
					errs <- fmt.Errorf("create %s: %w", name, err)
					return
				}
				created.Status = corev1.NodeStatus{
					Capacity: list, Allocatable: list,
					Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastTransitionTime: metav1.Now()}},
					NodeInfo:   corev1.NodeSystemInfo{SystemUUID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), OperatingSystem: "linux", Architecture: "amd64"},
				}
				if _, err := kube.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
					errs <- fmt.Errorf("status of %s: %w", name, err)
					return
				}
			}
		})
	}
	wg.Wait()
	done := time.Now()
	close(errs)
	for err := range errs {
		return done, err
	}
	return done, nil
}

// resourceWatch records when each synced Resource is first seen in its final state (ENABLED,
// i.e. the nodes/status write has been synced too).
type resourceWatch struct {
	want int
	mu   sync.Mutex
	seen map[string]time.Time
	last time.Time
	done chan struct{}
	err  error
}

func newResourceWatch(b *testing.B, ctx context.Context, o2 versioned.Interface, want int) *resourceWatch {
	b.Helper()
	w := &resourceWatch{want: want, seen: map[string]time.Time{}, done: make(chan struct{})}
	list, err := o2.O2imsV1alpha1().O2Resources("o2ims-system").List(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	go w.run(ctx, o2, list.ResourceVersion)
	return w
}

func (w *resourceWatch) run(ctx context.Context, o2 versioned.Interface, rv string) {
	defer close(w.done)
	for ctx.Err() == nil {
		wi, err := o2.O2imsV1alpha1().O2Resources("o2ims-system").Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
		if err != nil {
			w.err = err
			return
		}
		for ev := range wi.ResultChan() {
			r, ok := ev.Object.(*v1alpha1.O2Resource)
			if !ok {
				continue
			}
			rv = r.ResourceVersion
			if ev.Type == watch.Bookmark || r.Status.OperationalState != v1alpha1.OperationalStateEnabled {
				continue
			}
			w.mu.Lock()
			if _, dup := w.seen[r.Name]; !dup {
				w.seen[r.Name] = time.Now()
				w.last = w.seen[r.Name]
			}
			complete := len(w.seen) >= w.want
			w.mu.Unlock()
			if complete {
				wi.Stop()
				return
			}
		}
	}
	w.err = ctx.Err()
}

func (w *resourceWatch) wait(ctx context.Context) (time.Time, error) {
	select {
	case <-w.done:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.seen) < w.want {
		return time.Time{}, fmt.Errorf("saw %d of %d resources: %v", len(w.seen), w.want, w.err)
	}
	return w.last, nil
}

// procStatus reads a kB field (VmRSS, VmHWM) of /proc/<pid>/status.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}
