package helmrelease

import (
	"context"
	"fmt"
	"net/http"

	"k8s.io/client-go/rest"
)

// fencedConfig is config whose every request fails, before it is sent, once ctx (the leader
// term's) is done. Helm's uninstall and rollback take no context, and its atomic install and
// upgrade undo a failure without one: a term that ended while one of them ran let it go on
// deleting and applying objects, and writing release records, over what a successor may
// already apply. Fenced, it stops at its next request to the target, as if the process had been
// killed there; the successor takes over the release it leaves pending or uninstalling
// (takeOverAbandoned, after --o2dms-timeout). A request already sent is not withdrawn.
func fencedConfig(ctx context.Context, config *rest.Config) *rest.Config {
	c := rest.CopyConfig(config)
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &fencedTransport{ctx: ctx, next: rt} })
	return c
}

type fencedTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (f *fencedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.ctx.Err() != nil {
		return nil, fmt.Errorf("%s %s not sent: the leader term ended: %w", r.Method, r.URL.Path, context.Cause(f.ctx))
	}
	return f.next.RoundTrip(r)
}
