package redis

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// unavailableRetryAfter is the Retry-After a client gets while Redis cannot be reached.
const unavailableRetryAfter = 1

// requestError is the error of a Redis call made for op on key. When nothing reached Redis
// (it could not be connected to, or the Breaker refused the command while Redis was not
// answering), or a read timed out, the answer is 503 with Retry-After, which tells a client
// the request is safe to send again, instead of the 500 an error of unknown outcome gets (a
// write whose connection broke or timed out mid-flight may have applied).
func requestError(op, key string, err error) error {
	var msg string
	switch {
	case notSent(err):
		msg = fmt.Sprintf("the store is unavailable: %s of %q was not sent: %v", op, key, err)
	case readOnly(op) && isNetTimeout(err):
		msg = fmt.Sprintf("the store did not answer %s of %q in time: %v", op, key, err)
	default:
		return fmt.Errorf("redis storage %s %q: %w", op, key, err)
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusServiceUnavailable,
		Reason:  metav1.StatusReasonServiceUnavailable,
		Message: msg,
		Details: &metav1.StatusDetails{RetryAfterSeconds: unavailableRetryAfter},
	}}
}

// notSent reports whether err is a failure to connect, before any command was written, or a
// command the Breaker refused.
func notSent(err error) bool {
	var op *net.OpError
	return errors.Is(err, ErrNotAnswering) || (errors.As(err, &op) && op.Op == "dial")
}

// readOnly reports the operations that change nothing, so that a timeout is safe to retry.
func readOnly(op string) bool {
	return op == "get" || op == "list"
}
