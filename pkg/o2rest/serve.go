package o2rest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/klog/v2"
)

// ServingOptions are the listener settings of the O2 face. They mirror the API server's so
// both faces offer the same TLS.
type ServingOptions struct {
	Address string
	// Cert is the serving certificate, shared with the API server (reloaded when it changes).
	Cert dynamiccertificates.CertKeyContentProvider
	// SNICerts are the API server's --tls-sni-cert-key certificates, each served to clients
	// that ask for one of its names (an SMO reaching the O-Cloud by a public name gets the
	// certificate for that name on both faces), Cert to the others.
	SNICerts []dynamiccertificates.SNICertKeyContentProvider
	// ClientCA is the API server's client CA: its names are sent to clients as the authorities
	// their certificate may come from, as the API server's listener does. Certificates are
	// verified by the authenticator, not by the handshake.
	ClientCA dynamiccertificates.CAContentProvider
	// MinVersion and CipherSuites as the API server's --tls-min-version and --tls-cipher-suites.
	MinVersion   uint16
	CipherSuites []uint16
	// RequireClientCert refuses TLS handshakes without a client certificate (mTLS-only SMOs).
	// Either way, certificates are verified by the authenticator against the cluster's client CA.
	RequireClientCert bool
	// RequestTimeout is the API server's --request-timeout. Beside the deadline the handler
	// chain gives every request, it bounds reading a request (and a tenth more) and writing its
	// answer (and two tenths more, so an answer made at the deadline, or to a body that stopped
	// coming, can still go out) on the connection; 0 leaves them unbounded.
	RequestTimeout time.Duration
	// HTTP2MaxStreamsPerConnection is the API server's --http2-max-streams-per-connection;
	// 0 keeps the default of 250 streams, as the API server does.
	HTTP2MaxStreamsPerConnection int
	// ShutdownTimeout bounds how long requests in flight when ctx ends may take to finish (the
	// API server's ShutdownTimeout, its listener's bound); 0 is defaultShutdownTimeout.
	ShutdownTimeout time.Duration
}

// http2MaxFrameAndStreamBuffer is what the API server's listener allows an HTTP/2 client to
// send in one frame and to have buffered on one stream (k8s.io/apiserver's
// resourceBody99Percentile, unexported): 256 KiB instead of Go's 1 MiB.
const http2MaxFrameAndStreamBuffer = 256 << 10

// defaultShutdownTimeout is the drain bound when ServingOptions.ShutdownTimeout is 0.
const defaultShutdownTimeout = 10 * time.Second

