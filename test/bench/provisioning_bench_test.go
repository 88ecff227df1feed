package bench

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
	"github.com/netweave-io/netweave/pkg/provisioning/controller"
)

// envProvBurst overrides how many ProvisioningRequests BenchmarkProvisioning creates at once
// (default 100).
const envProvBurst = "PROV_BENCH_BURST"

// BenchmarkProvisioning measures the provisioning controller (issue 14) on the real stack:
// netweave with the template sync and the provisioning controller, the Cluster API CRDs and
// the demo ClusterClass installed (no Cluster API controllers run; the benchmark plays their
// part). N (default 100) ProvisioningRequests are created at once by 16 writers through the
// aggregator; measured: the time until every request's Cluster exists (a watch on Clusters).
// Then each Cluster's InfrastructureReady condition is set True, 16 at a time, and for each
// the time from sending that status write to the request's InfrastructureReady condition
// turning True as a watch on requests through the aggregator sees it: how closely the
// requests' statuses track their Clusters. Also netweave's RSS. -benchtime 1x.
//
//	make build
//	go test -run '^$' -bench BenchmarkProvisioning -benchtime 1x -timeout 20m -v ./test/bench/
func BenchmarkProvisioning(b *testing.B) {
	burst := envCount(b, envProvBurst, 100)
	const ns = "o2ims-system"
	s := startStack(b, append([]string{"--inventory-sync=true", "--inventory-leader-identity=bench"}, localstack.ProvisioningArgs(nil)...)...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	cfg.QPS, cfg.Burst = -1, 0
	o2 := versioned.NewForConfigOrDie(cfg)
	dyn := dynamic.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := s.cp.SetUpProvisioning(ctx, ns, nil); err != nil {
		b.Fatal(err)
	}
	version := localstack.DemoClusterClassVersions[0]
	template := localstack.DemoClusterClass + "." + version
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := o2.O2imsV1alpha1().ManagedInfrastructureTemplates(ns).Get(ctx, template, metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		b.Fatalf("the template sync did not write %s: %v", template, err)
	}
	rssBefore, _ := procStatus(s.netweave.Pid(), "VmRSS")

	// Every Cluster the controller creates, by the request it was created for.
	clusters := dyn.Resource(clusterapi.Clusters).Namespace(ns)
	cw, err := clusters.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer cw.Stop()
	ids := make([]string, burst)
	for i := range ids {
		ids[i] = string(uuid.NewUUID())
	}
	start := time.Now()
	parallel(b, 16, burst, func(i int) error {
		_, err := o2.O2imsV1alpha1().ProvisioningRequests(ns).Create(ctx, &v1alpha1.ProvisioningRequest{
			Spec: v1alpha1.ProvisioningRequestSpec{ProvisioningRequestID: ids[i], Name: fmt.Sprintf("bench-%d", i),
				TemplateName: localstack.DemoClusterClass, TemplateVersion: version,
				TemplateParameters: &v1alpha1.JSON{Raw: []byte(`{"region":"eu-1","workers":3}`)}},
		}, metav1.CreateOptions{})
		return err
	})
	created := time.Since(start)
	names := map[string]bool{}
	for len(names) < burst {
		select {
		case ev, ok := <-cw.ResultChan():
			if !ok {
				b.Fatal("the Cluster watch ended")
			}
			if u, isU := ev.Object.(*unstructured.Unstructured); isU && ev.Type == watch.Added {
				names[u.GetName()] = true
			}
		case <-ctx.Done():
			b.Fatalf("%d of %d Clusters after %s", len(names), burst, time.Since(start))
		}
	}
	allClusters := time.Since(start)

	// Then every request's status, tracking its Cluster's InfrastructureReady.
	byCluster := map[string]string{}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		l, err := o2.O2imsV1alpha1().ProvisioningRequests(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, r := range l.Items {
			if r.Status.ClusterRef != nil {
				byCluster[r.Status.ClusterRef.Name] = r.Name
			}
		}
		return len(byCluster) == burst, nil
	}); err != nil {
		b.Fatalf("%d of %d requests name their Cluster: %v", len(byCluster), burst, err)
	}
	list, err := o2.O2imsV1alpha1().ProvisioningRequests(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	rw, err := o2.O2imsV1alpha1().ProvisioningRequests(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		b.Fatal(err)
	}
	defer rw.Stop()
	var mu sync.Mutex
	written := map[string]time.Time{}
	tracked := make(chan time.Duration, burst)
	go func() {
		seen := map[string]bool{}
		for ev := range rw.ResultChan() {
			r, ok := ev.Object.(*v1alpha1.ProvisioningRequest)
			if !ok || seen[r.Name] || !meta.IsStatusConditionTrue(r.Status.Conditions, controller.ConditionInfrastructureReady) {
				continue
			}
			seen[r.Name] = true
			mu.Lock()
			at := written[r.Name]
			mu.Unlock()
			tracked <- time.Since(at)
		}
	}()
	clusterNames := make([]string, 0, burst)
	for name := range byCluster {
		clusterNames = append(clusterNames, name)
	}
	sort.Strings(clusterNames)
	parallel(b, 16, burst, func(i int) error {
		name := clusterNames[i]
		u, err := clusters.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		c, err := clusterapi.ClusterFrom(u)
		if err != nil {
			return err
		}
		meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: clusterv1.ClusterInfrastructureReadyCondition, Status: metav1.ConditionTrue,
			Reason: "Ready", ObservedGeneration: c.Generation, LastTransitionTime: metav1.Now()})
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(c)
		if err != nil {
			return err
		}
		out := &unstructured.Unstructured{Object: content}
		out.SetAPIVersion(clusterv1.GroupVersion.String())
		out.SetKind(clusterv1.ClusterKind)
		// The clock starts when the write is sent (so it is set before any event can arrive):
		// the lag includes the Cluster write's own round trip through kube-apiserver.
		mu.Lock()
		written[byCluster[name]] = time.Now()
		mu.Unlock()
		_, err = clusters.UpdateStatus(ctx, out, metav1.UpdateOptions{})
		return err
	})
	var lags []time.Duration
	for len(lags) < burst {
		select {
		case d := <-tracked:
			lags = append(lags, d)
		case <-ctx.Done():
			b.Fatalf("%d of %d requests tracked their Cluster", len(lags), burst)
		}
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	rssAfter, _ := procStatus(s.netweave.Pid(), "VmRSS")
	pct := func(p float64) time.Duration { return lags[int(p*float64(len(lags)-1))] }
	b.ReportMetric(created.Seconds(), "create-s")
	b.ReportMetric(allClusters.Seconds(), "all-clusters-s")
	b.ReportMetric(float64(pct(0.5).Milliseconds()), "track-p50-ms")
	b.ReportMetric(float64(pct(0.99).Milliseconds()), "track-p99-ms")
	b.ReportMetric(float64(lags[len(lags)-1].Milliseconds()), "track-max-ms")
	b.Logf("%d requests: created in %s, every Cluster exists after %s; status tracks InfrastructureReady p50 %s p99 %s max %s; netweave RSS %d → %d MiB",
		burst, created.Round(time.Millisecond), allClusters.Round(time.Millisecond), pct(0.5).Round(time.Millisecond),
		pct(0.99).Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond), rssBefore>>10, rssAfter>>10)
}

// parallel runs do(0..n-1) on workers goroutines and fails b on the first error.
func parallel(b *testing.B, workers, n int, do func(i int) error) {
	b.Helper()
	var (
		mu   sync.Mutex
		next int
		wg   sync.WaitGroup
	)
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				if err := do(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
