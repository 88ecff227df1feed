// Package integration holds tests that need real servers but not a Kubernetes control plane.
package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/apiserver/options"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/test/e2e/framework"
	"github.com/netweave-io/netweave/test/redisserver"
)

const sentinelMaster = "netweave"

// TestSentinelFailover runs a primary, a replica and a Sentinel, writes through the client the
// server's --redis-sentinel-* flags build, kills the primary, and checks that after Sentinel
// promotes the replica the same client reads what was written and writes again.
func TestSentinelFailover(t *testing.T) {
	bin := redisBinary(t)
	dir := t.TempDir()
	primary := startRedis(t, bin, dir, "primary")
	replica := startRedis(t, bin, dir, "replica", "--replicaof", "127.0.0.1", strconv.Itoa(primary.port))
	sentinel := startSentinel(t, bin, dir, primary.port)

	opts := options.NewRedisOptions()
	opts.SentinelMaster = sentinelMaster
	opts.SentinelAddresses = []string{"127.0.0.1:" + strconv.Itoa(sentinel.port)}
	if errs := opts.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	client, err := opts.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	store := newPoolStore(t, client)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	waitFor(t, ctx, "replica answers", func() error {
		return goredis.NewClient(&goredis.Options{Addr: replica.addr()}).Ping(ctx).Err()
	})
	out := &o2ims.ResourcePool{}
	if err := store.Create(ctx, "/resourcepools/ns/before", pool("before"), out, 0); err != nil {
		t.Fatalf("create before failover: %v", err)
	}
	// Replication is asynchronous: make sure the replica has the write before the primary dies,
	// as a real failover would only promise for acknowledged writes with WAIT.
	if n, err := goredis.NewClient(&goredis.Options{Addr: primary.addr()}).Wait(ctx, 1, 10*time.Second).Result(); err != nil || n < 1 {
		t.Fatalf("WAIT for the replica: %d %v", n, err)
	}

	if err := primary.proc.Kill(); err != nil {
		t.Fatal(err)
	}
	sc := goredis.NewSentinelClient(&goredis.Options{Addr: "127.0.0.1:" + strconv.Itoa(sentinel.port)})
	defer sc.Close()
	waitFor(t, ctx, "sentinel promotes the replica", func() error {
		addr, err := sc.GetMasterAddrByName(ctx, sentinelMaster).Result()
		if err != nil {
			return err
		}
		if addr[1] != strconv.Itoa(replica.port) {
			return fmt.Errorf("primary still %v", addr)
		}
		return nil
	})
	waitFor(t, ctx, "read through the same client after failover", func() error {
		got := &o2ims.ResourcePool{}
		if err := store.Get(ctx, "/resourcepools/ns/before", storage.GetOptions{}, got); err != nil {
			return err
		}
		if got.Spec.ResourcePoolID != pool("before").Spec.ResourcePoolID {
			return fmt.Errorf("read %+v", got.Spec)
		}
		return nil
	})
	waitFor(t, ctx, "write after failover", func() error {
		return store.Create(ctx, "/resourcepools/ns/after", pool("after"), &o2ims.ResourcePool{}, 0)
	})
	after := &o2ims.ResourcePool{}
	if err := store.Get(ctx, "/resourcepools/ns/after", storage.GetOptions{}, after); err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion <= out.ResourceVersion {
		t.Errorf("resourceVersion went backwards across failover: %s then %s", out.ResourceVersion, after.ResourceVersion)
	}
}

func pool(name string) *o2ims.ResourcePool {
	return &o2ims.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec:       o2ims.ResourcePoolSpec{ResourcePoolID: "39c85e74-2e98-4e3d-8fec-e5a849d967c6", Name: name},
	}
}

// newPoolStore returns a ResourcePool store on client, with the changes of tune applied.
func newPoolStore(t *testing.T, client goredis.UniversalClient, tune ...func(*redisstore.Config)) *redisstore.Store {
	t.Helper()
	_, codecs := apiserver.NewScheme()
	cfg := redisstore.Config{
		Client:         client,
		Codec:          codecs.LegacyCodec(v1alpha1.SchemeGroupVersion),
		NewFunc:        func() runtime.Object { return &o2ims.ResourcePool{} },
		NewListFunc:    func() runtime.Object { return &o2ims.ResourcePoolList{} },
		ResourcePrefix: "/resourcepools",
	}
	for _, f := range tune {
		f(&cfg)
	}
	store, err := redisstore.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	return store
}

type redisProc struct {
	proc *framework.Process
	port int
}

func (r redisProc) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func redisBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found (make test-integration installs it): %v", err)
	}
	return bin
}

func startRedis(t *testing.T, bin, dir, name string, extra ...string) redisProc {
	t.Helper()
	port, err := framework.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, name)
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	argv := append(append([]string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", data, "--protected-mode", "no"}, redisserver.DurableArgs...), extra...)
	p := framework.StartProcessForTest(t, framework.ProcessOptions{Name: name, Argv: argv, LogPath: filepath.Join(dir, name+".log")})
	r := redisProc{proc: p, port: port}
	waitFor(t, context.Background(), name+" answers PING", func() error {
		c := goredis.NewClient(&goredis.Options{Addr: r.addr()})
		defer c.Close()
		return c.Ping(context.Background()).Err()
	})
	return r
}

func startSentinel(t *testing.T, bin, dir string, primaryPort int) redisProc {
	t.Helper()
	port, err := framework.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "sentinel.conf")
	cfg := fmt.Sprintf(`port %d
bind 127.0.0.1
protected-mode no
dir %s
sentinel monitor %s 127.0.0.1 %d 1
sentinel down-after-milliseconds %s 1000
sentinel failover-timeout %s 10000
`, port, dir, sentinelMaster, primaryPort, sentinelMaster, sentinelMaster)
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := framework.StartProcessForTest(t, framework.ProcessOptions{Name: "sentinel", Argv: []string{bin, conf, "--sentinel"}, LogPath: filepath.Join(dir, "sentinel.log")})
	r := redisProc{proc: p, port: port}
	waitFor(t, context.Background(), "sentinel knows the primary", func() error {
		c := goredis.NewSentinelClient(&goredis.Options{Addr: r.addr()})
		defer c.Close()
		_, err := c.GetMasterAddrByName(context.Background(), sentinelMaster).Result()
		return err
	})
	return r
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		last = cond()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: %v (last: %v)", what, err, last)
	}
}
