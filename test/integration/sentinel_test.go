// Package integration holds tests that need real servers but not a Kubernetes control plane.
package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	"github.com/netweave-io/netweave/test/redisserver"
)

const sentinelMaster = "netweave"

// TestSentinelFailover runs a primary, a replica and a Sentinel, writes through the client the
// server's --redis-sentinel-* flags build, kills the primary, and checks that after Sentinel
// promotes the replica the same client reads what was written and writes again.
func TestSentinelFailover(t *testing.T) {
	redis := redisserver.StartReplicated(t, redisserver.ReplicatedOptions{Master: sentinelMaster, Replicas: 1, Sentinels: 1})
	primary, replica := redis.Nodes[0], redis.Nodes[1]

	opts := options.NewRedisOptions()
	opts.SentinelMaster = sentinelMaster
	opts.SentinelAddresses = redis.SentinelAddrs()
	store := newPoolStore(t, optionsClient(t, opts))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	out := &o2ims.ResourcePool{}
	if err := store.Create(ctx, "/resourcepools/ns/before", pool("before"), out, 0); err != nil {
		t.Fatalf("create before failover: %v", err)
	}
	// Replication is asynchronous: make sure the replica has the write before the primary dies,
	// as a real failover would only promise for acknowledged writes with WAIT.
	if n, err := goredis.NewClient(&goredis.Options{Addr: primary.Addr()}).Wait(ctx, 1, 10*time.Second).Result(); err != nil || n < 1 {
		t.Fatalf("WAIT for the replica: %d %v", n, err)
	}

	primary.Stop() // SIGKILL
	waitFor(t, ctx, "sentinel promotes the replica", func() error {
		now, err := redis.Primary(ctx)
		if err != nil {
			return err
		}
		if now != replica {
			return fmt.Errorf("primary still %s", now.Addr())
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
		err := store.Create(ctx, "/resourcepools/ns/after", pool("after"), &o2ims.ResourcePool{}, 0)
		if storage.IsExist(err) {
			// An earlier attempt applied but its reply was lost in the failover.
			return nil
		}
		return err
	})
	after := &o2ims.ResourcePool{}
	if err := store.Get(ctx, "/resourcepools/ns/after", storage.GetOptions{}, after); err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion <= out.ResourceVersion {
		t.Errorf("resourceVersion went backwards across failover: %s then %s", out.ResourceVersion, after.ResourceVersion)
	}
}

// TestSentinelOwnCredentials runs Sentinels that have credentials of their own, not the data
// nodes' (a user reported: with a Sentinel requirepass of its own, netweave never turned ready,
// "all sentinels specified in configuration are unreachable: WRONGPASS", and no flag could
// name the Sentinels' password). The client the --redis-sentinel-* flags build reaches the
// primary as the least-privilege Sentinel user of docs/redis.md, and as the Sentinels' default
// user with their own password, and follows a failover; the documented user is refused no
// command (DocumentedSentinelACL checks the Sentinel's ACL LOG).
func TestSentinelOwnCredentials(t *testing.T) {
	redis := redisserver.StartReplicated(t, redisserver.ReplicatedOptions{Master: sentinelMaster, Replicas: 1, Sentinels: 1})
	primary, replica := redis.Nodes[0], redis.Nodes[1]
	sentinel := redis.Sentinels[0]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const dataPassword, sentinelPassword = "data-password-not-secret", "sentinel-password-not-secret"
	requireDataPassword(t, ctx, redis, dataPassword)
	user := sentinel.DocumentedSentinelACL(t, sentinelPassword)

	dir := t.TempDir()
	file := func(name, content string) string { return secretFile(t, dir, name, content) }
	dataFile := file("data", dataPassword)
	client := func(t *testing.T, tune func(*options.RedisOptions)) goredis.UniversalClient {
		t.Helper()
		opts := options.NewRedisOptions()
		opts.SentinelMaster = sentinelMaster
		opts.SentinelAddresses = redis.SentinelAddrs()
		opts.PasswordFile = dataFile
		tune(opts)
		return optionsClient(t, opts)
	}

	t.Run("the data nodes' password is refused by the Sentinel", func(t *testing.T) {
		err := client(t, func(*options.RedisOptions) {}).Ping(ctx).Err()
		if err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
			t.Fatalf("ping through a Sentinel offered the data nodes' password: %v, want WRONGPASS", err)
		}
	})
	t.Run("the Sentinels' own password", func(t *testing.T) {
		c := client(t, func(o *options.RedisOptions) {
			o.SentinelPasswordFile = file("sentinel-admin", redisserver.SentinelAdminPassword)
		})
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatalf("ping with --redis-sentinel-password-file: %v", err)
		}
	})

	c := client(t, func(o *options.RedisOptions) {
		o.SentinelUsername = user
		o.SentinelPasswordFile = file("sentinel", sentinelPassword)
	})
	store := newPoolStore(t, c)
	if err := store.Create(ctx, "/resourcepools/ns/before", pool("before"), &o2ims.ResourcePool{}, 0); err != nil {
		t.Fatalf("create as the documented Sentinel user: %v", err)
	}
	primaryClient := goredis.NewClient(&goredis.Options{Addr: primary.Addr(), Password: dataPassword})
	if n, err := primaryClient.Wait(ctx, 1, 10*time.Second).Result(); err != nil || n < 1 {
		t.Fatalf("WAIT for the replica: %d %v", n, err)
	}
	_ = primaryClient.Close()

	primary.Stop() // SIGKILL
	waitFor(t, ctx, "write after failover, as the documented Sentinel user", func() error {
		err := store.Create(ctx, "/resourcepools/ns/after", pool("after"), &o2ims.ResourcePool{}, 0)
		if storage.IsExist(err) {
			return nil
		}
		return err
	})
	role, err := goredis.NewClient(&goredis.Options{Addr: replica.Addr(), Password: dataPassword}).Do(ctx, "ROLE").Slice()
	if err != nil || len(role) == 0 || role[0] != "master" {
		t.Fatalf("the write after failover went to %v (err %v), want the promoted replica", role, err)
	}
	if err := store.Get(ctx, "/resourcepools/ns/before", storage.GetOptions{}, &o2ims.ResourcePool{}); err != nil {
		t.Fatalf("read after failover: %v", err)
	}
}

