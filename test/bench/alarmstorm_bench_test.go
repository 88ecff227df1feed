package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
	"github.com/netweave-io/netweave/test/bench/load"
)

// Knobs of BenchmarkAlarmStorm: go test ... ./test/bench/ -args -storm-alerts=2000 ...
var (
	stormAlerts = flag.Int("storm-alerts", 10_000, "BenchmarkAlarmStorm: distinct alerts fired")
	stormBatch  = flag.Int("storm-batch", 500, "BenchmarkAlarmStorm: alerts per POST to Alertmanager")
	stormSubs   = flag.Int("storm-subs", 100, "BenchmarkAlarmStorm: AlarmSubscriptions, each receiving every alarm")
	stormNodes  = flag.Int("storm-nodes", 50, "BenchmarkAlarmStorm: Nodes (Resources) the node alerts are spread over")
	stormWait   = flag.Duration("storm-group-wait", time.Second, "BenchmarkAlarmStorm: Alertmanager group_wait and group_interval")
)

// envStormHold, set to a duration (at most 2h), keeps the stack with its 10,000 alarms up after
// the run for o2load and pprof, as O2BENCH_HOLD does for BenchmarkO2.
const envStormHold = "STORMBENCH_HOLD"

const (
	stormNS      = "o2ims-system" // the inventory namespace: where the sync puts Resources and alarms
	stormTimeout = 15 * time.Minute
	// stormSeverityFilter selects the MINOR alarms (every 4th alert).
	stormSeverityFilter = "(eq,perceivedSeverity,2)"
)

