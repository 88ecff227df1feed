package o2rest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// TestProblemDetailsRewritesChainStatus: a refusal written by the API server's chain as a
// Kubernetes Status reaches the SMO as problem+json with the same code and message.
func TestProblemDetailsRewritesChainStatus(t *testing.T) {
	h := WithProblemDetails(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(&metav1.Status{Status: metav1.StatusFailure, Code: 429, Message: "too many requests, please try again later"})
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/o2ims-infrastructureInventory/v1", nil))
	if rec.Code != 429 || rec.Header().Get("Content-Type") != model.ProblemContentType {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p["detail"] != "too many requests, please try again later" || p["status"] != float64(429) {
		t.Errorf("body %s (%v)", rec.Body, err)
	}
}

// TestProblemDetailsPassesThrough: successes and the handler's own problems are untouched.
func TestProblemDetailsPassesThrough(t *testing.T) {
	for _, c := range []struct {
		code int
		body string
	}{{200, `[]`}, {404, ""}} {
		h := WithProblemDetails(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if c.code == 404 {
				respond(w, nil, newProblem(404, "nope"))
				return
			}
			respond(w, &answer{status: c.code, raw: []byte(c.body)}, nil)
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != c.code || (c.code == 200 && rec.Body.String() != c.body) {
			t.Errorf("%d: got %d %s", c.code, rec.Code, rec.Body)
		}
		if c.code == 404 && rec.Header().Get("Content-Type") != model.ProblemContentType {
			t.Errorf("problem content type lost: %q", rec.Header().Get("Content-Type"))
		}
	}
}

// TestCertificateOnlyRefusal: with --o2ims-require-client-cert a bearer token is refused even
// with a client certificate, so a stolen token is useless on that listener, and a request
// without a certificate is refused.
func TestCertificateOnlyRefusal(t *testing.T) {
	withCert := func(r *http.Request) *http.Request {
		r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{}}}
		return r
	}
	for name, r := range map[string]*http.Request{
		"token and certificate": func() *http.Request {
			r := withCert(httptest.NewRequest(http.MethodGet, "/o2ims-infrastructureInventory/v1", nil))
			r.Header.Set("Authorization", "Bearer x")
			return r
		}(),
		"access_token and certificate": withCert(httptest.NewRequest(http.MethodGet, "/o2ims-infrastructureInventory/v1?access_token=x", nil)),
		"no certificate":               httptest.NewRequest(http.MethodGet, "/o2ims-infrastructureInventory/v1", nil),
	} {
		if CertificateOnlyRefusal(r) == "" {
			t.Errorf("%s: not refused", name)
		}
	}
	if why := CertificateOnlyRefusal(withCert(httptest.NewRequest(http.MethodGet, "/o2ims-infrastructureInventory/v1", nil))); why != "" {
		t.Errorf("certificate-only request refused: %s", why)
	}
}
