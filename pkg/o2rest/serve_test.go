package o2rest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/klog/v2"
)

// TestServeTLSOptions: the O2 listener applies the API server's TLS settings — TLS 1.3 only
// when configured so — and, when asked, refuses handshakes without a client certificate.
func TestServeTLSOptions(t *testing.T) {
	addr, certPEM, keyPEM := serveForTest(t, ServingOptions{MinVersion: tls.VersionTLS13, RequireClientCert: true},
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	clientCert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)

	get := func(cfg *tls.Config) error {
		cfg.RootCAs = pool
		cfg.ServerName = "localhost"
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := c.Get("https://" + addr + "/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return errors.New("status " + strconv.Itoa(resp.StatusCode))
		}
		return nil
	}
	withCert := func() *tls.Config { return &tls.Config{Certificates: []tls.Certificate{clientCert}} }
	if err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		return get(withCert()) == nil, nil
	}); err != nil {
		t.Fatalf("client with a certificate never served: %v", get(withCert()))
	}
	if err := get(&tls.Config{}); err == nil {
		t.Error("a client without a certificate was served")
	}
	tls12 := withCert()
	tls12.MaxVersion = tls.VersionTLS12
	if err := get(tls12); err == nil {
		t.Error("a TLS 1.2 client was served with MinVersion TLS 1.3")
	}
}

