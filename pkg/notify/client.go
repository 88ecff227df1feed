package notify

import (
	"crypto/tls"
	"net"
	"net/http"
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

// maxResponseHeaderBytes bounds the headers of an answer, interim (1xx) answers included, over
// HTTP/1 and HTTP/2 alike. The receiver is chosen by a tenant: at Go's default of 10 MiB a
// receiver answering every POST with megabytes of headers made the notifier hold that much per
// subscription delivering, a thousand subscriptions per namespace, enough to exhaust its
// memory for every tenant. A webhook's answer needs a few hundred bytes.
const maxResponseHeaderBytes = 64 << 10

// maxAnswerBufferedPerConnection bounds what one HTTP/2 connection to a receiver may have sent
// and the notifier not yet read, over all its streams. Each stream's window is maxAnswerBody,
// the most of an answer the notifier reads. Go's defaults (4 MiB a stream, 1 GiB a connection)
// let a tenant's receiver, answering every POST of its subscriptions with megabytes at once,
// make the notifier buffer up to 4 MiB for each delivery in flight to it, all multiplexed on
// one connection: with a thousand subscriptions per namespace, more memory than the process
// has.
const maxAnswerBufferedPerConnection = 1 << 20

// NewHTTPClient builds the outbound client: no proxy (a proxy would dial on our behalf, past
// the address policy), the policy checked on every connection, no redirects followed (a
// redirect would send the request somewhere the policy did not see chosen), answers' headers
// bounded (maxResponseHeaderBytes), and over HTTP/2 what a receiver may send ahead of the
// reader (maxAnswerBody a stream, maxAnswerBufferedPerConnection a connection).
func NewHTTPClient(c ClientConfig) *http.Client {
	dialer := &net.Dialer{Timeout: c.Timeout, KeepAlive: 30 * time.Second, Control: c.Policy.Control}
	transport := &http.Transport{
		Proxy:             nil,
		DialContext:       dialer.DialContext,
		TLSClientConfig:   c.TLS,
		ForceAttemptHTTP2: true,
		// Over HTTP/1.1 every subscription delivering at once holds a connection; with up to
		// thousands of subscriptions behind one receiver, keep them instead of redialing.
		MaxIdleConns:           4096,
		MaxIdleConnsPerHost:    1024,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    c.Timeout,
		ResponseHeaderTimeout:  c.Timeout,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
		HTTP2: &http.HTTP2Config{
			MaxReceiveBufferPerStream:     maxAnswerBody,
			MaxReceiveBufferPerConnection: maxAnswerBufferedPerConnection,
		},
	}
	return &http.Client{Transport: transport, CheckRedirect: KeepRedirect}
}

// KeepRedirect is a CheckRedirect that follows no redirect: the redirect answer is the answer.
func KeepRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
