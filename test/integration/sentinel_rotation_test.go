package integration

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver/options"
	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionSentinelPasswordRotatedWithoutRestart is the regression test for netweave
// reading the Sentinels' password (--redis-sentinel-password-file, or --redis-password-file
// when the Sentinels share the data nodes' password) once, at start, where the data nodes' is
// read for every connection: after an operator rotated it (the Secret updated, the Sentinels'
// ACL changed) netweave's open Sentinel connections went on working, but every new one (a
// Sentinel restarted, a connection killed, a failover) was refused with WRONGPASS, so netweave
// lost the primary at some random later time until it was restarted. Here the Sentinels'
// password is rotated, netweave's connections to the Sentinel and the primary are killed, new
// ones are refused while the file holds the old password, and once the file holds the new one
// the same client writes again, and after a failover writes to the promoted replica.
func TestRegressionSentinelPasswordRotatedWithoutRestart(t *testing.T) {
	const dataPassword = "data-password-not-secret"
	for _, tc := range []struct {
		name string
		// shared is a Sentinel whose default user has the data nodes' password, rotated with
		// it (--redis-password-file only); otherwise the Sentinel has the user of docs/redis.md
		// with a password of its own (--redis-sentinel-username, --redis-sentinel-password-file).
		shared                   bool
		oldPassword, newPassword string
		flag                     string
	}{
		{"own password", false, "sentinel-old-not-secret", "sentinel-new-not-secret", "--redis-sentinel-password-file"},
		{"shared with the data nodes", true, dataPassword, "data-new-not-secret", "--redis-password-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			redis := redisserver.StartReplicated(t, redisserver.ReplicatedOptions{Master: sentinelMaster, Replicas: 1, Sentinels: 1})
			primary, replica := redis.Nodes[0], redis.Nodes[1]
			sentinel := redis.Sentinels[0]
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			requireDataPassword(t, ctx, redis, dataPassword)

			dir := t.TempDir()
			opts := options.NewRedisOptions()
			opts.SentinelMaster = sentinelMaster
			opts.SentinelAddresses = redis.SentinelAddrs()
			opts.PasswordFile = secretFile(t, dir, "data", dataPassword)
			// sentinelAdmin is an operator's connection to the Sentinel (its default user),
			// with the password it has at the time.
			sentinelAdmin := func(password string) *goredis.SentinelClient {
				c := goredis.NewSentinelClient(&goredis.Options{Addr: sentinel.Addr(), Password: password})
				t.Cleanup(func() { _ = c.Close() })
				return c
			}
			var rotate func() error
			var passwordFile string
			if tc.shared {
				passwordFile = opts.PasswordFile
				open := goredis.NewSentinelClient(&goredis.Options{Addr: sentinel.Addr()})
				err := open.Process(ctx, goredis.NewStatusCmd(ctx, "ACL", "SETUSER", "default", "resetpass", ">"+tc.oldPassword))
				_ = open.Close()
				if err != nil {
					t.Fatalf("giving the Sentinel the data nodes' password: %v", err)
				}
				rotate = func() error {
					// The data nodes take the new password beside the old one (step 1 of
					// docs/redis.md); the Sentinel has the new one only.
					for _, n := range []*redisserver.Server{replica, primary} {
						c := goredis.NewClient(&goredis.Options{Addr: n.Addr(), Password: dataPassword})
						err := c.Do(ctx, "ACL", "SETUSER", "default", ">"+tc.newPassword).Err()
						_ = c.Close()
						if err != nil {
							return fmt.Errorf("adding the new password on %s: %w", n.Addr(), err)
						}
					}
					return sentinelAdmin(tc.oldPassword).Process(ctx, goredis.NewStatusCmd(ctx, "ACL", "SETUSER", "default", "resetpass", ">"+tc.newPassword))
				}
			} else {
				opts.SentinelUsername = sentinel.DocumentedSentinelACL(t, tc.oldPassword)
				opts.SentinelPasswordFile = secretFile(t, dir, "sentinel", tc.oldPassword)
				passwordFile = opts.SentinelPasswordFile
				rotate = func() error {
					return sentinelAdmin(redisserver.SentinelAdminPassword).Process(ctx,
						goredis.NewStatusCmd(ctx, "ACL", "SETUSER", opts.SentinelUsername, "resetpass", ">"+tc.newPassword))
				}
			}
			adminPassword := redisserver.SentinelAdminPassword
			if tc.shared {
				adminPassword = tc.newPassword
			}

			store := newPoolStore(t, optionsClient(t, opts))
			if err := store.Create(ctx, "/resourcepools/ns/before", pool("before"), &o2ims.ResourcePool{}, 0); err != nil {
				t.Fatalf("create before the rotation: %v", err)
			}

			if err := rotate(); err != nil {
				t.Fatalf("rotating the Sentinel's password: %v", err)
			}
			// netweave's open connections stay authenticated: close them, as a restart of the
			// Sentinel and of the primary would. Without a connection to the primary the client
			// asks a Sentinel for it again, on a new connection.
			admin := sentinelAdmin(adminPassword)
			for _, kind := range []string{"normal", "pubsub"} {
				if err := admin.Process(ctx, goredis.NewIntCmd(ctx, "CLIENT", "KILL", "TYPE", kind, "SKIPME", "yes")); err != nil {
					t.Fatalf("killing the Sentinel's %s connections: %v", kind, err)
				}
			}
			primaryAdmin := goredis.NewClient(&goredis.Options{Addr: primary.Addr(), Password: dataPassword})
			defer primaryAdmin.Close()
			if err := primaryAdmin.Do(ctx, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").Err(); err != nil {
				t.Fatalf("killing the primary's connections: %v", err)
			}
			waitFor(t, ctx, "a write refused while the file holds the old password", func() error {
				err := store.Create(ctx, "/resourcepools/ns/during", pool("during"), &o2ims.ResourcePool{}, 0)
				if strings.Contains(fmt.Sprint(err), "WRONGPASS") && strings.Contains(err.Error(), tc.flag) {
					return nil
				}
				return fmt.Errorf("create: %v, want WRONGPASS naming %s", err, tc.flag)
			})

			// The Secret catches up: the next Sentinel connection uses the new password.
			if err := os.WriteFile(passwordFile, []byte(tc.newPassword+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, "a write once the file holds the new password", func() error {
				err := store.Create(ctx, "/resourcepools/ns/rotated", pool("rotated"), &o2ims.ResourcePool{}, 0)
				if storage.IsExist(err) {
					return nil
				}
				return err
			})
			if n, err := primaryAdmin.Wait(ctx, 1, 10*time.Second).Result(); err != nil || n < 1 {
				t.Fatalf("WAIT for the replica: %d %v", n, err)
			}

			primary.Stop() // SIGKILL
			waitFor(t, ctx, "a write after failover, through the same client", func() error {
				err := store.Create(ctx, "/resourcepools/ns/after", pool("after"), &o2ims.ResourcePool{}, 0)
				if storage.IsExist(err) {
					return nil
				}
				return err
			})
			promoted := goredis.NewClient(&goredis.Options{Addr: replica.Addr(), Password: dataPassword})
			defer promoted.Close()
			role, err := promoted.Do(ctx, "ROLE").Slice()
			if err != nil || len(role) == 0 || role[0] != "master" {
				t.Fatalf("the write after failover went to %v (err %v), want the promoted replica", role, err)
			}
			if err := store.Get(ctx, "/resourcepools/ns/rotated", storage.GetOptions{}, &o2ims.ResourcePool{}); err != nil {
				t.Fatalf("read after failover: %v", err)
			}
		})
	}
}

