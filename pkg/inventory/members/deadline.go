package members

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultRequestTimeout bounds every request but watches to a member's API server (Config.RequestTimeout).
const DefaultRequestTimeout = time.Minute

// BoundRequests wraps the transport of a member's clients (rest.Config.Wrap) so that every
// request but a watch ends within d, its answer's body included. A member's API server may be
// a tenant's, or half dead: one that accepts a request and never answers would otherwise hold
// whoever asked for good (client-go's discovery calls and Helm's release storage take no
// context): the member manager stops a member's sync on its only worker, and the O2-DMS
// controller's workers are shared by every tenant, so one hung member would stop every
// registration or every deployment. Watches are long by design and end with their context.
func BoundRequests(d time.Duration) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper { return boundedRoundTripper{next: rt, d: d} }
}

// boundedRoundTripper cuts off every request but a watch after d: in all (BoundRequests), or,
// with eachRead, when its answer's headers or any read of its body take longer than d
// (boundProgress).
type boundedRoundTripper struct {
	next     http.RoundTripper
	d        time.Duration
	eachRead bool
}

func (r boundedRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if isWatch(req) {
		return r.next.RoundTrip(req)
	}
	var (
		ctx    context.Context
		cancel context.CancelFunc
		timer  *time.Timer
	)
	if r.eachRead {
		ctx, cancel = context.WithCancel(req.Context())
		timer = time.AfterFunc(r.d, cancel)
	} else {
		ctx, cancel = context.WithTimeout(req.Context(), r.d)
	}
	resp, err := r.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		if timer != nil {
			timer.Stop()
		}
		cancel()
		return nil, err
	}
	resp.Body = &boundedBody{ReadCloser: resp.Body, timer: timer, d: r.d, cancel: cancel}
	return resp, nil
}

// WrappedRoundTripper lets client-go see the transport beneath (e.g. to close idle connections).
func (r boundedRoundTripper) WrappedRoundTripper() http.RoundTripper { return r.next }

// isWatch reports whether req is a watch: client-go asks for one with ?watch=true (lists that
// stream their initial events included), never by the deprecated /watch/ paths.
func isWatch(req *http.Request) bool {
	switch req.URL.Query().Get("watch") {
	case "true", "1":
		return true
	}
	return false
}

// boundProgress wraps the transport of the client of a member's informers: every request but
// a watch must get its answer's headers within d, then the answer must keep coming (no read
// waits longer than d), however long it takes in all. An informer's list may be one answer of
// every object: a member API server without watch-list answers the informer's first LIST (at
// resourceVersion=0) from its watch cache, ignoring limit, and thousands of Nodes over a slow
// link may take longer than any bound to transfer; cut off, the list would start over, and be
// cut off again, for good. A server that stops answering is still cut off, and an informer's
// request ends with the informer, so a member's sync stops whatever its server does.
func boundProgress(d time.Duration) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return boundedRoundTripper{next: rt, d: d, eachRead: true}
	}
}

// boundedBody releases the request's deadline once the answer is read and closed; with a
// timer (boundProgress) each read that brings something gives the next one d more.
type boundedBody struct {
	io.ReadCloser
	mu     sync.Mutex
	timer  *time.Timer
	d      time.Duration
	cancel context.CancelFunc
	closed bool
}

func (b *boundedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 && b.timer != nil {
		b.mu.Lock()
		if !b.closed && b.timer.Stop() {
			// Not fired yet: the answer is still coming in time.
			b.timer.Reset(b.d)
		}
		b.mu.Unlock()
	}
	return n, err
}

func (b *boundedBody) Close() error {
	err := b.ReadCloser.Close()
	if b.timer != nil {
		b.mu.Lock()
		b.closed = true
		b.timer.Stop()
		b.mu.Unlock()
	}
	b.cancel()
	return err
}