// TestRegressionSNICertificatesServedOnO2Port: the API server's --tls-sni-cert-key
// certificates were served on its own port only; an SMO reaching the O2 port by the name an
// operator had a certificate for got the default serving certificate, and its handshake failed
// verification. The O2 listener picks certificates by the name asked for, as the API server's
// listener does.
func TestRegressionSNICertificatesServedOnO2Port(t *testing.T) {
	sniPEM, sniKey, err := certutil.GenerateSelfSignedCertKey("smo.example.com", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sni, err := dynamiccertificates.NewStaticSNICertKeyContent("sni", sniPEM, sniKey, "smo.example.com")
	if err != nil {
		t.Fatal(err)
	}
	addr, certPEM, _ := serveForTest(t, ServingOptions{SNICerts: []dynamiccertificates.SNICertKeyContentProvider{sni}},
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	served := func(name string) []byte {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: name, InsecureSkipVerify: true})
		if err != nil {
			t.Fatalf("handshake asking for %q: %v", name, err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Raw
	}
	leaf := func(pemBytes []byte) []byte {
		certs, err := certutil.ParseCertsPEM(pemBytes)
		if err != nil {
			t.Fatal(err)
		}
		return certs[0].Raw
	}
	if got := served("smo.example.com"); !bytes.Equal(got, leaf(sniPEM)) {
		t.Error("a client asking for smo.example.com was not served its SNI certificate")
	}
	if got := served("localhost"); !bytes.Equal(got, leaf(certPEM)) {
		t.Error("a client asking for localhost was not served the default certificate")
	}
}

// TestRegressionHungClientIsCutOff: a client that sends a request and then never reads its
// answer held the handler (its goroutine, its API Priority and Fairness seat, its buffers and
// the graceful-shutdown wait group) for as long as the connection lived: the request's deadline
// ends its context, but a write blocked on a full socket never looks at the context. With the
// API server's request timeout on the listener, the write fails soon after the deadline, over
// HTTP/1.1 and HTTP/2 alike.
func TestRegressionHungClientIsCutOff(t *testing.T) {
	// Writing has a tenth of it more than reading: 400 ms for the handler to answer a stalled
	// body once its read fails (with a second, a loaded CI machine took 139 ms too many, and the
	// answer met the write deadline half-written: "tls: bad record MAC").
	const timeout = 4 * time.Second
	// The handler writes far more than the socket buffers of both ends hold, and reports how
	// its writing ended.
	ended := make(chan error, 4)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			_, err := io.ReadAll(r.Body)
			ended <- err
			if err != nil {
				http.Error(w, "the body stopped coming", http.StatusBadRequest)
			}
			return
		}
		ended <- writeMuch(w)
	})
	addr, certPEM, _ := serveForTest(t, ServingOptions{MinVersion: tls.VersionTLS12, RequestTimeout: timeout}, handler)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	tlsConfig := func(proto string) *tls.Config {
		return &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{proto}}
	}
	// The bound a cut-off write must meet: the request timeout and the listener's grace, with
	// room for a slow machine; a write that is not cut off never ends.
	bound := 10 * timeout

	t.Run("http1: a connection that reads nothing", func(t *testing.T) {
		// A small receive buffer, so the server's writes block soon; nothing is ever read.
		dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); err != nil {
				return err
			}
			return serr
		}}
		conn, err := tls.DialWithDialer(dialer, "tcp", addr, tlsConfig("http/1.1"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("GET /o2ims-infrastructureInventory/v1/resourcePools HTTP/1.1\r\nHost: localhost\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		awaitCutOff(t, ended, bound, "write", "the whole answer was written to a client that read none of it", "the handler is still writing to a client that reads nothing")
	})

	t.Run("http1: a request body that stops coming", func(t *testing.T) {
		conn, err := tls.Dial("tcp", addr, tlsConfig("http/1.1"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("POST /o2ims-infrastructureInventory/v1/subscriptions HTTP/1.1\r\nHost: localhost\r\n" +
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"callback\":")); err != nil {
			t.Fatal(err)
		}
		awaitCutOff(t, ended, bound, "read", "a body of 1,000 bytes was read whole from 13", "the handler is still reading a body that stopped coming")
		// Writing has a tenth more than reading: the handler's answer to the stalled body
		// reaches the client whole.
		if err := conn.SetReadDeadline(time.Now().Add(bound)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to the stalled request: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("answer %d, want the handler's 400", resp.StatusCode)
		}
	})

	t.Run("http2: a stream whose body is never read", func(t *testing.T) {
		tr := &http.Transport{TLSClientConfig: tlsConfig("h2"), ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/o2ims-infrastructureInventory/v1/resourcePools")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.ProtoMajor != 2 {
			t.Fatalf("served over %s, want HTTP/2", resp.Proto)
		}
		awaitCutOff(t, ended, bound, "write", "the whole answer was written to a stream that read none of it", "the handler is still writing to a stream that reads nothing")
	})
}

// awaitCutOff waits for the handler to report how its read or write (what) ended: with an
// error (the listener cut the client off) within bound. whole is the failure when the handler
// got through, stuck the failure when it did not end within bound.
func awaitCutOff(t *testing.T, ended <-chan error, bound time.Duration, what, whole, stuck string) {
	t.Helper()
	start := time.Now()
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal(whole)
		}
		t.Logf("the handler's %s ended after %s: %v", what, time.Since(start).Round(time.Millisecond), err)
	case <-time.After(bound):
		t.Fatalf("%s, %s after the request", stuck, bound)
	}
}

