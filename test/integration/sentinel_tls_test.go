package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/apiserver/options"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
)

// TestRegressionSentinelTLSServerName is the regression test for Sentinels that serve a
// certificate of their own over TLS (their name, not the data nodes'): go-redis dials the
// Sentinels with the data nodes' TLS configuration, so with --redis-tls-server-name naming the
// data nodes every handshake with a Sentinel failed ("certificate is valid for sentinel.test,
// not redis.test") and netweave never turned ready, and no flag named the Sentinels' name.
// --redis-sentinel-tls-server-name does.
func TestRegressionSentinelTLSServerName(t *testing.T) {
	const dataName, sentinelName = "redis.test", "sentinel.test"
	bin := redisBinary(t)
	dir := t.TempDir()
	pki, certs, err := localstack.WriteMutualTLSFilesFor(dir, dataName, sentinelName)
	if err != nil {
		t.Fatal(err)
	}
	port := func() int {
		p, err := localstack.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	dataPort, sentinelPort := port(), port()
	stacktest.StartProcess(t, localstack.ProcessOptions{Name: "redis-tls-data", LogPath: filepath.Join(dir, "redis.log"), Argv: append([]string{bin,
		"--port", "0", "--tls-port", strconv.Itoa(dataPort), "--bind", "127.0.0.1", "--dir", dir,
		"--tls-cert-file", certs[dataName].CertFile, "--tls-key-file", certs[dataName].KeyFile, "--tls-ca-cert-file", pki.CAFile,
		"--tls-auth-clients", "no",
	}, localstack.RedisDurableArgs()...)})
	conf := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`port 0
tls-port %d
bind 127.0.0.1
dir %s
tls-cert-file %s
tls-key-file %s
tls-ca-cert-file %s
tls-auth-clients no
tls-replication yes
sentinel monitor %s 127.0.0.1 %d 1
`, sentinelPort, dir, certs[sentinelName].CertFile, certs[sentinelName].KeyFile, pki.CAFile, sentinelMaster, dataPort)), 0o600); err != nil {
		t.Fatal(err)
	}
	stacktest.StartProcess(t, localstack.ProcessOptions{Name: "redis-tls-sentinel", LogPath: filepath.Join(dir, "sentinel.log"),
		Argv: []string{bin, conf, "--sentinel"}})
	sentinelAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sentinelPort))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	caPEM, err := os.ReadFile(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	sc := goredis.NewSentinelClient(&goredis.Options{Addr: sentinelAddr, TLSConfig: &tls.Config{RootCAs: roots, ServerName: sentinelName, MinVersion: tls.VersionTLS12}})
	defer sc.Close()
	waitFor(t, ctx, "the Sentinel names the primary", func() error {
		return sc.GetMasterAddrByName(ctx, sentinelMaster).Err()
	})

	client := func(t *testing.T, sentinelServerName string) goredis.UniversalClient {
		t.Helper()
		opts := options.NewRedisOptions()
		opts.SentinelMaster = sentinelMaster
		opts.SentinelAddresses = []string{sentinelAddr}
		opts.TLS = true
		opts.TLSCAFile = pki.CAFile
		opts.TLSServerName = dataName
		opts.SentinelTLSServerName = sentinelServerName
		return optionsClient(t, opts)
	}
	// Without the flag the Sentinel is verified under the data nodes' name, as before, and
	// readiness names the flag.
	err = client(t, "").Ping(ctx).Err()
	if err == nil {
		t.Fatalf("a Sentinel serving %s was accepted under %s", sentinelName, dataName)
	}
	if advice := redisstore.RefusalAdvice(err); !strings.Contains(advice, "--redis-sentinel-tls-server-name") {
		t.Errorf("a Sentinel whose certificate does not verify (%v): advice %q names no --redis-sentinel-tls-server-name", err, advice)
	}
	c := client(t, sentinelName)
	waitFor(t, ctx, "ping the primary through the TLS Sentinel", func() error { return c.Ping(ctx).Err() })
	if err := c.Set(ctx, "netweave-tls-sentinel", "v", 0).Err(); err != nil {
		t.Fatalf("write through the TLS Sentinel: %v", err)
	}
}
