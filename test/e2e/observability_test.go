package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

// testMetricsAndOpenAPI reads /metrics straight from netweave with a client certificate (as a
// Prometheus scraper bound to a metrics ClusterRole would) and the aggregated OpenAPI through
// kube-apiserver.
func testMetricsAndOpenAPI(t *testing.T, s *stack) {
	cert, err := s.cp.IssueClientCert("scraper", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	tlsCert, err := cert.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.cp.Serving.CABundle)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, ServerName: "localhost", Certificates: []tls.Certificate{tlsCert}, MinVersion: tls.VersionTLS13,
	}}}
	get := func(path string) (int, string) {
		resp, err := client.Get("https://127.0.0.1:" + strconv.Itoa(s.port) + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}

	// Reads served from the cache must show up as hits.
	s.kubectl(t, localstack.Admin, "get", "resourcepools", "-n", demoNS)
	code, body := get("/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	for _, want := range []string{
		`netweave_storage_cache_hits_total{`,
		`netweave_redis_storage_request_duration_seconds_bucket{`,
		`netweave_redis_persistence{mode="aof"} 1`,
		`resource="resourcepools"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, path := range []string{"/livez", "/healthz", "/readyz?verbose"} {
		if code, body := get(path); code != http.StatusOK {
			t.Errorf("%s: %d %s", path, code, body)
		} else if path == "/readyz?verbose" && !strings.Contains(body, "[+]redis ok") {
			t.Errorf("/readyz lacks the redis check:\n%s", body)
		}
	}

	for _, path := range []string{"/openapi/v2", "/openapi/v3/apis/o2ims.oran.org/v1alpha1"} {
		out := s.kubectl(t, localstack.Admin, "get", "--raw", path)
		if !strings.Contains(out, "resourcePoolId") || !strings.Contains(out, `"x-kubernetes-group-version-kind"`) {
			t.Errorf("%s lacks the o2ims definitions", path)
		}
	}
	// TLS 1.2 is refused: the listener defaults to TLS 1.3.
	old := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, ServerName: "localhost", MaxVersion: tls.VersionTLS12,
	}}}
	if resp, err := old.Get("https://127.0.0.1:" + strconv.Itoa(s.port) + "/livez"); err == nil {
		resp.Body.Close()
		t.Error("a TLS 1.2 client was served; want TLS 1.3 only by default")
	}
}

// TestRegressionO2ListenerStoppedStaysLive: a replica whose O2-IMS listener stopped (here its
// port is taken, as by another process on the host) stayed unready for good while /livez kept
// answering ok, so nothing (a kubelet's liveness probe) restarted it; the only sign was a log
// line. /livez now fails once the listener stopped while the server runs, and the replica
// serving the port stays live.
func TestRegressionO2ListenerStoppedStaysLive(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	taken := s.startReplica(t, "o2-port-taken", "--o2ims-secure-port="+strconv.Itoa(s.o2Port))
	// Failing for the listener: /livez as a whole also fails while a replica boots.
	livez := s.healthBodyAt(t, taken.port, "/livez?verbose")
	eventually(t, syncWait, "the replica whose O2 port is taken fails /livez", func() error {
		if code, body := livez(); code != http.StatusInternalServerError || !strings.Contains(body, "[-]o2ims-listener failed") {
			return fmt.Errorf("/livez answered %d: %s", code, body)
		}
		return nil
	})
	if code := s.healthClientAt(t, s.port, "/livez")(); code != http.StatusOK {
		t.Errorf("the replica serving the O2 port: /livez %d", code)
	}
}
