package bench

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	dmsv1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
)

// envNfBurst overrides how many NfDeployments BenchmarkNfDeploy creates at once (default 100).
const envNfBurst = "NF_BENCH_BURST"

// nfObjects is the chart size measured: demo-nf renders a ConfigMap and a Deployment, plus
// extraConfigMaps.
const nfObjects = 10

// BenchmarkNfDeploy measures the O2-DMS controller (issue 13) on the real stack: netweave with
// the controller (no readiness wait: the clusters have no kubelets), a member cluster as the
// target, the local chart repository serving demo-nf. First, five NfDeployments of a 10-object
// chart one after the other: the time from the create to status.phase DEPLOYED, as a watch
// through the aggregator sees it. Then N (default 100) created at once by 16 writers: the time
// until all are DEPLOYED, and netweave's RSS. One iteration is the whole run: -benchtime 1x.
//
//	make build
//	go test -run '^$' -bench BenchmarkNfDeploy -benchtime 1x -timeout 20m -v ./test/bench/
func BenchmarkNfDeploy(b *testing.B) {
	burst := envCount(b, envNfBurst, 100)
	const ns = "nf-bench"
	s := startStack(b, "--inventory-sync=true", "--inventory-leader-identity=bench", "--inventory-member-probe-interval=1s",
		"--o2dms-controller", "--o2dms-wait=false", "--o2dms-chart-allowed-cidrs=127.0.0.0/8")
	cfg := s.cp.RESTConfig(localstack.Admin)
	cfg.QPS, cfg.Burst = -1, 0
	o2 := versioned.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	charts, err := localstack.StartChartRepo(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = charts.Stop() })
	member := stacktest.StartControlPlane(b, localstack.Options{})
	for _, c := range []*localstack.ControlPlane{s.cp, member} {
		if _, err := kubernetes.NewForConfigOrDie(c.RESTConfig(localstack.Admin)).CoreV1().Namespaces().Create(ctx,
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := localstack.RegisterMember(ctx, s.cp, "o2ims-system", "edge-1", member); err != nil {
		b.Fatal(err)
	}
	var dmID string
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		dm, err := o2.O2imsV1alpha1().DeploymentManagers("o2ims-system").Get(ctx, "edge-1", metav1.GetOptions{})
		if err != nil || dm.Status.OperationalState != v1alpha1.OperationalStateEnabled {
			return false, nil
		}
		dmID = dm.Spec.DeploymentManagerID
		return true, nil
	}); err != nil {
		b.Fatalf("the member's deployment manager did not appear: %v", err)
	}
	desc := &dmsv1.NfDeploymentDescriptor{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "o2ims-system"},
		Spec: dmsv1.NfDeploymentDescriptorSpec{Version: localstack.DemoChartVersions[0],
			Chart: dmsv1.ChartSource{Repository: &dmsv1.RepositoryChartSource{URL: charts.URL, Name: localstack.DemoChartName}}}}
	if _, err := o2.O2dmsV1alpha1().NfDeploymentDescriptors("o2ims-system").Create(ctx, desc, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	nfds := o2.O2dmsV1alpha1().NfDeployments(ns)
	create := func(name string) error {
		_, err := nfds.Create(ctx, &dmsv1.NfDeployment{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: dmsv1.NfDeploymentSpec{DescriptorRef: dmsv1.DescriptorReference{Name: "demo", Namespace: "o2ims-system"},
				DeploymentManagerID: dmID, Values: &dmsv1.JSON{Raw: fmt.Appendf(nil, `{"extraConfigMaps":%d}`, nfObjects-2)}}}, metav1.CreateOptions{})
		return err
	}
	rssBefore, _ := procStatus(s.netweave.Pid(), "VmRSS")

	b.ResetTimer()
	for range b.N {
		var single []time.Duration
		for i := range 5 {
			w := newDeployedWatch(b, ctx, o2, ns, 1)
			start := time.Now()
			if err := create(fmt.Sprintf("single-%d", i)); err != nil {
				b.Fatal(err)
			}
			last, err := w.wait(ctx)
			if err != nil {
				b.Fatal(err)
			}
			single = append(single, last.Sub(start))
		}
		sort.Slice(single, func(i, j int) bool { return single[i] < single[j] })
		b.ReportMetric(single[len(single)/2].Seconds(), "s-apply-to-deployed-p50")
		b.ReportMetric(single[len(single)-1].Seconds(), "s-apply-to-deployed-max")
		b.Logf("%d-object chart, create to DEPLOYED, 5 one after the other: %v", nfObjects, single)

		w := newDeployedWatch(b, ctx, o2, ns, burst)
		start := time.Now()
		parallel(b, 16, burst, func(n int) error { return create(fmt.Sprintf("burst-%03d", n)) })
		created := time.Since(start)
		last, err := w.wait(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(last.Sub(start).Seconds(), "s-burst-to-all-deployed")
		b.Logf("%d NfDeployments (%d objects each) created in %s; all DEPLOYED %s after the first create",
			burst, nfObjects, created.Round(time.Millisecond), last.Sub(start).Round(time.Millisecond))
	}
	b.StopTimer()
	rss, err := procStatus(s.netweave.Pid(), "VmRSS")
	if err != nil {
		b.Fatal(err)
	}
	hwm, _ := procStatus(s.netweave.Pid(), "VmHWM")
	b.ReportMetric(float64(rss)/1024, "MiB-rss")
	b.ReportMetric(float64(hwm)/1024, "MiB-peak-rss")
	b.Logf("netweave RSS %d MiB before, %d MiB after, peak %d MiB", rssBefore/1024, rss/1024, hwm/1024)
}

// deployedWatch records when want NfDeployments of a namespace, not DEPLOYED when it
// started, have been seen DEPLOYED.
type deployedWatch struct {
	want int
	seen map[string]bool
	last time.Time
	done chan struct{}
	err  error
}

func newDeployedWatch(b *testing.B, ctx context.Context, o2 versioned.Interface, ns string, want int) *deployedWatch {
	b.Helper()
	list, err := o2.O2dmsV1alpha1().NfDeployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	w := &deployedWatch{want: want, seen: map[string]bool{}, done: make(chan struct{})}
	for _, d := range list.Items {
		if d.Status.Phase == dmsv1.NfDeploymentDeployed {
			w.seen[d.Name] = false // deployed before: not counted
		}
	}
	wi, err := o2.O2dmsV1alpha1().NfDeployments(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		defer close(w.done)
		defer wi.Stop()
		counted := 0
		for ev := range wi.ResultChan() {
			d, ok := ev.Object.(*dmsv1.NfDeployment)
			if !ok || ev.Type == watch.Deleted || d.Status.Phase != dmsv1.NfDeploymentDeployed {
				continue
			}
			if _, dup := w.seen[d.Name]; dup {
				continue
			}
			w.seen[d.Name], w.last = true, time.Now()
			if counted++; counted >= want {
				return
			}
		}
		w.err = fmt.Errorf("watch ended after %d of %d DEPLOYED", counted, want)
	}()
	return w
}

func (w *deployedWatch) wait(ctx context.Context) (time.Time, error) {
	select {
	case <-w.done:
		return w.last, w.err
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
}
