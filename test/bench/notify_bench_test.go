package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/notify"
)

// Knobs of BenchmarkNotify: go test ... ./test/bench/ -args -notify-rate=10 ...
var (
	notifyRate      = flag.Float64("notify-rate", 20, "BenchmarkNotify: changes per second of the latency runs with one matching subscription")
	notifyChanges   = flag.Int("notify-changes", 300, "BenchmarkNotify: changes per latency run with one matching subscription")
	notifyBurstN    = flag.Int("notify-burst", 10_000, "BenchmarkNotify: changes in the burst")
	notifyWriters   = flag.Int("notify-burst-writers", 16, "BenchmarkNotify: concurrent writers of the burst")
	notifySubs      = flag.Int("notify-subs", 1000, "BenchmarkNotify: subscriptions of the many-subscription runs")
	notifyReceivers = flag.Int("notify-receivers", 10, "BenchmarkNotify: loopback receivers the subscriptions are spread over")
	notifyFanout    = flag.String("notify-fanout", "1:30,5:100,20:200", "BenchmarkNotify: rate:changes of the runs in which every subscription matches every change")
	notifyExtraArgs = flag.String("notify-netweave-args", "", "BenchmarkNotify: more netweave flags, comma-separated (e.g. --notifier-status-interval=10s)")
)

// envNotifyProfile, set to a directory, makes BenchmarkNotify save a CPU profile of netweave
// over each run there (<run>.pprof).
const envNotifyProfile = "NOTIFYBENCH_PROFILE"

const (
	notifyNamespace = "notifybench"
	notifyObjects   = 10 // pools the latency runs patch, round robin
	notifyTimeout   = 3 * time.Minute
)

// notifyArgs turn the notifier on with its default timings; callbacks on loopback allowed.
var notifyArgs = []string{"--notifier=true", "--notifier-allowed-callback-cidrs=127.0.0.0/8"}

// BenchmarkNotify measures the notifier on the real stack: change-to-POST latency with one
// subscription and with many (one of them matching, then all of them matching), and a burst
// of changes with one subscription. Each change carries its write time (unix ns, taken just
// before the client sends the write) in spec.description; the receiver measures against it
// when the POST arrives. Every run is one fixed workload: run with -benchtime 1x.
func BenchmarkNotify(b *testing.B) {
	args := slices.Clone(notifyArgs)
	if *notifyExtraArgs != "" {
		args = append(args, strings.Split(*notifyExtraArgs, ",")...)
	}
	s := startStack(b, args...)
	e := newNotifyEnv(b, s)
	e.subscribe(b, 0, 1, "")
	e.ready(b, "probe", 1)

	b.Run(fmt.Sprintf("latency/subs=1/rate=%g", *notifyRate), func(b *testing.B) {
		e.latency(b, "one", *notifyRate, *notifyChanges, 1)
	})
	b.Run(fmt.Sprintf("burst/subs=1/changes=%d", *notifyBurstN), func(b *testing.B) {
		e.burst(b, *notifyBurstN, *notifyWriters)
	})

	// The other subscriptions match only the probe pool: every change still goes past all of
	// them (tenancy, filter), but only subscription 0 receives the measured changes.
	start := time.Now()
	e.subscribe(b, 1, *notifySubs, "(eq,name,probe)")
	b.Logf("created %d subscriptions in %s", *notifySubs-1, time.Since(start).Round(time.Millisecond))
	e.ready(b, "probe", *notifySubs)
	b.Run(fmt.Sprintf("latency/subs=%d/matching=1/rate=%g", *notifySubs, *notifyRate), func(b *testing.B) {
		e.latency(b, "filtered", *notifyRate, *notifyChanges, 1)
	})

	// Now every subscription matches every change.
	e.unfilter(b, 1, *notifySubs)
	e.ready(b, "probe2", *notifySubs)
	for _, rc := range strings.Split(*notifyFanout, ",") {
		rate, changes, err := parseRateChanges(rc)
		if err != nil {
			b.Fatalf("-notify-fanout %q: %v", *notifyFanout, err)
		}
		b.Run(fmt.Sprintf("latency/subs=%d/matching=%d/rate=%g", *notifySubs, *notifySubs, rate), func(b *testing.B) {
			e.latency(b, fmt.Sprintf("fanout%g", rate), rate, changes, *notifySubs)
		})
	}
}

