package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
)

// envMemberNodes overrides how many Nodes each member gets in BenchmarkMemberSync (default 2000).
const envMemberNodes = "MEMBER_BENCH_NODES"

// benchMembers is how many member clusters BenchmarkMemberSync registers.
const benchMembers = 3

// BenchmarkMemberSync measures the multi-cluster inventory sync (issue 12) on real control
// planes: the central stack plus three member clusters (etcd, kube-apiserver and
// kube-controller-manager each), registered as make run registers them. N Nodes (default
// 2,000) are written into every member at once; a watch on Resources through the aggregator
// sees each member Resource reach ENABLED. It reports the time from the last Node write to the
// last Resource visible, the throughput, netweave's RSS, and then the time from one member's
// kube-apiserver being killed to its DeploymentManager showing DISABLED with the default probe
// interval (5s). One iteration is the whole run: use -benchtime 1x.
//
//	make build
//	go test -run '^$' -bench BenchmarkMemberSync -benchtime 1x -timeout 30m -v ./test/bench/
func BenchmarkMemberSync(b *testing.B) {
	n := envCount(b, envMemberNodes, 2000)
	s := startStack(b, "--inventory-sync=true", "--inventory-leader-identity=bench")
	cfg := s.cp.RESTConfig(localstack.Admin)
	cfg.QPS, cfg.Burst = -1, 0
	o2 := versioned.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()

	members := make([]*localstack.ControlPlane, benchMembers)
	kubes := make([]kubernetes.Interface, benchMembers)
	for i := range members {
		members[i] = stacktest.StartControlPlane(b, localstack.Options{})
		mcfg := members[i].RESTConfig(localstack.Admin)
		mcfg.QPS, mcfg.Burst = -1, 0
		kubes[i] = kubernetes.NewForConfigOrDie(mcfg)
		if err := localstack.RegisterMember(ctx, s.cp, "o2ims-system", memberName(i), members[i]); err != nil {
			b.Fatal(err)
		}
	}
	dms := o2.O2imsV1alpha1().DeploymentManagers("o2ims-system")
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		for i := range members {
			dm, err := dms.Get(ctx, memberName(i), metav1.GetOptions{})
			if err != nil || dm.Status.OperationalState != v1alpha1.OperationalStateEnabled {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		b.Fatalf("the members' deployment managers did not appear: %v", err)
	}
	rssBefore, _ := procStatus(s.netweave.Pid(), "VmRSS")

	seen := newResourceWatch(b, ctx, o2, benchMembers*n)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		lastWrite := make([]time.Time, benchMembers)
		errs := make([]error, benchMembers)
		var wg sync.WaitGroup
		for i := range members {
			wg.Go(func() { lastWrite[i], errs[i] = writeNodes(ctx, kubes[i], n, 16) })
		}
		wg.Wait()
		var last time.Time
		for i, err := range errs {
			if err != nil {
				b.Fatalf("member %s: %v", memberName(i), err)
			}
			if lastWrite[i].After(last) {
				last = lastWrite[i]
			}
		}
		wrote := last.Sub(start)
		visible, err := seen.wait(ctx)
		if err != nil {
			b.Fatalf("after %s: %v", time.Since(start), err)
		}
		total, tail := visible.Sub(start), visible.Sub(last)
		b.ReportMetric(float64(benchMembers*n)/wrote.Seconds(), "node-writes/s")
		b.ReportMetric(tail.Seconds(), "s-last-node-to-last-resource")
		b.ReportMetric(total.Seconds(), "s-first-node-to-last-resource")
		b.ReportMetric(float64(benchMembers*n)/total.Seconds(), "resources/s")
		b.Logf("%d members x %d nodes written in %s (%.0f/s); last Resource visible %s after the last Node write, %s after the first",
			benchMembers, n, wrote.Round(time.Millisecond), float64(benchMembers*n)/wrote.Seconds(), tail.Round(time.Millisecond), total.Round(time.Millisecond))
	}
	b.StopTimer()
	rss, err := procStatus(s.netweave.Pid(), "VmRSS")
	if err != nil {
		b.Fatal(err)
	}
	hwm, _ := procStatus(s.netweave.Pid(), "VmHWM")
	b.ReportMetric(float64(rss)/1024, "MiB-rss")
	b.ReportMetric(float64(hwm)/1024, "MiB-peak-rss")
	b.Logf("netweave RSS %d MiB with the members registered and no Nodes, %d MiB after, peak %d MiB", rssBefore/1024, rss/1024, hwm/1024)

	took, err := timeToDisabled(ctx, o2, members[0], memberName(0))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(took.Seconds(), "s-unreachable-to-disabled")
	b.Logf("member %s's kube-apiserver killed; its DeploymentManager showed DISABLED %s later", memberName(0), took.Round(time.Millisecond))
}

func memberName(i int) string { return fmt.Sprintf("member-%d", i+1) }

// timeToDisabled kills member's kube-apiserver and returns how long until a watch sees the member's DeploymentManager with operationalState DISABLED.
func timeToDisabled(ctx context.Context, o2 versioned.Interface, member *localstack.ControlPlane, name string) (time.Duration, error) {
	dms := o2.O2imsV1alpha1().DeploymentManagers("o2ims-system")
	list, err := dms.List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	w, err := dms.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion, FieldSelector: "metadata.name=" + name})
	if err != nil {
		return 0, err
	}
	defer w.Stop()
	// Killed, not stopped: a graceful kube-apiserver shutdown takes seconds, during which it
	// stops answering before it exits, which would blur when the outage began.
	stopped := time.Now()
	if err := member.KubeAPIServer.Process.Kill(); err != nil {
		return 0, err
	}
	for ev := range w.ResultChan() {
		dm, ok := ev.Object.(*v1alpha1.DeploymentManager)
		if ok && ev.Type == watch.Modified && dm.Status.OperationalState == v1alpha1.OperationalStateDisabled {
			return time.Since(stopped), nil
		}
	}
	return 0, fmt.Errorf("watch of deployment manager %s ended before it showed DISABLED", name)
}
