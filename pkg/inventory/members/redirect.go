package members

import (
	"fmt"
	"net/http"
)

// RefuseRedirects wraps the transport of a client of a member cluster (rest.Config.Wrap) so
// that a redirect is an error, never followed. A member's API server may be a tenant's (a
// provisioned cluster's kubeconfig), and client-go follows redirects: a 302 to a private
// address or a metadata service would make netweave fetch it and carry what answered into
// status a tenant reads (a decoding error quotes the body). A Kubernetes API server does not
// redirect the requests netweave makes.
func RefuseRedirects(rt http.RoundTripper) http.RoundTripper { return refuseRedirects{rt} }

type refuseRedirects struct{ next http.RoundTripper }

func (r refuseRedirects) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode >= 400 || resp.Header.Get("Location") == "" {
		return resp, err
	}
	_ = resp.Body.Close()
	return nil, fmt.Errorf("the cluster's API server answered %d with a redirect, which is not followed", resp.StatusCode)
}

// WrappedRoundTripper lets client-go see the transport beneath (e.g. to close idle connections).
func (r refuseRedirects) WrappedRoundTripper() http.RoundTripper { return r.next }