// TestSentinelWithoutPasswordBesideDataPassword: with --redis-password-file the Sentinels'
// connections are authenticated by netweave (TestRegressionSentinelPasswordRotatedWithoutRestart),
// and a Sentinel that requires no password, beside data nodes that do, is reached without one.
func TestSentinelWithoutPasswordBesideDataPassword(t *testing.T) {
	redis := redisserver.StartReplicated(t, redisserver.ReplicatedOptions{Master: sentinelMaster, Sentinels: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const dataPassword = "data-password-not-secret"
	primary := goredis.NewClient(&goredis.Options{Addr: redis.Nodes[0].Addr()})
	if err := primary.ConfigSet(ctx, "requirepass", dataPassword).Err(); err != nil {
		t.Fatalf("giving the data node a password: %v", err)
	}
	_ = primary.Close()
	open := goredis.NewSentinelClient(&goredis.Options{Addr: redis.Sentinels[0].Addr()})
	if err := open.Set(ctx, sentinelMaster, "auth-pass", dataPassword).Err(); err != nil {
		t.Fatalf("sentinel set auth-pass: %v", err)
	}
	_ = open.Close()
	opts := options.NewRedisOptions()
	opts.SentinelMaster = sentinelMaster
	opts.SentinelAddresses = redis.SentinelAddrs()
	opts.PasswordFile = secretFile(t, t.TempDir(), "data", dataPassword)
	store := newPoolStore(t, optionsClient(t, opts))
	if err := store.Create(ctx, "/resourcepools/ns/open-sentinel", pool("open-sentinel"), &o2ims.ResourcePool{}, 0); err != nil {
		t.Fatalf("create through a Sentinel without a password: %v", err)
	}
}
