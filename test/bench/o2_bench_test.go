// Package bench measures netweave on the real stack (etcd, kube-apiserver, Redis, netweave on
// loopback). It holds only benchmarks, so 'go test' without -bench runs nothing here; run them
// with 'make bench-o2'. Results and interpretation: docs/performance.md.
package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/internal/capturedanswers"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/test/bench/load"
)

// envHold, set to a duration (e.g. 10m), makes BenchmarkO2 seed the stack, write what o2load
// needs into the control plane directory, and keep everything up that long instead of
// measuring: for o2load by hand and for profiling netweave (/debug/pprof on its main port).
const envHold = "O2BENCH_HOLD"

const inventoryV1 = "/o2ims-infrastructureInventory/v1"

type benchCase struct {
	name        string
	paths       []string
	concurrency []int
	h2          bool
	// floor also measures the case against the o2floor build of netweave (startFloor).
	floor bool
	// smo sends the case's requests as the SMO user, bound cluster-wide to the shipped
	// o2ims-reader ClusterRole (not in system:masters, as a production SMO is not: API
	// Priority and Fairness queues it and the authorizer asks the SubjectAccessReview cache),
	// instead of the admin.
	smo bool
}

// BenchmarkO2 measures the O2-IMS REST face through its real TLS listener with 10,000
// Resources, beside a bare net/http server returning the same bytes. Each sub-benchmark sends
// b.N requests from a fixed number of closed-loop workers and reports req/s and exact latency
// percentiles of the last (largest) run.
func BenchmarkO2(b *testing.B) {
	// One page holds the whole list, so "list 10,000" is one request and one response.
	s := startStack(b, "--o2ims-page-size="+strconv.Itoa(numResources))
	inv := seed(b, s)
	token := s.cp.RESTConfig(localstack.Admin).BearerToken
	poolResources := inventoryV1 + "/resourcePools/" + inv.pool + "/resources"
	waitStart := time.Now()
	waitForO2(b, s, token, poolResources, numResources, 5*time.Minute)
	waitForO2(b, s, token, inventoryV1+"/resourcePools/"+inv.smallPool+"/resources", numSmallPool, time.Minute)
	b.Logf("O2 serves all %d resources %s after the last create", numResources, time.Since(waitStart).Round(time.Millisecond))

	filter := func(f string) string { return poolResources + "?filter=" + url.QueryEscape(f) }
	getResource := make([]string, len(inv.resources))
	for i, id := range inv.resources {
		getResource[i] = poolResources + "/" + id
	}
	getType := make([]string, len(inv.types))
	for i, id := range inv.types {
		getType[i] = inventoryV1 + "/resourceTypes/" + id
	}
	cases := []benchCase{
		{name: "get-resource", paths: getResource, concurrency: []int{1, 8, 16, 50}, floor: true},
		{name: "get-resource-smo", paths: getResource, concurrency: []int{8, 50}, floor: true, smo: true},
		{name: "get-resource-h2", paths: getResource, concurrency: []int{16}, h2: true},
		{name: "get-resourcetype", paths: getType, concurrency: []int{16}},
		{name: "list-500", paths: []string{inventoryV1 + "/resourcePools/" + inv.smallPool + "/resources"}, concurrency: []int{8, 50}, floor: true},
		{name: "list-10000", paths: []string{poolResources}, concurrency: []int{1, 4}},
		// Both filters select the same 625 resources: one through the resourceTypeId index,
		// the other by rendering and testing every one of the 10,000.
		{name: "list-filter-indexed", paths: []string{filter("(eq,resourceTypeId," + inv.types[3] + ")")}, concurrency: []int{1, 4}},
		{name: "list-filter-memory", paths: []string{filter("(cont,description,rack-03)")}, concurrency: []int{1, 4}},
	}

	ceilingBase, bodies := startCeiling(b, s, token, cases)
	floorBase := startFloor(b, s, token, bodies, cases)
	smoToken := bindSMO(b, s)

	if hold := os.Getenv(envHold); hold != "" {
		holdStack(b, s, callers{admin: token, smo: smoToken}, cases, ceilingBase, floorBase, hold)
		return
	}

	measureCases(b, s, callers{admin: token, smo: smoToken}, cases, ceilingBase, floorBase)
}

