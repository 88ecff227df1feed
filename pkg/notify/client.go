package notify

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// ClientConfig configures an outbound HTTP client: the one that POSTs notifications to
// callbacks, and the one that registers the O-Cloud with the SMO (pkg/smoreg). Both leave the
// cluster from a process with cluster credentials, so both get the same protections.
type ClientConfig struct {
	// Policy refuses forbidden addresses at dial time (SSRF: loopback, link-local, private
	// ranges, cloud metadata, ... unless allowed).
	Policy *CallbackPolicy
	// Timeout bounds dialing, the TLS handshake and waiting for response headers; callers
	// bound a whole request with their context.
	Timeout time.Duration
	// TLS is the client TLS configuration (CA bundle, client certificate); nil uses the
	// system roots and no client certificate.
	TLS *tls.Config
}

// NewHTTPClient builds the outbound client: no proxy (a proxy would dial on our behalf, past
// the address policy), the policy checked on every connection, no redirects followed (a
// redirect would send the request somewhere the policy did not see chosen).
func NewHTTPClient(c ClientConfig) *http.Client {
	dialer := &net.Dialer{Timeout: c.Timeout, KeepAlive: 30 * time.Second, Control: c.Policy.Control}
	transport := &http.Transport{
		Proxy:             nil,
		DialContext:       dialer.DialContext,
		TLSClientConfig:   c.TLS,
		ForceAttemptHTTP2: true,
		// Over HTTP/1.1 every subscription delivering at once holds a connection; with up to
		// thousands of subscriptions behind one receiver, keep them instead of redialing.
		MaxIdleConns:          4096,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   c.Timeout,
		ResponseHeaderTimeout: c.Timeout,
	}
	return &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// ClientTLSFiles name the files of an outbound client's TLS configuration; FlagPrefix names
// the flags in errors (e.g. "notifier" for --notifier-ca-file).
type ClientTLSFiles struct {
	CAFile, CertFile, KeyFile string
	FlagPrefix                string
}

// Config is the TLS configuration: TLS 1.2 at least, the CA bundle as roots when given
// (system roots otherwise), and the client certificate when given, read again on every
// handshake that asks for it so that a rotated certificate is picked up.
func (f ClientTLSFiles) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--%s-ca-file: %w", f.FlagPrefix, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--%s-ca-file %s holds no certificate", f.FlagPrefix, f.CAFile)
		}
		cfg.RootCAs = pool
	}
	if f.CertFile != "" {
		certFile, keyFile, prefix := f.CertFile, f.KeyFile, f.FlagPrefix
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			cert, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				return nil, fmt.Errorf("%s client certificate: %w", prefix, err)
			}
			return &cert, nil
		}
		if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
			return nil, fmt.Errorf("--%s-client-cert-file: %w", f.FlagPrefix, err)
		}
	}
	return cfg, nil
}
