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

// requestError is the error of a Redis call made for op on key. When the call could not even
// connect (Redis down, or failing over), nothing reached Redis: the answer is 503 with
// Retry-After, which tells a client the request is safe to send again, instead of the 500 an
// error of unknown outcome gets (a write whose connection broke mid-flight may have applied).
func requestError(op, key string, err error) error {
	if !notSent(err) {
		return fmt.Errorf("redis storage %s %q: %w", op, key, err)
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusServiceUnavailable,
		Reason:  metav1.StatusReasonServiceUnavailable,
		Message: fmt.Sprintf("the store is unavailable: %s of %q was not sent: %v", op, key, err),
		Details: &metav1.StatusDetails{RetryAfterSeconds: unavailableRetryAfter},
	}}
}

// notSent reports whether err is a failure to connect, before any command was written.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