// requireDataPassword gives redis's data nodes password: the replicas need it to follow the
// primary (and the primary to follow a promoted replica), the Sentinels to watch them.
func requireDataPassword(t *testing.T, ctx context.Context, redis *redisserver.Replicated, password string) {
	t.Helper()
	// Replicas first: each knows the password before its primary requires it.
	for _, n := range slices.Backward(redis.Nodes) {
		c := goredis.NewClient(&goredis.Options{Addr: n.Addr()})
		for _, kv := range [][2]string{{"masterauth", password}, {"requirepass", password}} {
			if err := c.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
				t.Fatalf("config set %s on %s: %v", kv[0], n.Addr(), err)
			}
		}
		_ = c.Close()
	}
	for _, sentinel := range redis.Sentinels {
		c := goredis.NewSentinelClient(&goredis.Options{Addr: sentinel.Addr()})
		err := c.Set(ctx, sentinelMaster, "auth-pass", password).Err()
		_ = c.Close()
		if err != nil {
			t.Fatalf("sentinel set auth-pass: %v", err)
		}
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

// secretFile writes content, with the line end an editor leaves, to the file name in dir, as
// a mounted Secret holds a password, and returns its path.
func secretFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// optionsClient is the client opts build, as netweave builds it from its flags (validated
// first), closed when t ends.
func optionsClient(t *testing.T, opts *options.RedisOptions) goredis.UniversalClient {
	t.Helper()
	if errs := opts.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	c, err := opts.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func redisBinary(t *testing.T) string {
	t.Helper()
	bin, err := redisserver.Binary()
	if err != nil {
		t.Fatalf("redis-server not found (make test-integration installs it): %v", err)
	}
	return bin
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
