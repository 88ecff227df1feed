package tenancy

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

var schemaGR = schema.GroupResource{Group: "authorization.k8s.io", Resource: "subjectaccessreviews"}

// Unavailable tells "could not ask" from "was told no": only the first may be retried.
func TestUnavailable(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "https://10.0.0.1:443/apis/authentication.k8s.io/v1/tokenreviews",
		Err: fmt.Errorf("dial tcp 10.0.0.1:443: %w", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", dial, true},
		{"wrapped by the authorizer", fmt.Errorf("authorize get pools: %w", dial), true},
		{"timed out", fmt.Errorf("webhook: %w", context.DeadlineExceeded), true},
		{"answered 500", apierrors.NewInternalError(errors.New("etcd")), true},
		{"answered 503", apierrors.NewServiceUnavailable("starting"), true},
		{"answered 429", apierrors.NewTooManyRequests("slow down", 1), true},
		{"one of a union's members", utilerrors.NewAggregate([]error{x509.UnknownAuthorityError{}, dial}), true},
		{"token not authenticated", errors.New("[invalid bearer token, token lookup failed]"), false},
		{"unknown client certificate", utilerrors.NewAggregate([]error{x509.UnknownAuthorityError{}}), false},
		{"answered 400", apierrors.NewBadRequest("invalid SubjectAccessReview"), false},
		{"answered 401", apierrors.NewUnauthorized("no"), false},
		{"answered 403", apierrors.NewForbidden(schemaGR, "x", errors.New("no")), false},
	} {
		if got := Unavailable(tc.err); got != tc.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