func parseRateChanges(s string) (float64, int, error) {
	r, c, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not rate:changes", s)
	}
	rate, err := strconv.ParseFloat(r, 64)
	if err != nil || rate <= 0 || rate > 1000 {
		return 0, 0, fmt.Errorf("rate %q: want 0 < rate <= 1000", r)
	}
	changes, err := strconv.Atoi(c)
	if err != nil || changes <= 0 || changes > 100_000 {
		return 0, 0, fmt.Errorf("changes %q: want 1..100000", c)
	}
	return rate, changes, nil
}

// notifyEnv is the stack with the benchmark's clients, receivers and objects.
type notifyEnv struct {
	s       *stack
	client  versioned.Interface
	recv    *notifyReceiver
	metrics *http.Client
	token   string
	probes  atomic.Int64
}

func newNotifyEnv(b *testing.B, s *stack) *notifyEnv {
	cfg := s.cp.RESTConfig(localstack.Admin)
	cfg.QPS, cfg.Burst = 1e6, 1e6
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	client, err := versioned.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: notifyNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	names := []string{"probe", "probe2"}
	for i := range notifyObjects {
		names = append(names, fmt.Sprintf("lat-%02d", i))
	}
	for i, name := range names {
		_, err := client.O2imsV1alpha1().ResourcePools(notifyNamespace).Create(ctx, &v1alpha1.ResourcePool{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: uuidFor(5, i), Name: name, Description: "initial",
				OCloudID: uuidFor(3, 0), GlobalLocationID: "CA-ON-TOR-DC1"},
		}, metav1.CreateOptions{})
		if err != nil {
			b.Fatalf("create pool %s: %v", name, err)
		}
	}
	transport := &http.Transport{TLSClientConfig: s.tlsConfig(b)}
	b.Cleanup(transport.CloseIdleConnections)
	return &notifyEnv{
		s: s, client: client, recv: newNotifyReceiver(b, *notifyReceivers),
		metrics: &http.Client{Transport: transport, Timeout: 2 * time.Minute}, token: cfg.BearerToken,
	}
}

// subscribe creates subscriptions from..to-1, concurrently; subscription i POSTs to receiver
// i mod receivers at path /s/i.
func (e *notifyEnv) subscribe(b *testing.B, from, to int, filter string) {
	e.parallel(b, from, to, func(ctx context.Context, i int) error {
		_, err := e.client.O2imsV1alpha1().InventorySubscriptions(notifyNamespace).Create(ctx, &v1alpha1.InventorySubscription{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("s-%04d", i)},
			Spec: v1alpha1.InventorySubscriptionSpec{
				Callback: e.recv.callback(i), ConsumerSubscriptionID: uuidFor(6, i), Filter: filter,
			},
		}, metav1.CreateOptions{})
		return err
	})
}

// unfilter removes the filter of subscriptions from..to-1.
func (e *notifyEnv) unfilter(b *testing.B, from, to int) {
	e.parallel(b, from, to, func(ctx context.Context, i int) error {
		_, err := e.client.O2imsV1alpha1().InventorySubscriptions(notifyNamespace).Patch(ctx, fmt.Sprintf("s-%04d", i),
			types.MergePatchType, []byte(`{"spec":{"filter":null}}`), metav1.PatchOptions{})
		return err
	})
}

