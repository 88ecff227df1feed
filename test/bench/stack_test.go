package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"k8s.io/apimachinery/pkg/util/wait"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/test/bench/load"
	"github.com/netweave-io/netweave/test/redisserver"
)

// stack is the product on loopback, as the e2e tier runs it: etcd, kube-apiserver, Redis and
// netweave (as its own ServiceAccount under artifacts/deploy RBAC) behind its APIService.
type stack struct {
	cp       *localstack.ControlPlane
	netweave *localstack.Process
	port     int
	o2Port   int
	// bin, redisAddr and kubeconfig (netweave's ServiceAccount's) start more replicas.
	bin, redisAddr, kubeconfig string
	// redis is the stack's Redis, for benchmarks of its faults.
	redis *redisserver.Server
}

func (s *stack) o2Base() string { return localstack.O2APIRoot(s.o2Port) }

// envBinary, when set, is the netweave binary to run instead of _output/bin/netweave.
const envBinary = "NETWEAVE_BENCH_BINARY"

// startStack brings the stack up; extraArgs go to netweave's command line.
func startStack(tb testing.TB, extraArgs ...string) *stack {
	tb.Helper()
	bin, err := localstack.OutputBinary("netweave")
	if p := os.Getenv(envBinary); p != "" {
		bin, err = p, nil
	}
	if err != nil {
		tb.Fatalf("%v (run 'make bench-o2', which builds it)", err)
	}
	s := &stack{}
	s.cp = stacktest.StartControlPlane(tb, localstack.Options{})
	redis := redisserver.Start(tb)
	nw := stacktest.StartNetweave(tb, s.cp, localstack.NetweaveOptions{Binary: bin, RedisAddr: redis.Addr(), KeyPrefix: "bench", Verbosity: 1, Args: extraArgs})
	s.netweave, s.port, s.o2Port = nw.Process, nw.Port, nw.O2Port
	s.bin, s.redisAddr, s.kubeconfig, s.redis = bin, redis.Addr(), nw.Kubeconfig, redis
	return s
}

// startReplica runs one more netweave (bin) as name beside the stack's, on the same Redis and
// kube-apiserver under the same ServiceAccount, with env and extra flags; it returns the
// replica's O2 base URL. The stack's netweave keeps the leases, so the replica serves reads.
func (s *stack) startReplica(tb testing.TB, name, bin string, env []string, extra ...string) string {
	tb.Helper()
	port, err := localstack.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	o2Port, err := localstack.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	stacktest.StartProcess(tb, localstack.ProcessOptions{
		Name: name,
		Argv: s.cp.NetweaveArgv(localstack.NetweaveArgs{Binary: bin, Kubeconfig: s.kubeconfig, RedisAddr: s.redisAddr,
			KeyPrefix: "bench", Port: port, O2Port: o2Port, Verbosity: 1, Extra: extra}),
		Env:     env,
		LogPath: filepath.Join(s.cp.Dir, name+".log"),
	})
	return localstack.O2APIRoot(o2Port)
}

// tlsConfig verifies netweave's serving certificate as an SMO would.
func (s *stack) tlsConfig(tb testing.TB) *tls.Config {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.cp.Serving.CABundle) {
		tb.Fatal("serving CA bundle holds no certificates")
	}
	return &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
}

// inventory is what seed created.
type inventory struct {
	namespace string
	pool      string   // the pool holding every resource
	pools     []string // all pools
	types     []string
	resources []string
	// smallPool holds numSmallPool resources of its own: the "list of 500" case.
	smallPool string
}

// Sizes of the seeded inventory.
const (
	numResources = 10_000
	numSmallPool = 500
	numTypes     = 16
	numPools     = 4
	seedWorkers  = 16
)

// uuidFor makes deterministic, well-formed (version 4 layout) ids: kind tells the objects apart.
func uuidFor(kind, i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, i)
}

