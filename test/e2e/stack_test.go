package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/test/redisserver"
)

// stack is the whole product on loopback: etcd, kube-apiserver, Redis and netweave registered
// through its APIService, with netweave running as its own ServiceAccount under the RBAC in
// artifacts/deploy.
type stack struct {
	cp       *localstack.ControlPlane
	redis    *redisserver.Server
	netweave *localstack.Process
	port     int
	o2Port   int
	root     string
	// kubeconfig is the netweave ServiceAccount's, for starting further replicas.
	kubeconfig string
}

// startStack brings the stack up; extraArgs are added to netweave's command line (features
// under test enable themselves this way).
func startStack(t *testing.T, extraArgs ...string) *stack {
	t.Helper()
	return startStackWith(t, localstack.Options{}, nil, extraArgs...)
}

// startStackOn is startStack against redis (see startStackWith).
func startStackOn(t *testing.T, redis *redisserver.Server, extraArgs ...string) *stack {
	t.Helper()
	return startStackWith(t, localstack.Options{}, redis, extraArgs...)
}

// startStackWith is startStack with the control plane started with o, against redis; nil
// starts a standalone Redis of the test's own. netweave reaches a Sentinel deployment through
// flags in extraArgs (--redis-sentinel-*), which take precedence over the address of redis.
func startStackWith(t *testing.T, o localstack.Options, redis *redisserver.Server, extraArgs ...string) *stack {
	t.Helper()
	root, err := localstack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{root: root}
	s.cp = stacktest.StartControlPlane(t, o)
	if s.redis = redis; s.redis == nil {
		s.redis = redisserver.Start(t)
	}
	// Ready before its APIService is registered, as make run and a Deployment with a readiness
	// probe have it: otherwise the aggregator's availability checks reach netweave while it is
	// still starting (a 403 before it has loaded the front proxy's CA), and a check that answers
	// after the APIService turned Available turns it back for a moment, in which requests answer
	// 503 (TestClusterControllers failed so, about one run in six).
	nw := stacktest.StartNetweave(t, s.cp, localstack.NetweaveOptions{RedisAddr: s.redis.Addr(), KeyPrefix: "e2e", Verbosity: 2, Args: extraArgs, WaitReady: true})
	s.netweave, s.port, s.o2Port, s.kubeconfig = nw.Process, nw.Port, nw.O2Port, nw.Kubeconfig
	return s
}

// o2APIRoot is the apiRoot SMOs use: netweave's O2 listener.
func (s *stack) o2APIRoot() string { return localstack.O2APIRoot(s.o2Port) }

// kubectl runs kubectl as user and fails the test on error.
func (s *stack) kubectl(t *testing.T, user string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, stderr, err := localstack.Kubectl(ctx, s.cp.Kubeconfig(user), args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr)
	}
	return out
}

// kubectlErr runs kubectl as user and returns its stderr, failing the test if it succeeds.
func (s *stack) kubectlErr(t *testing.T, user string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, stderr, err := localstack.Kubectl(ctx, s.cp.Kubeconfig(user), args...)
	if err == nil {
		t.Fatalf("kubectl %s: want an error, got\n%s", strings.Join(args, " "), out)
	}
	return stderr
}

// kubectlApply pipes a manifest into kubectl apply (or whatever verb args name).
func (s *stack) kubectlStdin(t *testing.T, user, manifest string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return localstack.KubectlWithInput(ctx, s.cp.Kubeconfig(user), strings.NewReader(manifest), args...)
}

// eventually polls cond until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		last = cond()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: not true after %s: %v", what, timeout, last)
	}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
