package members

import (
	"context"
	"io"
	"net/http"
	"time"
)

// DefaultRequestTimeout bounds every request but watches to a member's API server (Config.RequestTimeout).
const DefaultRequestTimeout = time.Minute

// boundRequests wraps the transport of a member's clients (rest.Config.Wrap) so that every
// request but a watch ends within d, its answer's body included. A member's API server may be
// a tenant's, or half dead: one that accepts a request and never answers would otherwise hold
// whoever asked for good (client-go's discovery calls take no context), and the member manager
// stops a member's sync on its only worker, so one hung member would stop every registration.
// Watches are long by design and end with their context.
func boundRequests(d time.Duration) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper { return deadlineRoundTripper{next: rt, d: d} }
}

type deadlineRoundTripper struct {
	next http.RoundTripper
	d    time.Duration
}

func (r deadlineRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if isWatch(req) {
		return r.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), r.d)
	resp, err := r.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// WrappedRoundTripper lets client-go see the transport beneath (e.g. to close idle connections).
func (r deadlineRoundTripper) WrappedRoundTripper() http.RoundTripper { return r.next }

// isWatch reports whether req is a watch: client-go asks for one with ?watch=true (lists that
// stream their initial events included), never by the deprecated /watch/ paths.
func isWatch(req *http.Request) bool {
	switch req.URL.Query().Get("watch") {
	case "true", "1":
		return true
	}
	return false
}

// cancelOnClose releases the request's deadline once its body is read and closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
