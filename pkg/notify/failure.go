package notify

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/netclass"
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
	case netclass.TLS(err):
		return FailureTLS
	// Every way of not getting a connection is one class: refused, unreachable, filtered
	// (a dial timeout), a name that does not resolve.
	case netclass.NoConnection(err):
		return FailureConnection
	case netclass.Timeout(err):
		return FailureTimeout
	case errors.As(err, &uerr):
		// Connected, then reset or closed without an answer.
		return FailureConnection
	}
	return FailureOther
}
