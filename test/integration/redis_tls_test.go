package integration

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/apiserver/options"
)

// TestRedisMutualTLSAndPassword runs Redis with TLS only (no plaintext port), client
// certificates required and a password, and stores through the client that the server's
// --redis-tls-* and --redis-password-file flags build. Without the client certificate, or with
// the wrong password, the store fails instead of silently talking plaintext.
func TestRedisMutualTLSAndPassword(t *testing.T) {
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
	const password = "s3cret-for-tests"
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
	wrongPassword.PasswordFile = filepath.Join(dir, "wrong")
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