// seed creates the inventory through kube-apiserver (the aggregator proxies to netweave) with
// seedWorkers concurrent creates, and reports how long the resources took.
func seed(tb testing.TB, s *stack) inventory {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cfg := s.cp.RESTConfig(localstack.Admin)
	cfg.QPS, cfg.Burst = 1e6, 1e6
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	client, err := versioned.NewForConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	inv := inventory{namespace: "o2bench"}
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: inv.namespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		tb.Fatal(err)
	}
	o2 := client.O2imsV1alpha1()
	for i := range numTypes {
		id := uuidFor(1, i)
		_, err := o2.ResourceTypes(inv.namespace).Create(ctx, &v1alpha1.ResourceType{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("type-%02d", i)},
			Spec: v1alpha1.ResourceTypeSpec{
				ResourceTypeID: id, Name: fmt.Sprintf("type-%02d", i), Description: "benchmark resource type",
				Vendor: "Some Corporation, Inc.", Model: "X-1000", Version: "v2024.11",
				ResourceKind: v1alpha1.ResourceKind("PHYSICAL"), ResourceClass: v1alpha1.ResourceClass("COMPUTE"),
			},
		}, metav1.CreateOptions{})
		if err != nil {
			tb.Fatalf("create resource type: %v", err)
		}
		inv.types = append(inv.types, id)
	}
	for i := range numPools {
		id := uuidFor(2, i)
		_, err := o2.ResourcePools(inv.namespace).Create(ctx, &v1alpha1.ResourcePool{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pool-%d", i)},
			Spec: v1alpha1.ResourcePoolSpec{
				ResourcePoolID: id, Name: fmt.Sprintf("pool-%d", i), Description: "benchmark pool",
				OCloudID: uuidFor(3, 0), GlobalLocationID: "CA-ON-TOR-DC1",
			},
		}, metav1.CreateOptions{})
		if err != nil {
			tb.Fatalf("create resource pool: %v", err)
		}
		inv.pools = append(inv.pools, id)
	}
	inv.pool = inv.pools[0]

	inv.resources = make([]string, numResources)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for range seedWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= numResources || failed.Load() != nil {
					return
				}
				id := uuidFor(4, i)
				_, err := o2.O2Resources(inv.namespace).Create(ctx, resource(i, id, inv), metav1.CreateOptions{})
				if err != nil {
					err = fmt.Errorf("create resource %d: %w", i, err)
					failed.CompareAndSwap(nil, &err)
					return
				}
				inv.resources[i] = id
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		tb.Fatal(*err)
	}
	took := time.Since(start)
	inv.smallPool = inv.pools[1]
	for i := range numSmallPool {
		r := resource(i, uuidFor(5, i), inv)
		r.Name, r.Spec.ResourcePoolID = fmt.Sprintf("small-%03d", i), inv.smallPool
		if _, err := o2.O2Resources(inv.namespace).Create(ctx, r, metav1.CreateOptions{}); err != nil {
			tb.Fatalf("create resource %d of the small pool: %v", i, err)
		}
	}
	tb.Logf("created %d resources through kube-apiserver -> netweave -> Redis with %d workers in %s (%.0f creates/s)",
		numResources, seedWorkers, took.Round(time.Millisecond), float64(numResources)/took.Seconds())
	return inv
}

// resource i: in the first pool, of type i%numTypes, in rack i%16 (so a description filter
// selects as many resources as a type filter: numResources/16).
func resource(i int, id string, inv inventory) *v1alpha1.O2Resource {
	raw := func(s string) v1alpha1.JSON { return v1alpha1.JSON{Raw: []byte(s)} }
	return &v1alpha1.O2Resource{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("r-%05d", i), Labels: map[string]string{"o2ims.oran.org/pool": "pool-0"}},
		Spec: v1alpha1.ResourceSpec{
			ResourceID:     id,
			ResourcePoolID: inv.pool,
			ResourceTypeID: inv.types[i%numTypes],
			GlobalAssetID:  fmt.Sprintf("SN-X1000-%06d", i),
			Description:    fmt.Sprintf("worker %05d rack-%02d", i, i%16),
			Tags:           []string{"ran", "du"},
			Groups:         []string{fmt.Sprintf("rack-%02d", i%16)},
			Extensions: v1alpha1.Extensions{
				"capacity": raw(`{"cpu":"64","memory":"512Gi"}`),
				"arch":     raw(`"amd64"`),
			},
		},
	}
}

// waitForO2 polls the O2 list of the pool until it holds every resource (the informers have
// caught up), or fails after timeout.
func waitForO2(tb testing.TB, s *stack, token, path string, want int, timeout time.Duration) {
	tb.Helper()
	waitForO2At(tb, s, s.o2Base(), token, path, want, timeout)
}

// waitForO2At is waitForO2 against the O2 face at base (a replica's).
func waitForO2At(tb testing.TB, s *stack, base, token, path string, want int, timeout time.Duration) {
	tb.Helper()
	client := load.NewClient(s.tlsConfig(tb), 1, false, 30*time.Second)
	defer client.Close()
	last := ""
	err := wait.PollUntilContextTimeout(context.Background(), 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		body, status, err := client.Get(ctx, base+path, token)
		if err != nil || status != http.StatusOK {
			last = fmt.Sprintf("status %d err %v", status, err)
			return false, nil
		}
		n := strings.Count(string(body), `"resourceId"`)
		last = fmt.Sprintf("%d items", n)
		return n == want, nil
	})
	if err == nil {
		return
	}
	tb.Fatalf("O2 list %s: want %d items after %s, last: %s", path, want, timeout, last)
}