// parallel runs fn for from..to-1 with 16 workers and fails on the first error.
func (e *notifyEnv) parallel(b *testing.B, from, to int, fn func(context.Context, int) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var next atomic.Int64
	next.Store(int64(from))
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for failed.Load() == nil {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				if err := fn(ctx, i); err != nil {
					err = fmt.Errorf("item %d: %w", i, err)
					failed.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
}

// ready changes the pool named pool until subscriptions 0..n-1 have all received a change of
// it: their workers run and their filters are the current ones.
func (e *notifyEnv) ready(b *testing.B, pool string, n int) {
	deadline := time.Now().Add(notifyTimeout)
	for attempt := 1; time.Now().Before(deadline); attempt++ {
		tag := fmt.Sprintf("ready%d", e.probes.Add(1))
		if err := e.patchDescription(context.Background(), pool, tag+" 0"); err != nil {
			b.Fatal(err)
		}
		if e.recv.wait(time.Now().Add(min(time.Duration(attempt)*2*time.Second, time.Until(deadline))), func(c *notifyCount) bool {
			return len(c.subs) >= n
		}, tag) {
			return
		}
	}
	b.Fatalf("%d subscriptions did not all receive a change of %s within %s", n, pool, notifyTimeout)
}

func (e *notifyEnv) patchDescription(ctx context.Context, pool, desc string) error {
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"description": desc}})
	_, err := e.client.O2imsV1alpha1().ResourcePools(notifyNamespace).Patch(ctx, pool, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// latency makes changes changes, rate a second (open loop: a slow write does not delay the
// next), each a patch of spec.description of one of the lat-NN pools, and waits for the
// notifications of all subs subscriptions.
func (e *notifyEnv) latency(b *testing.B, tag string, rate float64, changes, subs int) {
	before := e.scrape(b)
	stopProfile := e.profile(b, tag, time.Duration(float64(changes)/rate*float64(time.Second)))
	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	writes := make([]time.Duration, changes)
	var failed atomic.Int64
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	start := time.Now()
	for i := range changes {
		if i > 0 {
			<-tick.C
		}
		wg.Go(func() {
			t := time.Now()
			if err := e.patchDescription(ctx, fmt.Sprintf("lat-%02d", i%notifyObjects), tag+" "+strconv.FormatInt(t.UnixNano(), 10)); err != nil {
				failed.Add(1)
				b.Errorf("change %d: %v", i, err)
				return
			}
			writes[i] = time.Since(t)
		})
	}
	tick.Stop()
	wg.Wait()
	lastWrite := time.Now()
	want := (changes - int(failed.Load())) * subs
	complete := e.recv.wait(time.Now().Add(notifyTimeout), func(c *notifyCount) bool { return c.unique >= want }, tag)
	elapsed := time.Since(start)
	stopProfile()
	after := e.scrape(b)

	arrivals := e.recv.tagged(tag)
	res := summarize(arrivals)
	if !complete || res.unique < want {
		b.Errorf("%s: %d of %d notifications arrived within %s of the last write", tag, res.unique, want, notifyTimeout)
	}
	slices.Sort(writes)
	metric := after.sub(before)
	b.ReportMetric(float64(res.unique), "notifications")
	b.ReportMetric(float64(want-res.unique), "missing")
	b.ReportMetric(float64(res.duplicates), "duplicates")
	b.ReportMetric(msf(res.pct(50)), "p50-ms")
	b.ReportMetric(msf(res.pct(95)), "p95-ms")
	b.ReportMetric(msf(res.pct(99)), "p99-ms")
	b.ReportMetric(msf(res.max()), "max-ms")
	b.ReportMetric(msf(durPct(writes, 50)), "write-p50-ms")
	b.ReportMetric(msf(durPct(writes, 99)), "write-p99-ms")
	b.ReportMetric(1000*metric.quantile(0.5), "metric-p50-ms")
	b.ReportMetric(1000*metric.quantile(0.99), "metric-p99-ms")
	if subs > 1 {
		// Per change: until the last of the subscriptions received it.
		b.ReportMetric(msf(durPct(res.lastPerChange, 50)), "all-subs-p50-ms")
		b.ReportMetric(msf(durPct(res.lastPerChange, 99)), "all-subs-p99-ms")
	}
	b.ReportMetric(float64(res.unique)/time.Since(start).Seconds(), "POST/s")
	b.Logf("%s: %d changes at %g/s to %d subscriptions: %d notifications (%d duplicates) in %s, %s after the last write returned; change-to-POST p50 %s p95 %s p99 %s max %s; write p50 %s p99 %s; netweave metric (%d POSTs) p50 ~%.1f ms p99 ~%.1f ms",
		tag, changes, rate, subs, res.unique, res.duplicates, elapsed.Round(time.Millisecond), time.Since(lastWrite).Round(time.Millisecond),
		res.pct(50), res.pct(95), res.pct(99), res.max(), durPct(writes, 50), durPct(writes, 99),
		int64(metric.count), 1000*metric.quantile(0.5), 1000*metric.quantile(0.99))
}

// burst creates n pools from writers concurrent clients as fast as they go and waits until
// subscription 0 has received every CREATE.
func (e *notifyEnv) burst(b *testing.B, n, writers int) {
	const tag = "burst"
	stopProfile := e.profile(b, tag, 20*time.Second)
	before := e.scrape(b)
	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range writers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				name := fmt.Sprintf("burst-%05d", i)
				_, err := e.client.O2imsV1alpha1().ResourcePools(notifyNamespace).Create(ctx, &v1alpha1.ResourcePool{
					ObjectMeta: metav1.ObjectMeta{Name: name},
					Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: uuidFor(7, int(i)), Name: name,
						Description: tag + " " + strconv.FormatInt(time.Now().UnixNano(), 10),
						OCloudID:    uuidFor(3, 0), GlobalLocationID: "CA-ON-TOR-DC1"},
				}, metav1.CreateOptions{})
				if err != nil {
					if failed.Add(1) == 1 {
						b.Errorf("create %s: %v", name, err)
					}
				}
			}
		})
	}
	wg.Wait()
	writesDone := time.Since(start)
	want := n - int(failed.Load())
	complete := e.recv.wait(time.Now().Add(notifyTimeout), func(c *notifyCount) bool { return c.unique >= want }, tag)
	stopProfile()
	after := e.scrape(b)
	arrivals := e.recv.tagged(tag)
	res := summarize(arrivals)
	names := map[string]bool{}
	var last time.Time
	for _, a := range arrivals {
		names[a.name] = true
		if a.at.After(last) {
			last = a.at
		}
	}
	if !complete || len(names) < want {
		b.Errorf("burst: CREATE of %d of %d pools arrived within %s of the last write", len(names), want, notifyTimeout)
	}
	toLast := last.Sub(start)
	metric := after.sub(before)
	b.ReportMetric(float64(res.unique), "notifications")
	b.ReportMetric(float64(want-len(names)), "missing")
	b.ReportMetric(float64(res.duplicates), "duplicates")
	b.ReportMetric(float64(failed.Load()), "failed-writes")
	b.ReportMetric(writesDone.Seconds(), "writes-s")
	b.ReportMetric(toLast.Seconds(), "last-POST-s")
	b.ReportMetric(float64(n)/writesDone.Seconds(), "writes/s")
	b.ReportMetric(float64(res.unique)/toLast.Seconds(), "POST/s")
	b.ReportMetric(msf(res.pct(50)), "p50-ms")
	b.ReportMetric(msf(res.pct(99)), "p99-ms")
	b.ReportMetric(msf(res.max()), "max-ms")
	b.ReportMetric(1000*metric.quantile(0.99), "metric-p99-ms")
	b.Logf("burst: %d creates by %d writers in %s (%.0f/s); last POST %s after the first write, %s after the last write returned; %d unique notifications (%d duplicates) for %d pools: %.0f POST/s; change-to-POST p50 %s p99 %s max %s; netweave metric p50 ~%.1f ms p99 ~%.1f ms",
		n, writers, writesDone.Round(time.Millisecond), float64(n)/writesDone.Seconds(), toLast.Round(time.Millisecond), (toLast - writesDone).Round(time.Millisecond),
		res.unique, res.duplicates, len(names), float64(res.unique)/toLast.Seconds(), res.pct(50), res.pct(99), res.max(),
		1000*metric.quantile(0.5), 1000*metric.quantile(0.99))
}