// serveForTest runs Serve with o, on a loopback port and a self-signed certificate for
// localhost, until the test ends; it returns the address and the certificate and key.
func serveForTest(t *testing.T, o ServingOptions, handler http.Handler) (addr string, certPEM, keyPEM []byte) {
	t.Helper()
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("localhost", []net.IP{net.ParseIP("127.0.0.1")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Cert, err = dynamiccertificates.NewStaticCertKeyContent("test", certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Address = l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	listening := make(chan struct{})
	go func() { done <- Serve(ctx, o, handler, func() { close(listening) }) }()
	<-listening
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return o.Address, certPEM, keyPEM
}

// TestRegressionHTTP2ConnectionThatReadsNothingIsCutOff: an HTTP/2 client that opens its
// flow-control windows wide and then stops reading the connection (a hung SMO process, or one
// that does it on purpose) held the handler for as long as the connection lived. The
// listener's write timeout is per stream on HTTP/2: when it fires, the server queues a
// RST_STREAM and frees the handler once that frame is written, but the connection's one writer
// is blocked on the full socket, so the frame never goes out and the handler, its API Priority
// and Fairness seat and its buffers stayed. (TestRegressionHungClientIsCutOff's HTTP/2 client
// reads the connection and only stops consuming the body, so flow control, not the socket,
// stops the writes, and the reset gets out.) The connection is now closed when it accepts no
// byte for as long as an answer may take to write.
func TestRegressionHTTP2ConnectionThatReadsNothingIsCutOff(t *testing.T) {
	const timeout = time.Second
	started := make(chan struct{})
	ended := make(chan error, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		ended <- writeMuch(w)
	})
	addr, certPEM, _ := serveForTest(t, ServingOptions{MinVersion: tls.VersionTLS12, RequestTimeout: timeout}, handler)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	// A small receive buffer, so the server's writes block soon; nothing is ever read.
	dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); err != nil {
			return err
		}
		return serr
	}}
	conn, err := tls.DialWithDialer(dialer, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q, want h2", p)
	}
	// The client's side of the connection, written by hand since it never reads: the preface,
	// the widest stream window, the acknowledgement the server waits for of its own settings
	// (it is sent before they arrive, which the server cannot tell), the widest connection
	// window, and one GET.
	const maxWindow = 1<<31 - 1
	var out []byte
	frame := func(typ, flags byte, stream uint32, payload []byte) {
		n := len(payload)
		out = append(out, byte(n>>16), byte(n>>8), byte(n), typ, flags, byte(stream>>24), byte(stream>>16), byte(stream>>8), byte(stream))
		out = append(out, payload...)
	}
	u32 := func(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
	literal := func(nameIndex byte, value string) []byte { // HPACK literal without indexing, indexed name
		return append([]byte{nameIndex, byte(len(value))}, value...)
	}
	out = append(out, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"...)
	frame(0x4, 0, 0, append([]byte{0, 0x4}, u32(maxWindow)...)) // SETTINGS_INITIAL_WINDOW_SIZE
	frame(0x4, 0x1, 0, nil)                                     // SETTINGS ACK
	frame(0x8, 0, 0, u32(maxWindow-65535))                      // WINDOW_UPDATE of the connection
	headers := []byte{0x82, 0x87}                               // :method GET, :scheme https
	headers = append(headers, literal(0x04, "/o2ims-infrastructureInventory/v1/resourcePools")...)
	headers = append(headers, literal(0x01, "localhost")...)
	frame(0x1, 0x1|0x4, 1, headers) // HEADERS, END_STREAM|END_HEADERS
	if _, err := conn.Write(out); err != nil {
		t.Fatal(err)
	}
	// The bound a cut-off write must meet: the request timeout and the listener's grace, with
	// room for a slow machine; a write that is not cut off never ends.
	bound := 10 * timeout
	select {
	case <-started:
	case <-time.After(bound):
		t.Fatalf("the GET did not reach the handler within %s", bound)
	}
	awaitCutOff(t, ended, bound, "write", "the whole answer was written to a connection that read none of it", "the handler is still writing to a connection that reads nothing")
}

// writeMuch writes an answer of 64 MiB, far more than the socket buffers of both ends hold,
// and returns how its writing ended.
func writeMuch(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/octet-stream")
	chunk := make([]byte, 64<<10)
	var err error
	for i := 0; i < 1024 && err == nil; i++ {
		_, err = w.Write(chunk)
	}
	return err
}

// TestRegressionHTTP2LimitsFollowAPIServer: the O2 listener ignored
// --http2-max-streams-per-connection (an operator who lowered it for the Kubernetes face still
// let every SMO connection open 250 streams on the O2 face) and accepted 1 MiB HTTP/2 frames
// and per-stream buffers where the API server's listener allows 256 KiB. The server's first
// SETTINGS frame must advertise the API server's limits.
func TestRegressionHTTP2LimitsFollowAPIServer(t *testing.T) {
	addr, certPEM, _ := serveForTest(t, ServingOptions{MinVersion: tls.VersionTLS12, HTTP2MaxStreamsPerConnection: 42},
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(wait.ForeverTestTimeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")); err != nil {
		t.Fatal(err)
	}
	// The server's first frame is its SETTINGS: a 9-byte header, then 6-byte entries.
	header := make([]byte, 9)
	if _, err := io.ReadFull(conn, header); err != nil {
		t.Fatal(err)
	}
	if header[3] != 0x4 {
		t.Fatalf("first frame has type %#x, want SETTINGS", header[3])
	}
	payload := make([]byte, int(header[0])<<16|int(header[1])<<8|int(header[2]))
	if _, err := io.ReadFull(conn, payload); err != nil {
		t.Fatal(err)
	}
	settings := map[uint16]uint32{}
	for p := payload; len(p) >= 6; p = p[6:] {
		settings[uint16(p[0])<<8|uint16(p[1])] = uint32(p[2])<<24 | uint32(p[3])<<16 | uint32(p[4])<<8 | uint32(p[5])
	}
	for id, want := range map[uint16]uint32{
		0x3: 42,        // SETTINGS_MAX_CONCURRENT_STREAMS
		0x4: 256 << 10, // SETTINGS_INITIAL_WINDOW_SIZE: the per-stream buffer
		0x5: 256 << 10, // SETTINGS_MAX_FRAME_SIZE
	} {
		if got, ok := settings[id]; !ok || got != want {
			t.Errorf("setting %#x: got %d (sent: %t), want %d", id, got, ok, want)
		}
	}
}

// TestRegressionTLSHandshakeErrorsLoggedAtTwo: every failed TLS handshake on the O2 port (a
// scanner, a plain-http client, a load balancer's TCP check) was logged at verbosity 2, so at
// -v=2 anyone who can reach the port filled the log at the rate it opened connections. They are
// logged at 5 now, as the API server's own listener logs them; net/http's other messages stay
// at 2.
func TestRegressionTLSHandshakeErrorsLoggedAtTwo(t *testing.T) {
	for msg, want := range map[string]klog.Level{
		"http: TLS handshake error from 10.0.0.9:51234: EOF":                                   5,
		"http: TLS handshake error from [fd00::9]:51234: tls: first record does not look like": 5,
		"http: Accept error: accept tcp [::]:9443: accept4: too many open files; retrying":     2,
		"http2: server: error reading preface from client 10.0.0.9:51234: bogus greeting":      2,
	} {
		if got := serverLogLevel(msg); got != want {
			t.Errorf("%q logged at %d, want %d", msg, got, want)
		}
	}
}

// TestRegressionShutdownBoundIsTheServers: on a stop, a request to the O2 listener still in
// flight was given a fixed 10 seconds whatever the API server's own shutdown bound
// (--request-timeout), and one that outlived it kept its connection open past Serve's return.
// The drain is now bounded by ServingOptions.ShutdownTimeout, and what outlives it is cut.
func TestRegressionShutdownBoundIsTheServers(t *testing.T) {
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("localhost", []net.IP{net.ParseIP("127.0.0.1")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := dynamiccertificates.NewStaticCertKeyContent("test", certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	started, ended := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // a request that finishes only when cut
		close(ended)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := ServingOptions{Address: addr, Cert: cert, MinVersion: tls.VersionTLS12, ShutdownTimeout: 200 * time.Millisecond}
	done := make(chan error, 1)
	listening := make(chan struct{})
	go func() { done <- Serve(ctx, o, handler, func() { close(listening) }) }()
	<-listening
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	go func() {
		if resp, err := client.Get("https://" + addr + "/"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Serve reported a clean shutdown with a request cut")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return within 5s with a 200ms shutdown bound")
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the request in flight outlived Serve")
	}
}
