package tenancy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// Unavailable reports whether err, from an authenticator or an authorizer, says it could not
// reach or get an answer from what decides (a TokenReview or SubjectAccessReview that failed
// in transport, timed out, or was answered 5xx or 429: the cluster's API server down, failing
// or throttling), as opposed to a decision or a request it refused. Such a failure passes:
// the caller answers "retry" (503) or waits, never "no", which would refuse valid credentials
// or, for a subscription, drop a notification its owner may read. A TokenReview that says
// "not authenticated" comes back as a plain error with its reason, an unknown client
// certificate as an x509 error: not Unavailable. A union of authenticators aggregates its
// members' errors: Unavailable when one of them is.
func Unavailable(err error) bool {
	var agg utilerrors.Aggregate
	if errors.As(err, &agg) {
		for _, e := range agg.Errors() {
			if Unavailable(e) {
				return true
			}
		}
		return false
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		code := status.Status().Code
		return code >= http.StatusInternalServerError || code == http.StatusTooManyRequests
	}
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded)
}
