package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/apiserver/options"
	goredis "github.com/redis/go-redis/v9"
)

// TestRedisMutualTLSAndPassword runs Redis with TLS only (no plaintext port), client
// certificates required and a password, and stores through the client that the server's
// --redis-tls-* and --redis-password-file flags build. Without the client certificate, or with
// the wrong password, the store fails instead of silently talking plaintext.
func TestRedisMutualTLSAndPassword(t *testing.T) {
	const password = "s3cret-for-tests"
	r := startTLSRedis(t, password)
	opts := r.options
	client, err := opts.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	waitFor(t, ctx, "redis answers over TLS", func() error { return client.Ping(ctx).Err() })
	store := newPoolStore(t, client)
	if err := store.Create(ctx, "/resourcepools/ns/tls", pool("tls"), &o2ims.ResourcePool{}, 0); err != nil {
		t.Fatalf("create over TLS: %v", err)
	}
	got := &o2ims.ResourcePool{}
	if err := store.Get(ctx, "/resourcepools/ns/tls", storage.GetOptions{}, got); err != nil || got.Spec.Name != "tls" {
		t.Fatalf("get over TLS: %v %+v", err, got.Spec)
	}

	noCert := *opts
	noCert.TLSCertFile, noCert.TLSKeyFile = "", ""
	wrongPassword := *opts
	wrongPassword.PasswordFile = filepath.Join(r.dir, "wrong")
	if err := os.WriteFile(wrongPassword.PasswordFile, []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]*options.RedisOptions{"without a client certificate": &noCert, "with a wrong password": &wrongPassword} {
		c, err := o.NewClient()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Ping(ctx).Err(); err == nil {
			t.Errorf("a client %s was served", name)
		}
		c.Close()
	}
}

// tlsRedis is a redis-server serving TLS only, requiring client certificates and a password,
// and the options of a client that reaches it (the files in dir).
type tlsRedis struct {
	dir     string
	pki     localstack.MutualTLSFiles
	options *options.RedisOptions
}

func startTLSRedis(t *testing.T, password string) tlsRedis {
	t.Helper()
	bin := redisBinary(t)
	dir := t.TempDir()
	pki, err := localstack.WriteMutualTLSFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	port, err := localstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	stacktest.StartProcess(t, localstack.ProcessOptions{Name: "redis-tls", LogPath: filepath.Join(dir, "redis.log"), Argv: append([]string{bin,
		"--port", "0", "--tls-port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--tls-cert-file", pki.ServerCertFile, "--tls-key-file", pki.ServerKeyFile, "--tls-ca-cert-file", pki.CAFile,
		"--tls-auth-clients", "yes", "--requirepass", password,
	}, localstack.RedisDurableArgs()...)})
	passwordFile := filepath.Join(dir, "password")
	if err := os.WriteFile(passwordFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := options.NewRedisOptions()
	opts.Address = "127.0.0.1:" + strconv.Itoa(port)
	opts.PasswordFile = passwordFile
	opts.TLS = true
	opts.TLSCAFile = pki.CAFile
	opts.TLSCertFile = pki.ClientCertFile
	opts.TLSKeyFile = pki.ClientKeyFile
	if errs := opts.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	return tlsRedis{dir: dir, pki: pki, options: opts}
}

// TestRedisCredentialsRotatedWithoutRestart is the regression test for netweave reading its
// Redis password and client certificate once, at start: after the password was rotated (the
// Secret behind --redis-password-file updated in place, Redis's ACL changed) every connection
// netweave opened afterwards failed with WRONGPASS until a restart, and kubectl got 500s of
// unknown outcome; a client certificate renewed on disk (cert-manager) was never presented, so
// reconnects failed once the old one expired. Now a write Redis refuses for its credentials is
// 503 saying nothing was written, and the next connection after the files change uses them.
func TestRedisCredentialsRotatedWithoutRestart(t *testing.T) {
	const oldPassword, newPassword = "old-s3cret", "new-s3cret"
	r := startTLSRedis(t, oldPassword)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client, err := r.options.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	waitFor(t, ctx, "redis answers over TLS", func() error { return client.Ping(ctx).Err() })
	store := newPoolStore(t, client)
	if err := store.Create(ctx, "/resourcepools/ns/before", pool("before"), &o2ims.ResourcePool{}, 0); err != nil {
		t.Fatal(err)
	}
	// An operator's client, authenticated with whichever password is current.
	admin := func(password string) goredis.UniversalClient {
		o := *r.options
		o.PasswordFile = filepath.Join(t.TempDir(), "admin-password")
		if err := os.WriteFile(o.PasswordFile, []byte(password), 0o600); err != nil {
			t.Fatal(err)
		}
		return optionsClient(t, &o)
	}
	// Redis rotated first: the new password only. netweave's open connections stay
	// authenticated until they close; closing them (a failover or a restart of Redis would)
	// makes it open new ones with the password it has.
	if err := admin(oldPassword).Do(ctx, "CONFIG", "SET", "requirepass", newPassword).Err(); err != nil {
		t.Fatal(err)
	}
	operator := admin(newPassword)
	if err := operator.Do(ctx, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").Err(); err != nil {
		t.Fatal(err)
	}
	var refused error
	waitFor(t, ctx, "a write refused for netweave's credentials", func() error {
		refused = store.Create(ctx, "/resourcepools/ns/during", pool("during"), &o2ims.ResourcePool{}, 0)
		if strings.Contains(fmt.Sprint(refused), "WRONGPASS") {
			return nil
		}
		return fmt.Errorf("create: %v", refused)
	})
	var st apierrors.APIStatus
	if !errors.As(refused, &st) || st.Status().Code != http.StatusServiceUnavailable || !strings.Contains(st.Status().Message, "Nothing was written") ||
		!strings.Contains(st.Status().Message, "--redis-password-file") {
		t.Errorf("a write refused for the credentials: %v, want 503 saying nothing was written and naming --redis-password-file", refused)
	}

	// The Secret catches up: the next connection uses the new password, without a new client.
	if err := os.WriteFile(r.options.PasswordFile, []byte(newPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "a write once the password file holds the new password", func() error {
		return store.Create(ctx, "/resourcepools/ns/after", pool("after"), &o2ims.ResourcePool{}, 0)
	})
	if err := store.Get(ctx, "/resourcepools/ns/during", storage.GetOptions{}, &o2ims.ResourcePool{}); !storage.IsNotFound(err) {
		t.Errorf("the create refused for the credentials: %v, want it not stored", err)
	}

	// A client certificate renewed on disk is the one the next handshake presents: here the
	// files first hold a certificate of another CA, which Redis refuses, then the right one.
	other, err := localstack.WriteMutualTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	copyFile := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	certs := *r.options
	certs.TLSCertFile, certs.TLSKeyFile = filepath.Join(t.TempDir(), "tls.crt"), filepath.Join(t.TempDir(), "tls.key")
	copyFile(other.ClientCertFile, certs.TLSCertFile)
	copyFile(other.ClientKeyFile, certs.TLSKeyFile)
	renewed, err := certs.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer renewed.Close()
	if err := renewed.Ping(ctx).Err(); err == nil {
		t.Fatal("a client certificate of another CA was accepted")
	}
	copyFile(r.pki.ClientCertFile, certs.TLSCertFile)
	copyFile(r.pki.ClientKeyFile, certs.TLSKeyFile)
	waitFor(t, ctx, "a connection once the certificate files hold the right certificate", func() error { return renewed.Ping(ctx).Err() })
}
