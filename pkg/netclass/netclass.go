// Package netclass tells apart the ways an outbound request fails, for statuses that must say
// which class of failure happened and nothing more: a raw dial error ("connection refused" vs
// "no route to host", the address a name resolved to) would tell whoever chose the URL what
// netweave's network reaches. Used by the notifier (callbacks), the chart fetcher and the
// member clusters' reachability (a ClusterReachable condition reaches the tenant that
// provisioned the cluster).
package netclass

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strings"
)

// NoConnection reports whether err is a failure to get a connection: refused, unreachable,
// filtered (a dial timeout), a name that does not resolve. They are one class on purpose.
func NoConnection(err error) bool {
	var (
		op  *net.OpError
		dns *net.DNSError
	)
	return (errors.As(err, &op) && op.Op == "dial") || errors.As(err, &dns)
}

// Timeout reports whether err is a deadline: the context's, or a network timeout.
func Timeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &t) && t.Timeout())
}

// TLS recognises handshake failures: certificate verification, alerts either way, a peer
// that does not speak TLS, and net/http's handshake timeout (an unexported type).
func TLS(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		header   tls.RecordHeaderError
		alert    tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		op       *net.OpError
	)
	switch {
	case errors.As(err, &verify), errors.As(err, &header), errors.As(err, &alert),
		errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return true
	case errors.As(err, &op) && (op.Op == "remote error" || op.Op == "local error"):
		// crypto/tls reports alerts it received or sent as these.
		return true
	}
	if Timeout(err) {
		// net/http's "TLS handshake timeout": the peer stalled, which is a timeout, whichever
		// of the handshake's and the request's deadlines fired first.
		return false
	}
	if NoConnection(err) {
		// The handshake comes after the connection; and a resolver's error names the host,
		// which may end in "tls".
		return false
	}
	// The rest of crypto/tls's errors are plain text. Only the transport's text is read: a
	// url.Error quotes its URL, whose query (net/http leaves it unescaped) is whatever the
	// creator of the callback, chart source or kubeconfig wrote, "tls: " included.
	var uerr *url.Error
	if errors.As(err, &uerr) && uerr.Err != nil {
		err = uerr.Err
	}
	msg := err.Error()
	return strings.Contains(msg, "TLS handshake") || strings.Contains(msg, "tls: ")
}