// BenchmarkAlarmStorm fires a storm of distinct alerts into a real Alertmanager whose webhook
// goes to netweave (inventory sync, notifier and resync on), with every alert its own group
// (group_by: ...), and measures: the time until every alert is an AlarmEventRecord (a watch
// through kube-apiserver sees it), alert-to-notification latency from the POST of the alert's
// batch to Alertmanager to the arrival of its NEW at each of the AlarmSubscriptions, then
// O2 REST lists of all alarms, filtered by severity and by an extension, against the bare
// net/http ceiling, and netweave's RSS. One iteration is the whole run: -benchtime 1x.
func BenchmarkAlarmStorm(b *testing.B) {
	n := *stormAlerts
	ctx, cancel := context.WithTimeout(context.Background(), stormTimeout)
	defer cancel()
	amPort, err := localstack.FreePort()
	if err != nil {
		b.Fatal(err)
	}
	s := startStack(b, append(slices.Clone(notifyArgs),
		"--inventory-sync=true", "--inventory-leader-identity=bench", "--o2ims-page-size=20000",
		fmt.Sprintf("--alertmanager-url=http://127.0.0.1:%d", amPort))...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	cfg.QPS, cfg.Burst = -1, 0
	kube := kubernetes.NewForConfigOrDie(cfg)
	o2 := versioned.NewForConfigOrDie(cfg)

	// The alerts name real nodes: their Resources must exist before the storm.
	seen := newResourceWatch(b, ctx, o2, *stormNodes)
	createNodes(b, ctx, kube, *stormNodes, 8)
	if _, err := seen.wait(ctx); err != nil {
		b.Fatal(err)
	}
	storm := localstack.AlertStorm{Name: "StormBench", N: n, StartsAt: time.Now().Add(-time.Minute).UTC().Truncate(time.Second)}
	for i := range *stormNodes {
		storm.Nodes = append(storm.Nodes, fmt.Sprintf("bench-node-%05d", i))
	}

	if _, err := kube.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "carol-sends-alerts"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "o2ims-alert-sender"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: localstack.Carol}},
	}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	caFile := filepath.Join(b.TempDir(), "o2-ca.crt")
	if err := os.WriteFile(caFile, s.cp.Serving.CABundle, 0o600); err != nil {
		b.Fatal(err)
	}
	am := stacktest.StartAlertmanager(b, localstack.AlertmanagerOptions{
		Port: amPort, WebhookURL: s.o2Base() + alertmanager.WebhookPath,
		BearerToken: s.cp.RESTConfig(localstack.Carol).BearerToken, CAFile: caFile,
		GroupWait: *stormWait, GroupInterval: *stormWait,
	})

	recv := newAlarmReceiver(b, n, *stormSubs, *notifyReceivers)
	for i := range *stormSubs {
		_, err := o2.O2imsV1alpha1().AlarmSubscriptions(stormNS).Create(ctx, &v1alpha1.AlarmSubscription{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("storm-%03d", i)},
			Spec:       v1alpha1.AlarmSubscriptionSpec{Callback: recv.callback(i), ConsumerSubscriptionID: uuidFor(8, i)},
		}, metav1.CreateOptions{})
		if err != nil {
			b.Fatalf("create alarm subscription %d: %v", i, err)
		}
	}
	probeUntilSubscribed(b, ctx, o2, recv)

	records := newAlarmWatch(b, ctx, o2, n)
	rssBefore, _ := procStatus(s.netweave.Pid(), "VmRSS")
	posted := make([]int64, n) // unix ns of the POST of alert i's batch
	b.ResetTimer()
	start := time.Now()
	if err := storm.Fire(ctx, am, 0, n, *stormBatch, func(from, to int, sent time.Time) {
		for i := from; i < to; i++ {
			posted[i] = sent.UnixNano()
		}
	}); err != nil {
		b.Fatal(err)
	}
	fired := time.Since(start)
	lastRecord, err := records.wait(ctx)
	if err != nil {
		b.Fatalf("%v after %s", err, time.Since(start).Round(time.Millisecond))
	}
	if !recv.wait(time.Now().Add(stormTimeout/2), n**stormSubs) {
		b.Errorf("%d of %d NEW notifications arrived", recv.unique.Load(), n**stormSubs)
	}
	b.StopTimer()
	lat := recv.latencies(posted)
	toRecords := lastRecord.Sub(start)
	b.ReportMetric(fired.Seconds(), "s-fire")
	b.ReportMetric(toRecords.Seconds(), "s-to-all-records")
	b.ReportMetric(float64(n)/toRecords.Seconds(), "records/s")
	b.ReportMetric(lat.lastArrival.Sub(start).Seconds(), "s-to-all-notifications")
	b.ReportMetric(float64(recv.unique.Load()), "notifications")
	b.ReportMetric(float64(recv.dups.Load()), "duplicates")
	b.ReportMetric(msf(durPct(lat.all, 50)), "p50-ms")
	b.ReportMetric(msf(durPct(lat.all, 99)), "p99-ms")
	b.ReportMetric(msf(durPct(lat.first, 50)), "first-sub-p50-ms")
	b.ReportMetric(msf(durPct(lat.first, 99)), "first-sub-p99-ms")
	b.ReportMetric(msf(durPct(lat.last, 50)), "all-subs-p50-ms")
	b.ReportMetric(msf(durPct(lat.last, 99)), "all-subs-p99-ms")
	b.Logf("storm: %d alerts in batches of %d POSTed to Alertmanager (group_wait=group_interval=%s, one group per alert) in %s; all %d AlarmEventRecords %s after the first POST (%.0f/s); %d of %d NEW notifications (%d redelivered) to %d subscriptions, the last %s after the first POST; alert-to-notification p50 %s p99 %s max %s (first subscription p50 %s p99 %s; all %d p50 %s p99 %s)",
		n, *stormBatch, *stormWait, fired.Round(time.Millisecond), n, toRecords.Round(time.Millisecond), float64(n)/toRecords.Seconds(),
		recv.unique.Load(), n**stormSubs, recv.dups.Load(), *stormSubs, lat.lastArrival.Sub(start).Round(time.Millisecond),
		durPct(lat.all, 50), durPct(lat.all, 99), durPct(lat.all, 100), durPct(lat.first, 50), durPct(lat.first, 99),
		*stormSubs, durPct(lat.last, 50), durPct(lat.last, 99))

	rss, err := procStatus(s.netweave.Pid(), "VmRSS")
	if err != nil {
		b.Fatal(err)
	}
	hwm, _ := procStatus(s.netweave.Pid(), "VmHWM")
	b.ReportMetric(float64(rss)/1024, "MiB-rss")
	b.ReportMetric(float64(hwm)/1024, "MiB-peak-rss")
	b.Logf("netweave RSS %d MiB before the storm, %d MiB after, peak %d MiB", rssBefore/1024, rss/1024, hwm/1024)

	stormLists(b, s, n)
}