// notifyArrival is one POST as a receiver got it.
type notifyArrival struct {
	at      time.Time
	sub     int
	id      string
	name    string
	written int64 // unix ns from the description, 0 when there is none
}

// notifyCount is what a receiver knows of one tag (the first word of the description).
type notifyCount struct {
	ids    map[string]struct{}
	subs   map[int]struct{}
	unique int
	all    []notifyArrival
}

// notifyReceiver is a set of loopback webhook servers that log every POST by tag.
type notifyReceiver struct {
	servers []*httptest.Server
	poke    chan struct{}

	mu    sync.Mutex
	byTag map[string]*notifyCount
}

func newNotifyReceiver(b *testing.B, n int) *notifyReceiver {
	r := &notifyReceiver{poke: make(chan struct{}, 1), byTag: map[string]*notifyCount{}}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		at := time.Now()
		raw, err := io.ReadAll(req.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var body struct {
			Post  map[string]any `json:"postObjectState"`
			Prior map[string]any `json:"priorObjectState"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		state := body.Post
		if state == nil {
			state = body.Prior
		}
		desc, _ := state["description"].(string)
		name, _ := state["name"].(string)
		tag, stamp, _ := strings.Cut(desc, " ")
		written, _ := strconv.ParseInt(stamp, 10, 64)
		sub, _ := strconv.Atoi(strings.TrimPrefix(req.URL.Path, "/s/"))
		r.add(tag, notifyArrival{at: at, sub: sub, id: req.Header.Get(notify.HeaderNotificationID), name: name, written: written})
		w.WriteHeader(http.StatusNoContent)
	})
	for range n {
		srv := httptest.NewServer(h)
		b.Cleanup(srv.Close)
		r.servers = append(r.servers, srv)
	}
	return r
}

func (r *notifyReceiver) callback(sub int) string {
	return r.servers[sub%len(r.servers)].URL + "/s/" + strconv.Itoa(sub)
}

func (r *notifyReceiver) add(tag string, a notifyArrival) {
	r.mu.Lock()
	c := r.byTag[tag]
	if c == nil {
		c = &notifyCount{ids: map[string]struct{}{}, subs: map[int]struct{}{}}
		r.byTag[tag] = c
	}
	if _, dup := c.ids[a.id]; !dup {
		c.ids[a.id] = struct{}{}
		c.unique++
	}
	c.subs[a.sub] = struct{}{}
	c.all = append(c.all, a)
	r.mu.Unlock()
	select {
	case r.poke <- struct{}{}:
	default:
	}
}

// wait reports whether cond holds for tag before deadline; it re-checks on every arrival.
func (r *notifyReceiver) wait(deadline time.Time, cond func(*notifyCount) bool, tag string) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		r.mu.Lock()
		c := r.byTag[tag]
		ok := c != nil && cond(c)
		r.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-r.poke:
		case <-t.C:
			return false
		}
	}
}

func (r *notifyReceiver) tagged(tag string) []notifyArrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.byTag[tag]; c != nil {
		return slices.Clone(c.all)
	}
	return nil
}

// notifySummary holds the change-to-POST latencies of the first arrival of every notification.
type notifySummary struct {
	latencies     []time.Duration
	lastPerChange []time.Duration
	unique        int
	duplicates    int
}

func summarize(arrivals []notifyArrival) notifySummary {
	var s notifySummary
	seen := map[string]bool{}
	last := map[int64]time.Time{}
	for _, a := range arrivals {
		if seen[a.id] {
			s.duplicates++
			continue
		}
		seen[a.id] = true
		s.unique++
		if a.written == 0 {
			continue
		}
		s.latencies = append(s.latencies, a.at.Sub(time.Unix(0, a.written)))
		if a.at.After(last[a.written]) {
			last[a.written] = a.at
		}
	}
	for w, at := range last {
		s.lastPerChange = append(s.lastPerChange, at.Sub(time.Unix(0, w)))
	}
	slices.Sort(s.latencies)
	slices.Sort(s.lastPerChange)
	return s
}

func (s notifySummary) pct(p float64) time.Duration { return durPct(s.latencies, p) }
func (s notifySummary) max() time.Duration          { return durPct(s.latencies, 100) }

// durPct is the exact p-th percentile of sorted durations (nearest rank).
func durPct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	if !slices.IsSorted(sorted) {
		sorted = slices.Clone(sorted)
		slices.Sort(sorted)
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// notifyHistogram is netweave_notifier_change_to_post_seconds as /metrics shows it.
type notifyHistogram struct {
	bounds []float64 // upper bounds, ascending, +Inf last
	counts []float64 // cumulative
	count  float64
}

const notifyMetric = "netweave_notifier_change_to_post_seconds"

// scrape reads the notifier's latency histogram from netweave's /metrics.
func (e *notifyEnv) scrape(b *testing.B) notifyHistogram {
	req, err := http.NewRequest(http.MethodGet, "https://127.0.0.1:"+strconv.Itoa(e.s.port)+"/metrics", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := e.metrics.Do(req)
	if err != nil {
		b.Fatalf("scrape /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("scrape /metrics: %s", resp.Status)
	}
	var h notifyHistogram
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, notifyMetric+`_bucket{le="`)
		if !ok {
			continue
		}
		le, value, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		bound, err1 := strconv.ParseFloat(le, 64)
		v, err2 := strconv.ParseFloat(value, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		h.bounds, h.counts = append(h.bounds, bound), append(h.counts, v)
	}
	if err := sc.Err(); err != nil {
		b.Fatalf("scrape /metrics: %v", err)
	}
	if n := len(h.counts); n > 0 {
		h.count = h.counts[n-1]
	}
	return h
}

// sub is the histogram of the observations between before and h.
func (h notifyHistogram) sub(before notifyHistogram) notifyHistogram {
	out := notifyHistogram{bounds: h.bounds, counts: slices.Clone(h.counts), count: h.count - before.count}
	if len(before.counts) == len(h.counts) {
		for i := range out.counts {
			out.counts[i] -= before.counts[i]
		}
	}
	return out
}

// quantile interpolates linearly within the bucket, as Prometheus' histogram_quantile does.
func (h notifyHistogram) quantile(q float64) float64 {
	if h.count == 0 || len(h.bounds) == 0 {
		return 0
	}
	rank := q * h.count
	lower, prev := 0.0, 0.0
	for i, c := range h.counts {
		if c >= rank {
			if math.IsInf(h.bounds[i], 1) {
				return lower
			}
			if c == prev {
				return h.bounds[i]
			}
			return lower + (h.bounds[i]-lower)*(rank-prev)/(c-prev)
		}
		lower, prev = h.bounds[i], c
	}
	return lower
}

// profile, when envNotifyProfile names a directory, records a CPU profile of netweave for d
// (at most 60 s) into <dir>/<name>.pprof; the returned function waits for it.
func (e *notifyEnv) profile(b *testing.B, name string, d time.Duration) func() {
	dir := os.Getenv(envNotifyProfile)
	if dir == "" {
		return func() {}
	}
	seconds := int(min(max(d, time.Second), time.Minute) / time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		url := "https://127.0.0.1:" + strconv.Itoa(e.s.port) + "/debug/pprof/profile?seconds=" + strconv.Itoa(seconds)
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			b.Error(err)
			return
		}
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := e.metrics.Do(req)
		if err != nil {
			b.Errorf("profile %s: %v", name, err)
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Errorf("profile %s: %s %v", name, resp.Status, err)
			return
		}
		if err := os.WriteFile(filepath.Join(dir, name+".pprof"), data, 0o644); err != nil {
			b.Error(err)
		}
	}()
	return func() { <-done }
}
