package bench

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/test/bench/load"
)

// Environment of BenchmarkMemory.
const (
	// envMemSteps is the comma-separated totals of Resources RSS is measured at (default
	// 1000,10000).
	envMemSteps = "MEMORY_BENCH_RESOURCES"
	// envMemProfiles, when set, is a directory each step's heap profile is written to
	// (heap-<n>.pprof), for go tool pprof.
	envMemProfiles = "MEMORY_BENCH_PROFILES"
)

// BenchmarkMemory measures netweave's resident memory against the size of the inventory, with
// every part that keeps objects in memory running: the API server's read cache, the O2 REST
// face, the inventory sync (leader, so its informers run) and the notifier (leader, so its
// watchers run). Resources are created directly through kube-apiserver (the aggregator) in a
// namespace of their own, 16 at a time, up to each total of MEMORY_BENCH_RESOURCES in turn; after
// each step the benchmark waits until the O2 REST face serves the step's last Resource and the
// notifier has processed every create, then reads VmRSS and VmHWM of the netweave process and,
// from its /metrics, the Go heap in use. One iteration is the whole run: -benchtime 1x.
//
//	make build
//	MEMORY_BENCH_RESOURCES=1000,10000,100000 go test -run '^$' -bench BenchmarkMemory \
//	  -benchtime 1x -timeout 60m -v ./test/bench/
func BenchmarkMemory(b *testing.B) {
	steps := []int{1000, 10000}
	if v := os.Getenv(envMemSteps); v != "" {
		steps = steps[:0]
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || (len(steps) > 0 && n <= steps[len(steps)-1]) {
				b.Fatalf("%s=%q: want increasing positive numbers", envMemSteps, v)
			}
			steps = append(steps, n)
		}
	}
	s := startStack(b, "--inventory-sync=true", "--inventory-leader-identity=bench",
		"--notifier=true", "--notifier-leader-identity=bench")
	cfg := s.cp.RESTConfig(localstack.Admin)
	cfg.QPS, cfg.Burst = -1, 0
	kube := kubernetes.NewForConfigOrDie(cfg)
	o2 := versioned.NewForConfigOrDie(cfg)
	token := cfg.BearerToken
	ctx, cancel := context.WithTimeout(context.Background(), 55*time.Minute)
	defer cancel()
	waitForSync(b, ctx, o2)
	m := newMemProbe(b, s, token)
	inv := seedPools(b, ctx, kube, o2)
	rss0, _ := procStatus(s.netweave.Pid(), "VmRSS")
	b.Logf("netweave RSS %d MiB (%s), Go heap in use %.0f MiB, live after a GC %.1f MiB with the inventory sync's own objects and %d pools",
		rss0/1024, m.rssParts(), m.metric(ctx, "go_memstats_heap_inuse_bytes")/(1<<20), m.liveHeap(ctx)/(1<<20), len(inv.pools))
	if dir := os.Getenv(envMemProfiles); dir != "" {
		// The idle process's heap: what every step's profile starts from.
		m.heapProfile(ctx, filepath.Join(dir, "heap-idle.pprof"))
	}

	b.ResetTimer()
	for range b.N {
		created := 0
		for _, total := range steps {
			start := time.Now()
			createResources(b, ctx, o2, inv, created, total)
			created = total
			took := time.Since(start)
			// The step's marker: created after the others, so seeing it means the informers
			// and watchers have seen the others too (they see changes in revision order).
			marker := total
			id := uuidFor(6, marker)
			r := resource(marker, id, inv)
			r.Name = fmt.Sprintf("marker-%07d", marker)
			if _, err := o2.O2imsV1alpha1().O2Resources(inv.namespace).Create(ctx, r, metav1.CreateOptions{}); err != nil {
				b.Fatalf("create marker: %v", err)
			}
			m.waitO2(ctx, inventoryV1+"/resourcePools/"+inv.pool+"/resources/"+id)
			m.waitNotifier(ctx, total+len(steps[:indexOf(steps, total)+1]))
			rss, err := procStatus(s.netweave.Pid(), "VmRSS")
			if err != nil {
				b.Fatal(err)
			}
			hwm, _ := procStatus(s.netweave.Pid(), "VmHWM")
			heap := m.metric(ctx, "go_memstats_heap_inuse_bytes")
			live := m.liveHeap(ctx)
			b.ReportMetric(float64(rss)/1024, fmt.Sprintf("MiB-rss-%d", total))
			b.ReportMetric(float64(hwm)/1024, fmt.Sprintf("MiB-peak-rss-%d", total))
			b.ReportMetric(heap/(1<<20), fmt.Sprintf("MiB-heap-inuse-%d", total))
			b.ReportMetric(live/(1<<20), fmt.Sprintf("MiB-live-heap-%d", total))
			b.Logf("%7d Resources (step created in %s): RSS %d MiB (%s), peak %d MiB, Go heap in use %.0f MiB, live after a GC %.1f MiB",
				total, took.Round(time.Second), rss/1024, m.rssParts(), hwm/1024, heap/(1<<20), live/(1<<20))
			if dir := os.Getenv(envMemProfiles); dir != "" {
				m.heapProfile(ctx, filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", total)))
			}
			settled, after := m.settledRSS(ctx)
			b.ReportMetric(float64(settled)/1024, fmt.Sprintf("MiB-settled-rss-%d", total))
			b.Logf("%7d Resources, %s later: RSS %d MiB (%s)", total, after.Round(time.Second), settled/1024, m.rssParts())
		}
	}
}

