package o2rest

import (
	"context"
	"net/http"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/pkg/tenancy"
)

// requireUser refuses anonymous callers: O2 has no public data. Authentication itself is the
// API server's handler chain (see pkg/apiserver), which puts the user in the request context
// exactly as for a kubectl request.
func requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userFrom(r.Context())
		if u == nil || u.GetName() == user.Anonymous {
			respond(w, nil, newProblem(http.StatusUnauthorized, "authentication required: present a client certificate or a bearer token").
				setHeader("WWW-Authenticate", `Bearer realm="o2ims"`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CertificateOnlyRefusal is why a request on a listener that accepts client certificates only
// (--o2ims-require-client-cert) is refused before any authenticator sees it (the O2 chain's
// authenticator asks it first there, so the refusal is audited as a failed authentication):
// "" for a request with a client certificate and no other credentials. The certificate (which
// the authenticator verifies against the cluster's client CA) is then the only way in. Every
// place the API server's token authenticators read a token from is refused: the Authorization
// header, the access_token parameter, and Sec-WebSocket-Protocol, where the WebSocket
// authenticator takes one (base64url.bearer.authorization.k8s.io.<token>) from any request
// that claims to be an upgrade. O2 serves no WebSocket, so the header is refused whole.
func CertificateOnlyRefusal(r *http.Request) string {
	if r.Header.Get("Authorization") != "" || r.URL.Query().Has("access_token") || len(r.Header.Values("Sec-WebSocket-Protocol")) > 0 {
		return "this O2-IMS listener accepts client certificates only; bearer tokens are refused"
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return "a client certificate is required"
	}
	return ""
}

func userFrom(ctx context.Context) user.Info {
	u, _ := genericapirequest.UserFrom(ctx)
	return u
}

// access answers "may this caller do verb on resource in namespace" as the equivalent
// Kubernetes request on the o2ims.oran.org resource would be answered.
type access struct {
	authz authorizer.Authorizer
}

func (a access) allowed(ctx context.Context, verb, resource, namespace, name string) (bool, error) {
	return tenancy.Allowed(ctx, a.authz, userFrom(ctx), tenancy.Request{Verb: verb, Resource: resource, Namespace: namespace, Name: name})
}
