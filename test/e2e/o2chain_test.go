package e2e

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

	"github.com/netweave-io/netweave/internal/localstack"
)

// requestTimeout is TestO2ServingChain's --request-timeout: short, so that a request cut off at
// it is seen within the test.
const requestTimeout = 10 * time.Second

// TestO2ServingChain runs the O2 face with --o2ims-require-client-cert and an audit log, and
// shows the API server's handler chain serving it: the client certificate is verified against
// the cluster's client CA, bearer tokens are refused, an O2 read is an audit event like a
// kubectl get, request metrics carry it, and /readyz reports the O2 listener.
func TestO2ServingChain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	policy, auditLog := filepath.Join(dir, "audit-policy.yaml"), filepath.Join(dir, "audit.log")
	shipped, err := localstack.AuditPolicy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(policy, shipped, 0o600); err != nil {
		t.Fatal(err)
	}
	s := startStack(t, "--o2ims-require-client-cert=true", "--audit-policy-file="+policy, "--audit-log-path="+auditLog,
		"--audit-log-mode=blocking", "--request-timeout="+requestTimeout.String())
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
		// The listener names the client CA in its certificate request, as the API server's
		// does, so a Go client sends no certificate that CA did not sign and the handshake
		// fails. A client that sends its certificate whatever the request names (curl, say)
		// reaches the authenticator, which refuses it: 401.
		bad := selfSigned(t, "cert-smo")
		var acceptable [][]byte
		anyway := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS13,
			GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
				acceptable = cri.AcceptableCAs
				return &bad, nil
			},
		}}}
		code, hdr, body := get(anyway, s.o2APIRoot(), path, "")
		if code != http.StatusUnauthorized || hdr.Get("Content-Type") != "application/problem+json" {
			t.Errorf("self-signed certificate: %d %q %s", code, hdr.Get("Content-Type"), body)
		}
		if len(acceptable) == 0 {
			t.Error("the certificate request names no acceptable CA (the API server's listener names its client CA)")
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

	// The policy the chart ships records who did what and the result, and never a body: a
	// credential in an object's free-form fields stays out of the audit log. Probes and
	// netweave's own informers leave no events.
	t.Run("the shipped audit policy records no body", func(t *testing.T) {
		const ns, canary = "audit-canary", "c2VjcmV0LXZhbHVl-not-in-the-log"
		s.kubectl(t, localstack.Admin, "create", "namespace", ns)
		manifest := `apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: canary, namespace: ` + ns + `}
spec:
  resourcePoolId: 0d7e6f1a-3c55-4b8e-9a1f-2b6c5d4e3f01
  name: canary
  oCloudId: 0d7e6f1a-3c55-4b8e-9a1f-2b6c5d4e3f02
  extensions: {password: ` + canary + `}
`
		if out, stderr, err := s.kubectlStdin(t, localstack.Admin, manifest, "create", "-f", "-"); err != nil {
			t.Fatalf("create the pool: %v\n%s%s", err, out, stderr)
		}
		s.kubectl(t, localstack.Admin, "get", "resourcepools", "-n", ns, "canary", "-o", "json")
		for _, verb := range []string{"create", "get"} {
			eventually(t, 10*time.Second, "the audit log holds the "+verb, func() error {
				ev, err := findAuditEvent(auditLog, func(ev auditEvent) bool {
					path, _, _ := strings.Cut(ev.RequestURI, "?")
					return ev.Verb == verb && strings.HasSuffix(path, "/namespaces/"+ns+"/resourcepools"+map[string]string{"create": "", "get": "/canary"}[verb]) &&
						ev.Stage == "ResponseComplete"
				})
				if err != nil {
					return err
				}
				if ev.Level != "Metadata" || len(ev.RequestObject) > 0 || len(ev.ResponseObject) > 0 {
					return errorf("the %s's event is at level %q with a body: %+v", verb, ev.Level, ev)
				}
				return nil
			})
		}
		// An O2 write is two events: the O2 request (the caller, the O2 path, the answer) and
		// the Kubernetes write it makes as the caller over the loopback connection (user
		// system:apiserver, impersonatedUser the caller). They carry one audit ID, as a request
		// the aggregator proxies does, so an auditor can tell which O2 request made which write
		// (the O2 event names no object: a POST's path is the collection's).
		s.kubectl(t, localstack.Admin, "create", "clusterrolebinding", "cert-smo-subscriber", "--clusterrole=o2ims-subscriber", "--user=cert-smo")
		const callback = "https://smo.example.net/audit?token=callback-token-not-in-the-log"
		eventually(t, 30*time.Second, "the O2 subscription POST", func() error {
			req, err := http.NewRequest(http.MethodPost, s.o2APIRoot()+inventoryAPI+"/v1/subscriptions", strings.NewReader(`{"callback":"`+callback+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client(good).Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusCreated {
				return errorf("%d %s", resp.StatusCode, body)
			}
			return nil
		})
		var outer auditEvent
		eventually(t, 10*time.Second, "the audit log holds the O2 POST and its Kubernetes create", func() error {
			var err error
			outer, err = findAuditEvent(auditLog, func(ev auditEvent) bool {
				return ev.User.Username == "cert-smo" && ev.Verb == "post" && ev.RequestURI == inventoryAPI+"/v1/subscriptions" &&
					ev.ResponseStatus.Code == http.StatusCreated && ev.Stage == "ResponseComplete"
			})
			if err != nil {
				return errorf("the O2 POST: %v", err)
			}
			if _, err := findAuditEvent(auditLog, func(ev auditEvent) bool {
				return ev.Verb == "create" && ev.User.Username == "system:apiserver" && ev.ImpersonatedUser != nil &&
					ev.ImpersonatedUser.Username == "cert-smo" && ev.Stage == "ResponseComplete"
			}); err != nil {
				return errorf("the impersonated create: %v", err)
			}
			return nil
		})
		if ev, err := findAuditEvent(auditLog, func(ev auditEvent) bool {
			return ev.Verb == "create" && ev.ImpersonatedUser != nil && ev.ImpersonatedUser.Username == "cert-smo" && ev.AuditID == outer.AuditID
		}); err != nil {
			t.Errorf("the O2 POST's Kubernetes create does not carry its audit ID %s: %v", outer.AuditID, err)
		} else if ev.User.Username != "system:apiserver" || ev.ResponseStatus.Code != http.StatusCreated {
			t.Errorf("the O2 POST's Kubernetes create: %+v", ev)
		}
		// Refusals are events too: a certificate no CA signed (the subtest above) is a 401 with
		// the source address; a write the caller may not make, a 403 with the caller.
		if _, err := findAuditEvent(auditLog, func(ev auditEvent) bool {
			return ev.ResponseStatus.Code == http.StatusUnauthorized && strings.HasPrefix(ev.RequestURI, inventoryAPI+"/v1/resourcePools") && len(ev.SourceIPs) > 0
		}); err != nil {
			t.Errorf("no event for the refused authentication: %v", err)
		}
		req, err := http.NewRequest(http.MethodPost, s.o2APIRoot()+monitoringAPI+"/v2/alarms/purge", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if resp, err := client(good).Do(req); err != nil {
			t.Fatal(err)
		} else {
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("a purge by a subscriber: %d, not 403", resp.StatusCode)
			}
		}
		eventually(t, 10*time.Second, "the audit log holds the refused purge", func() error {
			_, err := findAuditEvent(auditLog, func(ev auditEvent) bool {
				return ev.User.Username == "cert-smo" && ev.Verb == "post" && strings.HasSuffix(ev.RequestURI, "/alarms/purge") && ev.ResponseStatus.Code == http.StatusForbidden
			})
			return err
		})

		raw, err := os.ReadFile(auditLog)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), canary) {
			t.Errorf("the audit log holds the pool's extensions (the canary value)")
		}
		if strings.Contains(string(raw), "callback-token-not-in-the-log") {
			t.Errorf("the audit log holds the subscription's callback")
		}
		if ev, err := findAuditEvent(auditLog, func(ev auditEvent) bool {
			return strings.HasPrefix(ev.RequestURI, "/readyz") || strings.HasPrefix(ev.RequestURI, "/healthz") || strings.HasPrefix(ev.RequestURI, "/livez") ||
				(ev.User.Username == "system:serviceaccount:o2ims-system:netweave" || ev.User.Username == "system:apiserver") && (ev.Verb == "list" || ev.Verb == "watch")
		}); err == nil {
			t.Errorf("an event the policy leaves out: %+v", ev)
		}
	})

	t.Run("a client that stops reading is cut off at the request timeout", func(t *testing.T) {
		testHungClientCutOff(t, s, good, auditLog)
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

// testHungClientCutOff: an SMO that asks for a large page and then reads nothing of it held
// the request (its goroutine, its API Priority and Fairness seat, its buffers) for as long as
// its connection lived; the request's deadline ended its context, but the handler was blocked
// writing to a full socket. Now the listener cuts the connection soon after --request-timeout,
// and the request completes: its audit event (ResponseComplete, written when the handler
// returns) appears.
func testHungClientCutOff(t *testing.T, s *stack, cert tls.Certificate, auditLog string) {
	ctx := context.Background()
	const ns, marker = "hung-client", "hung-client page"
	s.kubectl(t, localstack.Admin, "create", "namespace", ns)
	o2 := s.admin(t).O2imsV1alpha1()
	typeID, poolID := "6c8e3a57-0d1b-4c2e-9f47-3b5d2a1e0c01", "6c8e3a57-0d1b-4c2e-9f47-3b5d2a1e0c02"
	if _, err := o2.ResourceTypes(ns).Create(ctx, &v1alpha1.ResourceType{
		ObjectMeta: metav1.ObjectMeta{Name: "big"},
		Spec: v1alpha1.ResourceTypeSpec{ResourceTypeID: typeID, Name: "big", Vendor: "v", Model: "m", Version: "1",
			ResourceKind: v1alpha1.ResourceKind("PHYSICAL"), ResourceClass: v1alpha1.ResourceClass("COMPUTE")},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := o2.ResourcePools(ns).Create(ctx, &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Name: "big"},
		Spec:       v1alpha1.ResourcePoolSpec{ResourcePoolID: poolID, Name: "big", OCloudID: "6c8e3a57-0d1b-4c2e-9f47-3b5d2a1e0c03"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// 500 Resources of ~16 KB (extensions at their size limit): a page of ~8 MiB, more than the
	// socket buffers of both ends hold.
	const n = 500
	pad := v1alpha1.JSON{Raw: []byte(strconv.Quote(strings.Repeat("x", 16000)))}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				_, err := o2.O2Resources(ns).Create(ctx, &v1alpha1.O2Resource{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("r-%03d", i)},
					Spec: v1alpha1.ResourceSpec{
						ResourceID: fmt.Sprintf("6c8e3a57-0d1b-4c2e-9f47-%012d", i), ResourcePoolID: poolID, ResourceTypeID: typeID,
						Description: marker, Extensions: v1alpha1.Extensions{"pad": pad},
					},
				}, metav1.CreateOptions{})
				if err != nil {
					errs <- fmt.Errorf("create resource %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	path := inventoryAPI + "/v1/resourcePools/" + poolID + "/resources"
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.cp.Serving.CABundle)
	tlsConfig := &tls.Config{RootCAs: pool, ServerName: "localhost", Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13,
		NextProtos: []string{"http/1.1"}}
	reader := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	eventually(t, 60*time.Second, "the O2 face serves a page of over 6 MiB", func() error {
		resp, err := reader.Get(s.o2APIRoot() + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		size, err := io.Copy(io.Discard, resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK || size < 6<<20 {
			return errorf("%d, %d bytes (%v)", resp.StatusCode, size, err)
		}
		return nil
	})

	// The hung client: a receive buffer of 4 KiB, a request, and no read ever after.
	dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); err != nil {
			return err
		}
		return serr
	}}
	addr := strings.TrimPrefix(s.o2APIRoot(), "https://")
	conn, err := tls.DialWithDialer(dialer, "tcp", addr, tlsConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const auditID = "hung-client-3b5d2a1e"
	start := time.Now()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAudit-ID: %s\r\n\r\n", path, addr, auditID); err != nil {
		t.Fatal(err)
	}
	// The bound: the timeout and the listener's two tenths more for writing, with room for a slow
	// machine. Before the fix no event ever came.
	eventually(t, requestTimeout+requestTimeout/5+20*time.Second, "the hung request completes", func() error {
		ev, err := findAuditEvent(auditLog, func(ev auditEvent) bool { return ev.AuditID == auditID && ev.Stage == "ResponseComplete" })
		if err != nil {
			return err
		}
		if ev.User.Username != "cert-smo" {
			return errorf("audit event %+v", ev)
		}
		return nil
	})
	took := time.Since(start)
	t.Logf("the request of a client that read nothing completed %s after it was sent (--request-timeout=%s)", took.Round(time.Millisecond), requestTimeout)
	if took < requestTimeout {
		t.Errorf("the request completed after %s, before the request timeout: the page was not large enough to block", took)
	}
}

// auditEvent is the part of an audit.k8s.io/v1 Event the test reads.
type auditEvent struct {
	AuditID    string `json:"auditID"`
	Stage      string `json:"stage"`
	RequestURI string `json:"requestURI"`
	Verb       string `json:"verb"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	ImpersonatedUser *struct {
		Username string `json:"username"`
	} `json:"impersonatedUser"`
	Level          string          `json:"level"`
	RequestObject  json.RawMessage `json:"requestObject"`
	ResponseObject json.RawMessage `json:"responseObject"`
	SourceIPs      []string        `json:"sourceIPs"`
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