// settledRSS is the RSS (KiB) once the runtime has returned what it no longer needs: right
// after a burst of writes the heap keeps free pages the background scavenger releases over the
// next seconds (what an inventory that stopped changing settles at; the peak is VmHWM). It
// reads VmRSS every 2 s until three readings in a row fall by less than 1 MiB, at most 2 minutes.
func (m *memProbe) settledRSS(ctx context.Context) (int64, time.Duration) {
	start := time.Now()
	last, steady := int64(-1), 0
	_ = wait.PollUntilContextTimeout(ctx, 2*time.Second, 2*time.Minute, false, func(context.Context) (bool, error) {
		rss, err := procStatus(m.s.netweave.Pid(), "VmRSS")
		if err != nil {
			return false, err
		}
		if last >= 0 && last-rss < 1024 {
			steady++
		} else {
			steady = 0
		}
		last = rss
		return steady >= 3, nil
	})
	return last, time.Since(start)
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// seedPools creates the namespace, resource types and pools the benchmark's Resources refer to.
func seedPools(b *testing.B, ctx context.Context, kube kubernetes.Interface, o2 versioned.Interface) inventory {
	b.Helper()
	inv := inventory{namespace: "o2mem"}
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: inv.namespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	c := o2.O2imsV1alpha1()
	for i := range numTypes {
		id := uuidFor(1, i)
		if _, err := c.ResourceTypes(inv.namespace).Create(ctx, &v1alpha1.ResourceType{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("type-%02d", i)},
			Spec: v1alpha1.ResourceTypeSpec{ResourceTypeID: id, Name: fmt.Sprintf("type-%02d", i), Vendor: "Some Corporation, Inc.",
				Model: "X-1000", Version: "v2024.11", ResourceKind: "PHYSICAL", ResourceClass: "COMPUTE"},
		}, metav1.CreateOptions{}); err != nil {
			b.Fatalf("create resource type: %v", err)
		}
		inv.types = append(inv.types, id)
	}
	id := uuidFor(2, 0)
	if _, err := c.ResourcePools(inv.namespace).Create(ctx, &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Name: "pool-0"},
		Spec:       v1alpha1.ResourcePoolSpec{ResourcePoolID: id, Name: "pool-0", OCloudID: uuidFor(3, 0), GlobalLocationID: "CA-ON-TOR-DC1"},
	}, metav1.CreateOptions{}); err != nil {
		b.Fatalf("create resource pool: %v", err)
	}
	inv.pools, inv.pool = []string{id}, id
	return inv
}

