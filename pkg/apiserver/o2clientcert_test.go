package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/apiserver"
	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	"k8s.io/apiserver/pkg/audit/policy"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/server"
	auditfake "k8s.io/apiserver/plugin/pkg/audit/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/pkg/o2rest"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// TestRegressionRequireClientCertRefusesWebSocketBearerToken: with --o2ims-require-client-cert
// the listener refused bearer tokens in the Authorization header and access_token only. The
// delegating authenticator of the O2 chain also takes a token from Sec-WebSocket-Protocol
// (base64url.bearer.authorization.k8s.io.<token>) on any request claiming to be an upgrade, and
// the TLS layer accepts any certificate (the x509 authenticator verifies it, and the union then
// tries the token): a stolen token and a throw-away self-signed certificate got in on a
// listener documented as certificate-only. Such a request is now refused before the chain.
func TestRegressionRequireClientCertRefusesWebSocketBearerToken(t *testing.T) {
	// The cluster's TokenReview: "stolen-sa-token" is a tenant SMO's ServiceAccount token.
	kas := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var tr authenticationv1.TokenReview
		if err := json.NewDecoder(r.Body).Decode(&tr); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if tr.Spec.Token == "stolen-sa-token" {
			tr.Status = authenticationv1.TokenReviewStatus{Authenticated: true, User: authenticationv1.UserInfo{Username: "system:serviceaccount:tenant-a:smo"}}
		}
		tr.APIVersion, tr.Kind = "authentication.k8s.io/v1", "TokenReview"
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(&tr)
	}))
	defer kas.Close()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: kas.URL})
	if err != nil {
		t.Fatal(err)
	}
	// The authenticator the O2 chain gets from the delegated authentication options.
	authn, _, err := authenticatorfactory.DelegatingAuthenticatorConfig{
		Anonymous:                &apiserver.AnonymousAuthConfig{Enabled: true},
		TokenAccessReviewClient:  cs.AuthenticationV1(),
		TokenAccessReviewTimeout: 5 * time.Second,
		WebhookRetryBackoff:      &wait.Backoff{Duration: time.Millisecond, Steps: 1},
		CacheTTL:                 10 * time.Second,
	}.New()
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	c := server.NewConfig(serializer.NewCodecFactory(scheme))
	c.Authentication.Authenticator = authn
	var who string
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := genericapirequest.UserFrom(r.Context()); ok {
			who = u.GetName()
		}
	})
	// As installO2 builds it with RequireClientCert.
	// Refusals are audited as failed authentications (they once happened before the chain,
	// unaudited).
	var audited []*auditinternal.Event
	c.AuditBackend = &auditfake.Backend{OnRequest: func(events []*auditinternal.Event) { audited = append(audited, events...) }}
	c.AuditPolicyRuleEvaluator = policy.NewFakePolicyRuleEvaluator(auditinternal.LevelMetadata, nil)
	h := o2rest.WithProblemDetails(o2HandlerChain(inner, c, true))
	token := base64.RawURLEncoding.EncodeToString([]byte("stolen-sa-token"))
	for name, header := range map[string]http.Header{
		"Authorization":          {"Authorization": {"Bearer stolen-sa-token"}},
		"Sec-WebSocket-Protocol": {"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Protocol": {"v4.channel.k8s.io, base64url.bearer.authorization.k8s.io." + token}},
	} {
		who = ""
		req := httptest.NewRequest(http.MethodGet, "https://o2.example/o2ims-infrastructureInventory/v1/resourcePools", nil)
		req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{Raw: []byte("self-signed, verified by nobody")}}}
		for k, v := range header {
			req.Header[k] = v
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusUnauthorized || who != "" {
			t.Errorf("token in %s on a certificate-only listener: status %d, handler reached as %q; want 401, not reached", name, w.Code, who)
		}
		if !strings.Contains(w.Body.String(), "accepts client certificates only") || w.Header().Get("Content-Type") != model.ProblemContentType {
			t.Errorf("token in %s: answer %s %s, want a problem saying certificates only", name, w.Header().Get("Content-Type"), w.Body.String())
		}
		var refusal *auditinternal.Event
		for _, e := range audited {
			if e.Stage == auditinternal.StageResponseStarted && e.ResponseStatus != nil && e.ResponseStatus.Code == http.StatusUnauthorized {
				refusal = e
			}
		}
		if refusal == nil {
			t.Errorf("token in %s: the refusal was not audited (%d events)", name, len(audited))
		}
		audited = nil
	}
}
