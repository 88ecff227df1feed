package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Classes of delivery failure, as a subscription's status.lastError reports them.
//
// The status is read by whoever may read the subscription, and the callback is whatever its
// creator chose. A raw dial error there ("connect: connection refused" vs "no route to host"
// vs "i/o timeout", with the address a name resolved to) would make the notifier a port and
// network scanner for anyone allowed to create subscriptions. So the status says what class of
// failure happened, and the same class for every way of not getting a connection; the full
// error goes to the notifier's log (klog V(2)), for the operator.
const (
	FailureAddressRefused = "callback refused: address not allowed"
	FailureTokenNeedsTLS  = "callback refused: OAuth2 token requires https"
	FailureInvalidURL     = "callback refused: invalid URL"
	FailureConnection     = "connection failed"
	FailureTimeout        = "timeout"
	FailureTLS            = "TLS handshake failed"
	FailureToken          = "OAuth2 token request failed"
	FailureOther          = "delivery failed"
	// Signing secrets (spec.signingSecretRef): the Secret is in the subscription's own
	// namespace and was named by its creator, who may read it (checked at admission).
	FailureSecretNotFound   = "signing secret not found"
	FailureSecretNotOptedIn = "signing secret refused: not of type " + v1alpha1.SecretTypeSigningKey + " nor labelled " + v1alpha1.LabelSigningKey + "=true"
	FailureSecretNoKey      = "signing secret has no such key"
	FailureSecretUnreadable = "signing secret could not be read"
)

// classified is a failure whose class is known where it happens (signing keys, the token).
type classified struct {
	class string
	err   error
}

func (c *classified) Error() string {
	if c.err == nil {
		return c.class
	}
	return c.class + ": " + c.err.Error()
}

func (c *classified) Unwrap() error { return c.err }

func classify(class string, err error) error { return &classified{class: class, err: err} }

// StatusError is a callback's answer other than 2xx.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string { return "HTTP " + strconv.Itoa(e.Code) }

// FailureClass maps an error of Sender.Send to its class (one of the Failure constants, or
// "HTTP <code>"); it never returns addresses, host names or system error text.
func FailureClass(err error) string {
	var (
		c       *classified
		refused *RefusedError
		status  *StatusError
		op      *net.OpError
		dns     *net.DNSError
		uerr    *url.Error
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &c):
		return c.class
	case errors.As(err, &refused):
		return FailureAddressRefused
	case errors.As(err, &status):
		return status.Error()
	case isTLSError(err):
		return FailureTLS
	// Every way of not getting a connection is one class: refused, unreachable, filtered
	// (a dial timeout), a name that does not resolve.
	case errors.As(err, &op) && op.Op == "dial", errors.As(err, &dns):
		return FailureConnection
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return FailureTimeout
	case errors.As(err, &uerr):
		// Connected, then reset or closed without an answer.
		return FailureConnection
	}
	return FailureOther
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// isTLSError recognises handshake failures: certificate verification, alerts either way, a
// peer that does not speak TLS, and net/http's handshake timeout (an unexported type).
func isTLSError(err error) bool {
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
	msg := err.Error()
	return strings.Contains(msg, "TLS handshake") || strings.Contains(msg, "tls: ")
}
