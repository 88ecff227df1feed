package apiserver

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/server"

	"github.com/netweave-io/netweave/pkg/o2rest"
)

// TestRegressionO2CredentialsUncheckableAre503: while the cluster's API server is down, the
// TokenReview of an O2 request cannot be made, and the O2 face answered 401, as for a wrong
// token (seen in e2e TestHostAPIServerRestartUnderLoad: 401 to a valid SMO token from 10 s
// after kube-apiserver died, once the token cache expired). An SMO takes a 401 for bad
// credentials, and Alertmanager does not retry it, so every alert posted during the outage was
// dropped. Credentials that could not be checked are now 503 with Retry-After; refused ones
// stay 401.
func TestRegressionO2CredentialsUncheckableAre503(t *testing.T) {
	refused := url.URL{Scheme: "https", Host: "10.0.0.1:443", Path: "/apis/authentication.k8s.io/v1/tokenreviews"}
	dial := &url.Error{Op: "Post", URL: refused.String(), Err: fmt.Errorf("dial tcp 10.0.0.1:443: %w", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		// Which errors are "could not check" is tenancy.Unavailable's (TestUnavailable); here,
		// that the chain answers by it.
		{"TokenReview refused the connection", dial, http.StatusServiceUnavailable},
		{"union: certificate not presented, TokenReview unreachable", utilerrors.NewAggregate([]error{x509.UnknownAuthorityError{}, dial}), http.StatusServiceUnavailable},
		{"token not authenticated", errors.New("[invalid bearer token, token lookup failed]"), http.StatusUnauthorized},
		{"no credentials", nil, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			authn := authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) { return nil, false, tc.err })
			h := o2AuthenticationOnly(t, authn)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://o2.example/o2ims-infrastructureInventory/v1/resourcePools", nil))
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			if got := w.Header().Get("Retry-After"); (got != "") != (tc.want == http.StatusServiceUnavailable) {
				t.Errorf("Retry-After %q with status %d", got, w.Code)
			}
		})
	}
	// Authenticated requests go through untouched.
	ok := authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) {
		return &authenticator.Response{User: &user.DefaultInfo{Name: "smo"}}, true, nil
	})
	w := httptest.NewRecorder()
	o2AuthenticationOnly(t, ok).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://o2.example/o2ims-infrastructureInventory/v1/resourcePools", nil))
	if w.Code != http.StatusOK {
		t.Errorf("authenticated: status %d", w.Code)
	}
}

// o2AuthenticationOnly is the O2 chain (o2HandlerChain) of a server whose authenticator is
// authn, inside the problem+json conversion, in front of a handler that answers 200.
func o2AuthenticationOnly(t *testing.T, authn authenticator.Request) http.Handler {
	t.Helper()
	scheme := runtime.NewScheme()
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	c := server.NewConfig(serializer.NewCodecFactory(scheme))
	c.Authentication.Authenticator = authn
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return o2rest.WithProblemDetails(o2HandlerChain(ok, c, false))
}
