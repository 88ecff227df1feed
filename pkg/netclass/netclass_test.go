package netclass

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
)

// handshakeTimeout is the shape of net/http's "TLS handshake timeout" error.
type handshakeTimeout struct{}

func (handshakeTimeout) Error() string   { return "net/http: TLS handshake timeout" }
func (handshakeTimeout) Timeout() bool   { return true }
func (handshakeTimeout) Temporary() bool { return true }

// TestHandshakeTimeoutIsATimeout: a peer that never answers the TLS handshake was classed a
// TLS failure when the transport's handshake deadline fired before the request's, and a
// timeout otherwise (TestCallbackSlowToAnswerBoundedByTimeout failed one run in three). It
// is a timeout.
func TestHandshakeTimeoutIsATimeout(t *testing.T) {
	if TLS(handshakeTimeout{}) {
		t.Error("a TLS handshake timeout is classed a TLS failure")
	}
	if !Timeout(handshakeTimeout{}) {
		t.Error("a TLS handshake timeout is not classed a timeout")
	}
}

// TestRegressionRefusedConnectionReportedAsTLSFailure: a callback (or chart source, or member
// API server) that could not be connected to was reported "TLS handshake failed" when the text
// its creator chose (the URL's query, which net/http quotes unescaped, or a host name ending in
// "tls") contained "tls: " or
// "TLS handshake", because the last resort of TLS matched the whole error text, URL included.
// The shapes are net/http's: a url.Error quoting the URL around the dial's error.
func TestRegressionRefusedConnectionReportedAsTLSFailure(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	// The cgo resolver, and Go's for a name it will not look up, name no server.
	noSuchHost := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "smo-mtls", IsNotFound: true}}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"query naming tls", &url.Error{Op: "Post", URL: "https://smo.example/notify?via=tls: 1", Err: refused}},
		{"query naming a TLS handshake", &url.Error{Op: "Post", URL: "https://smo.example/notify?step=TLS handshake", Err: refused}},
		{"host ending in tls that does not resolve", &url.Error{Op: "Post", URL: "https://smo-mtls/notify", Err: noSuchHost}},
	} {
		if TLS(tc.err) {
			t.Errorf("%s: %v is classed a TLS failure", tc.name, tc.err)
		}
		if got := APIServer(tc.err); got != APIServerConnect {
			t.Errorf("%s: APIServer(%v) = %q, want %q", tc.name, tc.err, got, APIServerConnect)
		}
	}

	// What crypto/tls reports as plain errors is still a TLS failure, inside the URL's error.
	for _, err := range []error{
		&url.Error{Op: "Post", URL: "https://smo.example/", Err: errors.New("tls: server selected unsupported protocol version 301")},
		&url.Error{Op: "Get", URL: "https://api.member:6443/", Err: fmt.Errorf("tls: failed to parse certificate from server: %w", errors.New("x509: malformed certificate"))},
		errors.New("tls: no renegotiation"),
	} {
		if !TLS(err) {
			t.Errorf("%v is not classed a TLS failure", err)
		}
	}
}
