package apiserver

import (
	"mime"
	"net/http"

	"k8s.io/apimachinery/pkg/types"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// recordPatchTypes makes c's Kubernetes face record each PATCH request's patch type in its
// context (kind.WithPatchType), where the kinds' REST storage reads it to advise on a patch
// that cannot be applied. Recorded innermost, after authentication and authorization: it
// changes nothing a filter sees.
func recordPatchTypes(c *genericapiserver.Config) {
	build := c.BuildHandlerChainFunc
	if build == nil {
		build = genericapiserver.DefaultBuildHandlerChain
	}
	c.BuildHandlerChainFunc = func(apiHandler http.Handler, c *genericapiserver.Config) http.Handler {
		return build(withPatchType(apiHandler), c)
	}
}

// withPatchType records a PATCH request's media type as its patch type.
func withPatchType(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPatch {
			if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err == nil {
				req = req.WithContext(kind.WithPatchType(req.Context(), types.PatchType(mt)))
			}
		}
		h.ServeHTTP(w, req)
	})
}