// Serve runs the O2 listener until ctx is done, then shuts down gracefully. listening, when
// set, is called once the listener accepts connections.
func Serve(ctx context.Context, o ServingOptions, handler http.Handler, listening func()) error {
	tlsConfig := &tls.Config{
		MinVersion:   o.MinVersion,
		CipherSuites: o.CipherSuites,
		ClientAuth:   tls.RequestClientCert,
		NextProtos:   []string{"h2", "http/1.1"},
	}
	if o.RequireClientCert {
		tlsConfig.ClientAuth = tls.RequireAnyClientCert
	}
	tlsConfig.GetConfigForClient = servingCertificates(ctx, tlsConfig, o)
	ln, err := net.Listen("tcp", o.Address)
	if err != nil {
		return fmt.Errorf("listen for O2-IMS on %s: %w", o.Address, err)
	}
	srv := &http.Server{
		Handler:           handler,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          log.New(serverLog{}, "", 0),
	}
	// The HTTP/2 limits of the API server's listener (SecureServingInfo.Serve): its streams
	// per connection (--http2-max-streams-per-connection) and its frame and per-stream buffer
	// sizes. The per-connection buffer keeps Go's 1 MiB rather than upstream's streams×256 KiB,
	// which would let one connection park 64 MiB of bodies in the server's memory.
	srv.HTTP2 = &http.HTTP2Config{
		MaxConcurrentStreams:      o.HTTP2MaxStreamsPerConnection,
		MaxReadFrameSize:          http2MaxFrameAndStreamBuffer,
		MaxReceiveBufferPerStream: http2MaxFrameAndStreamBuffer,
	}
	if o.RequestTimeout > 0 {
		// The handler chain's deadline ends a request's context, but a read or write blocked on
		// the connection never looks at it: a client that sends a body slowly, or stops reading
		// its answer once its socket buffer is full, would hold the handler, its API Priority
		// and Fairness seat and its buffers for as long as the connection lives. The server's
		// deadlines cut it off instead (HTTP/1.1: the connection, counted from the request's
		// arrival; HTTP/2: the stream). (Upstream's timeout filter, left out of the O2 chain,
		// would not: it aborts a request still writing at its timeout under the writer's lock,
		// which a write blocked on a full socket holds.)
		//
		// Writing gets another tenth, so that the answer to a request whose body stopped
		// coming (the handler's read failed at ReadTimeout) still goes out whole.
		srv.ReadTimeout = o.RequestTimeout + o.RequestTimeout/10
		srv.WriteTimeout = srv.ReadTimeout + o.RequestTimeout/10
		// On HTTP/2 the write timeout frees a stream's handler only once the stream's
		// RST_STREAM is written, behind whatever the connection's one writer is blocked on: a
		// client that opened its flow-control windows and stopped reading the connection
		// would keep the handler for as long as the connection lives. The connection is
		// closed instead when it accepts no byte for as long as an answer may take to write.
		srv.HTTP2.WriteByteTimeout = srv.WriteTimeout
	}
	klog.InfoS("Serving O2-IMS", "address", ln.Addr().String())
	if listening != nil {
		listening()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve O2-IMS: %w", err)
	case <-ctx.Done():
	}
	bound := o.ShutdownTimeout
	if bound <= 0 {
		bound = defaultShutdownTimeout
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bound)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// The requests still in flight are cut rather than left to outlive the listener.
		srv.Close()
		return fmt.Errorf("shut down O2-IMS listener: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve O2-IMS: %w", err)
	}
	return nil
}

// servingCertificates picks each handshake's certificate as the API server's listener does
// (k8s.io/apiserver's DynamicServingCertificateController, the same code): by the name the
// client asks for among the SNI certificates, else Cert, each reloaded when its provider
// changes; the certificates are parsed once per change, not per handshake. The providers'
// own controllers are the API server's, already running; this one follows them until ctx ends.
func servingCertificates(ctx context.Context, base *tls.Config, o ServingOptions) func(*tls.ClientHelloInfo) (*tls.Config, error) {
	c := dynamiccertificates.NewDynamicServingCertificateController(base, o.ClientCA, o.Cert, o.SNICerts, nil)
	if o.ClientCA != nil {
		o.ClientCA.AddListener(c)
	}
	if o.Cert != nil {
		o.Cert.AddListener(c)
	}
	for _, sni := range o.SNICerts {
		sni.AddListener(c)
	}
	// As the API server's listener: a content not loaded yet fails the handshakes until it
	// is, rather than the listener.
	if err := c.RunOnce(); err != nil {
		klog.ErrorS(err, "Loading the O2-IMS listener's serving certificates")
	}
	go c.Run(1, ctx.Done())
	return c.GetConfigForClient
}

// serverLog sends net/http's own messages to klog, minus the warning it logs for every query
// with a bare ";": in SOL013 filters ";" is the conjunction, and the O2 face reads the raw
// query itself (query.ParseRawQuery), so nothing is stripped.
type serverLog struct{}

func (serverLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if strings.Contains(msg, "URL query contains semicolon") {
		return len(p), nil
	}
	klog.V(serverLogLevel(msg)).InfoS("O2-IMS listener", "msg", msg)
	return len(p), nil
}

// serverLogLevel is the verbosity of one of net/http's messages: a failed TLS handshake is
// logged at 5, as the API server's listener does, since any client that can reach the port
// can make one per connection it opens (at 2 that floods the log for anyone); the rest at 2.
func serverLogLevel(msg string) klog.Level {
	if strings.HasPrefix(msg, "http: TLS handshake error") {
		return 5
	}
	return 2
}