// stormLists measures O2 lists of the storm's alarms next to the bare net/http ceiling, as
// BenchmarkO2 does (or holds the stack for o2load and pprof when envStormHold is set).
func stormLists(b *testing.B, s *stack, n int) {
	token := s.cp.RESTConfig(localstack.Admin).BearerToken
	const alarms = "/o2ims-infrastructureMonitoring/v1/alarms"
	cases := []benchCase{
		{name: "list-all", paths: []string{alarms}, concurrency: []int{1, 4}},
		{name: "list-severity", paths: []string{alarms + "?filter=" + url.QueryEscape(stormSeverityFilter)}, concurrency: []int{1, 4}},
		{name: "list-extension", paths: []string{alarms + "?filter=" + url.QueryEscape("(eq,extensions/"+localstack.StormBucketLabel+",07)")}, concurrency: []int{1, 4}},
	}
	want := []int{n + 1, // and one probe alarm that is still active
		countStorm(n, func(i int) bool { return i%len(localstack.StormSeverities) == 2 }),
		countStorm(n, func(i int) bool { return i%localstack.StormBuckets == 7 })}
	client := load.NewClient(s.tlsConfig(b), 1, false, time.Minute)
	defer client.Close()
	for i, c := range cases {
		body, status, err := client.Get(context.Background(), s.o2Base()+c.paths[0], token)
		if err != nil || status != http.StatusOK {
			b.Fatalf("GET %s: %d %v %.300s", c.paths[0], status, err, body)
		}
		got := strings.Count(string(body), `"alarmEventRecordId"`)
		if got < want[i] {
			b.Errorf("GET %s: %d alarms, want at least %d", c.paths[0], got, want[i])
		}
		b.Logf("%s: %d alarms, %d bytes", c.name, got, len(body))
	}
	ceilingBase, _ := startCeiling(b, s, token, cases)
	if hold := os.Getenv(envStormHold); hold != "" {
		holdStack(b, s, callers{admin: token}, cases, ceilingBase, "", hold)
		return
	}
	measureCases(b, s, callers{admin: token}, cases, ceilingBase, "")
}

func countStorm(n int, pick func(int) bool) int {
	c := 0
	for i := range n {
		if pick(i) {
			c++
		}
	}
	return c
}

// probeUntilSubscribed raises probe alarms (as an operator's tool could) until every
// subscription received one: the notifier's workers run and know every subscription.
func probeUntilSubscribed(b *testing.B, ctx context.Context, o2 versioned.Interface, recv *alarmReceiver) {
	deadline := time.Now().Add(notifyTimeout)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		now := metav1.Now()
		name := fmt.Sprintf("probe-%d", attempt)
		if _, err := o2.O2imsV1alpha1().AlarmEventRecords(stormNS).Create(ctx, &v1alpha1.AlarmEventRecord{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: v1alpha1.AlarmEventRecordSpec{Source: v1alpha1.AlarmSource{Name: "bench", Key: name},
				ObjectClass: "OCloud", ObjectID: uuidFor(3, 0), AlarmName: "CLUSTER_MINOR"},
			Status: v1alpha1.AlarmEventRecordStatus{PerceivedSeverity: v1alpha1.PerceivedSeverityWarning, AlarmRaisedTime: &now, Text: name},
		}, metav1.CreateOptions{}); err != nil {
			b.Fatalf("raise %s: %v", name, err)
		}
		if recv.waitProbes(time.Now().Add(min(time.Duration(attempt+1)*2*time.Second, time.Until(deadline)))) {
			return
		}
	}
	b.Fatalf("not every subscription received a probe alarm within %s", notifyTimeout)
}

// alarmReceiver is a set of loopback webhook servers that keep the first arrival of every
// storm alarm's NEW at every subscription.
type alarmReceiver struct {
	servers []*httptest.Server
	subs    int
	// first[i*subs+sub] is the unix ns of the first NEW about storm alert i at sub.
	first  []atomic.Int64
	unique atomic.Int64
	dups   atomic.Int64
	poke   chan struct{}

	mu     sync.Mutex
	probed map[int]bool
}