// createResources creates Resources from (inclusive) to to (exclusive), seedWorkers at a time.
func createResources(b *testing.B, ctx context.Context, o2 versioned.Interface, inv inventory, from, to int) {
	b.Helper()
	var next atomic.Int64
	next.Store(int64(from))
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range seedWorkers {
		wg.Go(func() {
			for failed.Load() == nil {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				if _, err := o2.O2imsV1alpha1().O2Resources(inv.namespace).Create(ctx, resource(i, uuidFor(4, i), inv), metav1.CreateOptions{}); err != nil {
					err = fmt.Errorf("create resource %d: %w", i, err)
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
}

// memProbe reads netweave's O2 face and its main port (/metrics, /debug/pprof) as the admin.
type memProbe struct {
	b      *testing.B
	s      *stack
	token  string
	o2     *load.Client
	client *http.Client
}

func newMemProbe(b *testing.B, s *stack, token string) *memProbe {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.cp.Serving.CABundle) {
		b.Fatal("serving CA bundle holds no certificates")
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}}
	b.Cleanup(transport.CloseIdleConnections)
	o2 := load.NewClient(s.tlsConfig(b), 1, false, 30*time.Second)
	b.Cleanup(o2.Close)
	return &memProbe{b: b, s: s, token: token, o2: o2, client: &http.Client{Timeout: 2 * time.Minute, Transport: transport}}
}

// waitO2 polls an O2 path until it answers 200.
func (m *memProbe) waitO2(ctx context.Context, path string) {
	last := 0
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, status, err := m.o2.Get(ctx, m.s.o2Base()+path, m.token)
		last = status
		return err == nil && status == http.StatusOK, nil
	}); err != nil {
		m.b.Fatalf("O2 %s: last status %d: %v", path, last, err)
	}
}

// waitNotifier polls until the notifier has processed want Resource creates.
func (m *memProbe) waitNotifier(ctx context.Context, want int) {
	got := 0.0
	if err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 20*time.Minute, true, func(ctx context.Context) (bool, error) {
		got = m.metric(ctx, `netweave_notifier_changes_total{kind="Resource",type="CREATE"}`)
		return got >= float64(want), nil
	}); err != nil {
		m.b.Fatalf("notifier processed %.0f of %d Resource creates: %v", got, want, err)
	}
}

func (m *memProbe) get(ctx context.Context, path string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://127.0.0.1:"+strconv.Itoa(m.s.port)+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+m.token)
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return resp.Body, nil
}

// metric sums the /metrics samples whose line starts with series (a name, or a name and the
// first labels up to a closing brace); 0 when unreadable.
func (m *memProbe) metric(ctx context.Context, series string) float64 {
	body, err := m.get(ctx, "/metrics")
	if err != nil {
		return 0
	}
	defer body.Close()
	name, labels, _ := strings.Cut(strings.TrimSuffix(series, "}"), "{")
	sum := 0.0
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		match := true
		for _, l := range strings.Split(labels, ",") {
			match = match && strings.Contains(line, l)
		}
		if !match {
			continue
		}
		f := strings.Fields(line)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// liveHeap is the Go heap live right after a collection: the heap profile endpoint collects
// first when asked (gc=1), then /metrics reads the heap's allocated bytes. The heap profile
// itself samples one allocation per 512 KiB, too coarse to compare runs a few MB apart.
func (m *memProbe) liveHeap(ctx context.Context) float64 {
	body, err := m.get(ctx, "/debug/pprof/heap?gc=1")
	if err != nil {
		m.b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, body)
	body.Close()
	return m.metric(ctx, "go_memstats_heap_alloc_bytes")
}

// rssParts says what the RSS is made of: anonymous memory (the Go heap, stacks, the runtime)
// and file pages (the binary's code and data as far as they were touched).
func (m *memProbe) rssParts() string {
	anon, _ := procStatus(m.s.netweave.Pid(), "RssAnon")
	file, _ := procStatus(m.s.netweave.Pid(), "RssFile")
	return fmt.Sprintf("anonymous %d MiB, file %d MiB", anon/1024, file/1024)
}

func (m *memProbe) heapProfile(ctx context.Context, path string) {
	body, err := m.get(ctx, "/debug/pprof/heap")
	if err != nil {
		m.b.Fatal(err)
	}
	defer body.Close()
	// MEMORY_BENCH_PROFILES names a directory that need not exist yet.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		m.b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		m.b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, body); err != nil {
		m.b.Fatal(err)
	}
	m.b.Logf("heap profile: %s", path)
	// Beside the profile, the runtime's own account (stacks, spans, GC metadata, memory kept
	// but unused): what the anonymous RSS holds besides the heap.
	mb, err := m.get(ctx, "/metrics")
	if err != nil {
		m.b.Fatal(err)
	}
	defer mb.Close()
	var out strings.Builder
	sc := bufio.NewScanner(mb)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "go_") {
			out.WriteString(line + "\n")
		}
	}
	if err := os.WriteFile(strings.TrimSuffix(path, ".pprof")+".go-metrics", []byte(out.String()), 0o644); err != nil {
		m.b.Fatal(err)
	}
}
