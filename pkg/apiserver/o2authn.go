package apiserver

import (
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"

	"github.com/netweave-io/netweave/pkg/o2rest"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// An O2 request's bearer token is checked by a TokenReview against the cluster's API server
// (cached for a short while). While that API server is down or failing, the review cannot be
// made, and the API server's authentication filter answers as for bad credentials: 401. To an
// SMO a 401 says its token is wrong, and Alertmanager, whose webhook posts alerts through the
// same face, does not retry a 4xx: every alert it sent during the outage was dropped. The O2
// face tells the two apart: credentials that could not be checked are answered 503 with
// Retry-After, and clients try again.

// o2Authenticator is the server's authenticator, noting on the O2 request's state when it
// failed to decide rather than refused (tenancy.Unavailable). On a certificate-only listener
// (certificatesOnly) it first refuses a request with other credentials or no certificate
// (o2rest.CertificateOnlyRefusal): the token never reaches the token authenticators, and the
// refusal goes through the chain's failed-authentication audit like any other.
type o2Authenticator struct {
	authenticator.Request
	certificatesOnly bool
}

var errCertificateOnly = errors.New("refused on a certificate-only listener")

func (a o2Authenticator) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	if a.certificatesOnly {
		if reason := o2rest.CertificateOnlyRefusal(req); reason != "" {
			o2rest.NoteCertificateOnlyRefusal(req.Context(), reason)
			return nil, false, fmt.Errorf("%w: %s", errCertificateOnly, reason)
		}
	}
	if a.Request == nil {
		return nil, false, nil
	}
	resp, ok, err := a.Request.AuthenticateRequest(req)
	if !ok && err != nil && tenancy.Unavailable(err) {
		o2rest.NoteAuthenticationUnavailable(req.Context())
	}
	return resp, ok, err
}

// withAuthenticationUnavailable answers a request whose credentials could not be checked
// (o2Authenticator) 503 with Retry-After, one a certificate-only listener refused 401 saying
// why, and hands every other failed authentication to failed (401).
func withAuthenticationUnavailable(failed http.Handler, s runtime.NegotiatedSerializer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if reason := o2rest.CertificateOnlyRefused(req.Context()); reason != "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="o2ims", error="invalid_request"`)
			responsewriters.ErrorNegotiated(apierrors.NewUnauthorized(reason), s, schema.GroupVersion{}, w, req)
			return
		}
		if !o2rest.AuthenticationUnavailable(req.Context()) {
			failed.ServeHTTP(w, req)
			return
		}
		err := &apierrors.StatusError{ErrStatus: metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusServiceUnavailable,
			Reason:  metav1.StatusReasonServiceUnavailable,
			Message: "the request's credentials cannot be checked now (the cluster's authentication is unreachable); retry",
			Details: &metav1.StatusDetails{RetryAfterSeconds: 1},
		}}
		responsewriters.ErrorNegotiated(err, s, schema.GroupVersion{}, w, req)
	})
}