func newAlarmReceiver(b *testing.B, n, subs, servers int) *alarmReceiver {
	r := &alarmReceiver{subs: subs, first: make([]atomic.Int64, n*subs), poke: make(chan struct{}, 1), probed: map[int]bool{}}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		at := time.Now().UnixNano()
		raw, err := io.ReadAll(req.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var body struct {
			Event      int               `json:"notificationEventType"`
			Extensions map[string]string `json:"extensions"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		sub, _ := strconv.Atoi(strings.TrimPrefix(req.URL.Path, "/s/"))
		w.WriteHeader(http.StatusNoContent)
		idx, ok := body.Extensions[localstack.StormIndexLabel]
		if !ok {
			r.mu.Lock()
			r.probed[sub] = true
			r.mu.Unlock()
			r.signal()
			return
		}
		i, err := strconv.Atoi(idx)
		if err != nil || body.Event != 0 || i < 0 || i >= n || sub < 0 || sub >= subs {
			return
		}
		if r.first[i*subs+sub].CompareAndSwap(0, at) {
			r.unique.Add(1)
			r.signal()
		} else {
			r.dups.Add(1)
		}
	})
	for range servers {
		srv := httptest.NewServer(h)
		b.Cleanup(srv.Close)
		r.servers = append(r.servers, srv)
	}
	return r
}

func (r *alarmReceiver) callback(sub int) string {
	return r.servers[sub%len(r.servers)].URL + "/s/" + strconv.Itoa(sub)
}

func (r *alarmReceiver) signal() {
	select {
	case r.poke <- struct{}{}:
	default:
	}
}

func (r *alarmReceiver) waitProbes(deadline time.Time) bool {
	return r.waitFor(deadline, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.probed) >= r.subs
	})
}

// wait reports whether want distinct NEWs arrived before deadline.
func (r *alarmReceiver) wait(deadline time.Time, want int) bool {
	return r.waitFor(deadline, func() bool { return r.unique.Load() >= int64(want) })
}

func (r *alarmReceiver) waitFor(deadline time.Time, cond func() bool) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for !cond() {
		select {
		case <-r.poke:
		case <-t.C:
			return cond()
		}
	}
	return true
}

// stormLatencies are alert-to-notification latencies: all, of every (alarm, subscription) pair;
// first, per alarm until its first subscription had it; last, until all had it.
type stormLatencies struct {
	all, first, last []time.Duration
	lastArrival      time.Time
}

func (r *alarmReceiver) latencies(posted []int64) stormLatencies {
	var l stormLatencies
	var lastNs int64
	for i, p := range posted {
		var lo, hi int64
		for sub := range r.subs {
			at := r.first[i*r.subs+sub].Load()
			if at == 0 {
				continue
			}
			l.all = append(l.all, time.Duration(at-p))
			if lo == 0 || at < lo {
				lo = at
			}
			hi = max(hi, at)
		}
		if lo != 0 {
			l.first = append(l.first, time.Duration(lo-p))
			l.last = append(l.last, time.Duration(hi-p))
		}
		lastNs = max(lastNs, hi)
	}
	slices.Sort(l.all)
	slices.Sort(l.first)
	slices.Sort(l.last)
	l.lastArrival = time.Unix(0, lastNs)
	return l
}

// alarmWatch sees the storm's AlarmEventRecords appear through kube-apiserver.
type alarmWatch struct {
	want int
	done chan time.Time
	err  chan error
}

func newAlarmWatch(b *testing.B, ctx context.Context, o2 versioned.Interface, want int) *alarmWatch {
	w := &alarmWatch{want: want, done: make(chan time.Time, 1), err: make(chan error, 1)}
	opts := metav1.ListOptions{FieldSelector: "spec.source.name=" + alertmanager.SourceName}
	list, err := o2.O2imsV1alpha1().AlarmEventRecords(stormNS).List(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	opts.ResourceVersion = list.ResourceVersion
	watcher, err := o2.O2imsV1alpha1().AlarmEventRecords(stormNS).Watch(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		defer watcher.Stop()
		names := map[string]bool{}
		for ev := range watcher.ResultChan() {
			if ev.Type == watch.Error {
				w.err <- fmt.Errorf("alarm watch: %v", ev.Object)
				return
			}
			if a, ok := ev.Object.(*v1alpha1.AlarmEventRecord); ok && ev.Type == watch.Added {
				names[a.Name] = true
				if len(names) == w.want {
					w.done <- time.Now()
					return
				}
			}
		}
		w.err <- fmt.Errorf("alarm watch closed after %d of %d alarms", len(names), w.want)
	}()
	return w
}

func (w *alarmWatch) wait(ctx context.Context) (time.Time, error) {
	select {
	case t := <-w.done:
		return t, nil
	case err := <-w.err:
		return time.Time{}, err
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("alarm watch: %w", ctx.Err())
	}
}
