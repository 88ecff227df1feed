package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

// auditPolicy logs every request at Metadata level: user, verb, URI, code.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
`

// TestO2ServingChain runs the O2 face with --o2ims-require-client-cert and an audit log, and
// shows the API server's handler chain serving it: the client certificate is verified against
// the cluster's client CA, bearer tokens are refused, an O2 read is an audit event like a
// kubectl get, request metrics carry it, and /readyz reports the O2 listener.
func TestO2ServingChain(t *testing.T) {
	dir := t.TempDir()
	policy, auditLog := filepath.Join(dir, "audit-policy.yaml"), filepath.Join(dir, "audit.log")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startStack(t, "--o2ims-require-client-cert=true", "--audit-policy-file="+policy, "--audit-log-path="+auditLog,
		"--audit-log-mode=blocking")
	s.kubectl(t, localstack.Admin, "create", "clusterrolebinding", "cert-smo-reader", "--clusterrole=o2ims-reader", "--user=cert-smo")

	cert, err := s.cp.IssueClientCert("cert-smo")
	if err != nil {
		t.Fatal(err)
	}
	good, err := cert.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.cp.Serving.CABundle)
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: pool, ServerName: "localhost", Certificates: certs, MinVersion: tls.VersionTLS13,
		}}}
	}
	get := func(c *http.Client, base, path, token string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, nil, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(body)
	}
	const path = inventoryAPI + "/v1/resourcePools?filter=(eq,name,none);(neq,name,x)"

	var code int
	var body string
	eventually(t, 30*time.Second, "the certificate user's binding takes effect", func() error {
		if code, _, body = get(client(good), s.o2APIRoot(), path, ""); code != http.StatusOK {
			return errorf("%d %s", code, body)
		}
		return nil
	})

	t.Run("bearer tokens are refused on a client-certificate listener", func(t *testing.T) {
		admin := s.cp.RESTConfig(localstack.Admin).BearerToken
		code, hdr, body := get(client(good), s.o2APIRoot(), path, admin)
		if code != http.StatusUnauthorized || hdr.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, "bearer tokens are refused") {
			t.Errorf("certificate plus admin token: %d %q %s", code, hdr.Get("Content-Type"), body)
		}
	})

	t.Run("a certificate the client CA did not sign is refused", func(t *testing.T) {
		code, hdr, body := get(client(selfSigned(t, "cert-smo")), s.o2APIRoot(), path, "")
		if code != http.StatusUnauthorized || hdr.Get("Content-Type") != "application/problem+json" {
			t.Errorf("self-signed certificate: %d %q %s", code, hdr.Get("Content-Type"), body)
		}
	})

	t.Run("an O2 read is an audit event like a kubectl get", func(t *testing.T) {
		eventually(t, 10*time.Second, "the audit log holds the O2 read", func() error {
			ev, err := findAuditEvent(auditLog, func(ev auditEvent) bool {
				return ev.User.Username == "cert-smo" && strings.HasPrefix(ev.RequestURI, inventoryAPI+"/v1/resourcePools")
			})
			if err != nil {
				return err
			}
			if ev.Verb != "get" || ev.ResponseStatus.Code != http.StatusOK || len(ev.SourceIPs) == 0 || ev.Stage != "ResponseComplete" {
				return errorf("audit event %+v", ev)
			}
			return nil
		})
	})

	t.Run("request metrics and readiness include the O2 face", func(t *testing.T) {
		scraper, err := s.cp.IssueClientCert("scraper", "system:masters")
		if err != nil {
			t.Fatal(err)
		}
		sc, err := scraper.TLSCertificate()
		if err != nil {
			t.Fatal(err)
		}
		main := "https://127.0.0.1:" + strconv.Itoa(s.port)
		code, _, body := get(client(sc), main, "/metrics", "")
		if code != http.StatusOK || !strings.Contains(body, `component="o2ims"`) || !strings.Contains(body, `resource="resourcepools"`) {
			t.Errorf("/metrics: %d, lacks apiserver_request_total{component=\"o2ims\"}", code)
		}
		for _, line := range strings.Split(body, "\n") {
			if strings.Contains(line, `component="o2ims"`) && (strings.Contains(line, "tenant") || strings.Contains(line, "cert-smo")) {
				t.Errorf("a request metric names a tenant or user: %s", line)
			}
		}
		code, _, body = get(client(sc), main, "/readyz?verbose", "")
		if code != http.StatusOK || !strings.Contains(body, "[+]o2ims-rest ok") {
			t.Errorf("/readyz: %d\n%s", code, body)
		}
	})
}

// auditEvent is the part of an audit.k8s.io/v1 Event the test reads.
type auditEvent struct {
	Stage      string `json:"stage"`
	RequestURI string `json:"requestURI"`
	Verb       string `json:"verb"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	SourceIPs      []string `json:"sourceIPs"`
	ResponseStatus struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

func findAuditEvent(path string, match func(auditEvent) bool) (auditEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return auditEvent{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev auditEvent
		if json.Unmarshal(sc.Bytes(), &ev) == nil && match(ev) {
			return ev, nil
		}
	}
	return auditEvent{}, errorf("no matching event in %s", path)
}

// selfSigned makes a client certificate for cn that no CA of the cluster signed.
func selfSigned(t *testing.T, cn string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
