package o2ims

import (
	"context"
	"fmt"
	"net/http"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

type userKey struct{}

// authenticate identifies the caller exactly as the Kubernetes face does (client certificates,
// bearer tokens through TokenReview) and refuses anonymous callers: O2 has no public data.
func authenticate(authn authenticator.Request, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, ok, err := authn.AuthenticateRequest(r)
		if err != nil || !ok || resp.User.GetName() == user.Anonymous {
			if err != nil {
				klog.V(3).InfoS("O2 request not authenticated", "path", r.URL.Path, "err", err)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="o2ims"`)
			writeProblem(w, http.StatusUnauthorized, "authentication required: present a client certificate or a bearer token", nil)
			return
		}
		// The token was for us; it must not travel further.
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, resp.User)))
	})
}

func userFrom(ctx context.Context) user.Info {
	u, _ := ctx.Value(userKey{}).(user.Info)
	return u
}

// access answers "may this caller do verb on resource in namespace" as the equivalent
// Kubernetes request on the o2ims.oran.org resource would be answered.
type access struct {
	authz authorizer.Authorizer
}

func (a access) allowed(ctx context.Context, verb, resource, namespace, name string) (bool, error) {
	decision, _, err := a.authz.Authorize(ctx, authorizer.AttributesRecord{
		User:            userFrom(ctx),
		Verb:            verb,
		APIGroup:        v1alpha1.GroupName,
		APIVersion:      v1alpha1.SchemeGroupVersion.Version,
		Resource:        resource,
		Namespace:       namespace,
		Name:            name,
		ResourceRequest: true,
	})
	if err != nil && decision != authorizer.DecisionAllow {
		return false, fmt.Errorf("authorize %s %s in %q: %w", verb, resource, namespace, err)
	}
	return decision == authorizer.DecisionAllow, nil
}