// callers are the bearer tokens the cases are sent with.
type callers struct{ admin, smo string }

// bindSMO binds the SMO user to the shipped o2ims-reader ClusterRole cluster-wide, as an
// operator grants an SMO read access to the whole inventory, and returns its token.
func bindSMO(b *testing.B, s *stack) string {
	b.Helper()
	kube, err := kubernetes.NewForConfig(s.cp.RESTConfig(localstack.Admin))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := kube.RbacV1().ClusterRoleBindings().Create(context.Background(), &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bench-smo-reads-inventory"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "o2ims-reader"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: localstack.SMO}},
	}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	return s.cp.RESTConfig(localstack.SMO).BearerToken
}

// measureCases runs every case at each of its concurrencies against netweave, the floor (when
// built, and for the cases that ask for it) and then the ceiling, each as a sub-benchmark after
// a warm-up.
func measureCases(b *testing.B, s *stack, who callers, cases []benchCase, ceilingBase, floorBase string) {
	type target struct{ name, base string }
	for _, c := range cases {
		token := who.admin
		if c.smo {
			token = who.smo
		}
		targets := []target{{"netweave", s.o2Base()}}
		if c.floor && floorBase != "" {
			targets = append(targets, target{"floor", floorBase})
		}
		targets = append(targets, target{"ceiling", ceilingBase})
		for _, conc := range c.concurrency {
			for _, t := range targets {
				name := fmt.Sprintf("%s/c=%d/%s", c.name, conc, t.name)
				client := load.NewClient(s.tlsConfig(b), conc, c.h2, time.Minute)
				cfg := load.Config{Base: t.base, Paths: c.paths, Concurrency: conc, Token: token, Seed: 1}
				// Warm up: connections, TLS sessions, token and authorization caches.
				warm := cfg
				warm.Requests = max(4*conc, min(2000, 20*len(c.paths)))
				if len(c.paths) == 1 {
					warm.Requests = 2 * conc
				}
				if res, err := client.Run(context.Background(), warm); err != nil || res.Errors > 0 {
					b.Fatalf("%s warm-up: %v %v %s", name, err, res.Statuses, res.FirstError)
				}
				b.Run(name, func(b *testing.B) { runLoad(b, client, cfg) })
				client.Close()
			}
		}
	}
}

// runLoad sends b.N requests as cfg describes and reports throughput, latency percentiles and
// response size; a failed request fails b.
func runLoad(b *testing.B, client *load.Client, cfg load.Config) {
	run := cfg
	run.Requests = b.N
	res, err := client.Run(context.Background(), run)
	if err != nil {
		b.Fatal(err)
	}
	if res.Errors > 0 {
		b.Errorf("%d of %d requests failed: %v; first: %s", res.Errors, res.Requests, res.Statuses, res.FirstError)
	}
	b.ReportMetric(res.Throughput(), "req/s")
	b.ReportMetric(msf(res.Percentile(50)), "p50-ms")
	b.ReportMetric(msf(res.Percentile(95)), "p95-ms")
	b.ReportMetric(msf(res.Percentile(99)), "p99-ms")
	b.ReportMetric(msf(res.Max()), "max-ms")
	b.ReportMetric(float64(res.Bytes)/float64(max(res.Requests, 1)), "B/resp")
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// startCeiling captures netweave's answer to every benchmarked path and serves those bytes from
// a bare net/http TLS server with the same certificate, in a child process. It returns the
// ceiling's base URL and the file of captured answers.
func startCeiling(b *testing.B, s *stack, token string, cases []benchCase) (string, string) {
	b.Helper()
	var paths []string
	seen := map[string]bool{}
	for _, c := range cases {
		for _, p := range c.paths {
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	bodies := make(map[string][]byte, len(paths))
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	work := make(chan string)
	for range 8 {
		wg.Go(func() {
			client := load.NewClient(s.tlsConfig(b), 1, false, time.Minute)
			defer client.Close()
			for p := range work {
				body, status, err := client.Get(context.Background(), s.o2Base()+p, token)
				if err == nil && status != 200 {
					err = fmt.Errorf("GET %s: status %d: %s", p, status, body)
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				mu.Lock()
				bodies[p] = body
				mu.Unlock()
			}
		})
	}
	for _, p := range paths {
		work <- p
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	file := filepath.Join(s.cp.Dir, "ceiling-bodies.gob")
	if err := capturedanswers.Write(file, bodies); err != nil {
		b.Fatal(err)
	}
	port, err := localstack.FreePort()
	if err != nil {
		b.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	stacktest.StartProcess(b, localstack.ProcessOptions{
		Name: "ceiling",
		Argv: []string{self},
		Env: []string{
			envCeilingBodies + "=" + file, envCeilingAddr + "=" + addr,
			envCeilingCert + "=" + s.cp.Serving.CertFile, envCeilingKey + "=" + s.cp.Serving.KeyFile,
		},
		LogPath:     filepath.Join(s.cp.Dir, "ceiling.log"),
		GracePeriod: 5 * time.Second,
	})
	base := "https://" + addr
	waitServes(b, s, "ceiling", base+paths[0], "")
	return base, file
}

// waitServes waits until url answers 200 to a GET with token.
func waitServes(b *testing.B, s *stack, name, url, token string) {
	b.Helper()
	client := load.NewClient(s.tlsConfig(b), 1, false, 5*time.Second)
	defer client.Close()
	var status int
	var getErr error
	if pollErr := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, status, getErr = client.Get(ctx, url, token)
		return getErr == nil && status == 200, nil
	}); pollErr != nil {
		b.Fatalf("%s not ready: %d %v", name, status, getErr)
	}
}

// floorBinary is netweave built with -tags o2floor (make bench-o2 builds it).
const floorBinary = "netweave-o2floor"

// startFloor runs the o2floor build of netweave (pkg/apiserver/o2floor.go) beside the stack's
// netweave, on the same Redis and kube-apiserver, serving the ceiling's captured answers
// through netweave's own O2 listener and filters: its throughput is the most the O2 face can
// reach with those filters in front of it. Without the binary it returns "" and the floor is
// not measured (the log says so).
func startFloor(b *testing.B, s *stack, token, bodies string, cases []benchCase) string {
	b.Helper()
	bin, err := localstack.OutputBinary(floorBinary)
	if err != nil {
		b.Logf("floor not measured: %v (make bench-o2 builds it)", err)
		return ""
	}
	var path string
	for _, c := range cases {
		if c.floor {
			path = c.paths[0]
			break
		}
	}
	if path == "" {
		return ""
	}
	base := s.startReplica(b, "netweave-o2floor", bin, []string{"NETWEAVE_O2_FLOOR_BODIES=" + bodies})
	waitServes(b, s, "floor", base+path, token)
	return base
}

// holdStack writes token, CA and path files for o2load and keeps the stack up for hold.
func holdStack(b *testing.B, s *stack, who callers, cases []benchCase, ceilingBase, floorBase, hold string) {
	d, err := time.ParseDuration(hold)
	if err != nil || d <= 0 || d > 2*time.Hour {
		b.Fatalf("%s=%q: want a duration up to 2h", envHold, hold)
	}
	write := func(name, content string) string {
		p := filepath.Join(s.cp.Dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			b.Fatal(err)
		}
		return p
	}
	ca := write("o2bench-ca.crt", string(s.cp.Serving.CABundle))
	tok := write("o2bench-admin.token", who.admin)
	smoTok := ""
	if who.smo != "" {
		smoTok = write("o2bench-smo.token", who.smo)
	}
	var lines []string
	for _, c := range cases {
		pf := write("o2bench-paths-"+c.name, strings.Join(c.paths, "\n")+"\n")
		callerTok := tok
		if c.smo {
			callerTok = smoTok
		}
		lines = append(lines, fmt.Sprintf("  %s: go run ./test/bench/o2load -base %s -cacert %s -server-name localhost -token-file %s -paths-file %s -c 16 -d 10s",
			c.name, s.o2Base(), ca, callerTok, pf))
	}
	b.Logf("holding the stack for %s; ceiling at %s; floor at %q; netweave main port %d (pprof: curl --cacert %s -H \"Authorization: Bearer $(cat %s)\" https://localhost:%d/debug/pprof/profile?seconds=10)\n%s",
		d, ceilingBase, floorBase, s.port, ca, tok, s.port, strings.Join(lines, "\n"))
	// Hold mode keeps the stack up for a human for d; nothing waits on a condition here.
	<-time.After(d)
}
