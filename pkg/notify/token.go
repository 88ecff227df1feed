package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// tokenDropInterval is the least time between two tokens dropped for a 401. Callbacks on a
// token host are chosen by tenants (any path on the SMO's host), and one that answers 401 to
// everything must not turn each of its retries into a request to the operator's token
// endpoint: a revoked token is replaced at once, a refusing callback costs one token fetch
// per interval.
const tokenDropInterval = 30 * time.Second

// tokenMinLife is the least time a fetched token is kept, whatever its expiry. A token
// endpoint answering expires_in of 10 s or less, 0 excepted, or a negative one, gave tokens
// that golang.org/x/oauth2 holds expired at once (it takes 10 s off every expiry): every
// delivery to a token host, every tenant's, fetched a new one, as fast as the endpoint
// answered. A token kept past its real expiry is refused with 401, and dropped
// (tokenDropInterval).
const tokenMinLife = 5 * time.Second

// tokenCache keeps the OAuth2 token the notifier sends to token hosts until it expires or a
// callback refuses it. oauth2.ReuseTokenSource keeps a token until it expires only: a token
// the authorization server revoked (a signing key rotated, a client disabled and enabled) was
// sent, and refused with 401, until its expiry, up to an hour of every delivery to that SMO
// failing while a new token was one request away.
type tokenCache struct {
	src oauth2.TokenSource // fetches a new token on every call
	now func() time.Time
	mu  sync.Mutex
	tok *oauth2.Token
	// fetched is when tok was fetched.
	fetched time.Time
	// dropped is when a token was last dropped for a 401.
	dropped time.Time
	// fetch is the fetch under way, nil when none.
	fetch *tokenFetch
}

// tokenFetch is one call of the token source, whose result every delivery that asked for a
// token meanwhile shares.
type tokenFetch struct {
	done chan struct{} // closed once tok and err are set
	tok  *oauth2.Token
	err  error
}

// Token returns the kept token while it is valid or younger than tokenMinLife, else the result
// of a fetch: the one under way, or a new one. A token source takes no context, so a fetch
// runs by itself (bounded by the token client's timeout) and a delivery waits for it only as
// long as ctx lets it. Fetches used to run under the lock, one delivery after another: with a
// token endpoint that does not answer, the hundredth delivery to a token host waited for
// ninety-nine timeouts, far past its own, and so did the removal of its subscription, which
// waits for the delivery under way.
func (c *tokenCache) Token(ctx context.Context) (*oauth2.Token, error) {
	c.mu.Lock()
	if c.tok != nil && (c.tok.Valid() || c.now().Sub(c.fetched) < tokenMinLife) {
		tok := c.tok
		c.mu.Unlock()
		return tok, nil
	}
	f := c.fetch
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		c.fetch = f
		go c.run(f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the OAuth2 token: %w", ctx.Err())
	}
}

// run fetches a token for f and keeps it when it may be sent, even when every delivery that
// waited for it has given up.
func (c *tokenCache) run(f *tokenFetch) {
	tok, err := c.src.Token()
	if err == nil {
		err = checkToken(tok)
	}
	if err != nil {
		tok = nil
	}
	c.mu.Lock()
	if tok != nil {
		c.tok, c.fetched = tok, c.now()
	}
	c.fetch = nil
	c.mu.Unlock()
	f.tok, f.err = tok, err
	close(f.done)
}

// errTokenUnsendable is a token that cannot be sent as an Authorization header. It was kept
// all the same, and every POST to a token host failed before it was sent ("connection
// failed"), never drawing the 401 that drops a token, until the token expired: without an
// expiry, until the notifier restarted. It is not kept now, and the next delivery fetches
// again. The message does not quote the token, which goes to logs.
var errTokenUnsendable = errors.New("OAuth2 token endpoint answered a token that is not a valid Authorization header (control characters or spaces)")

// checkToken refuses a token whose type or value would not make a single valid header value
// ("<type> <token>"): HTTP refuses control characters in a header, and a space or CR/LF
// inside the token would make it something else than the credentials of RFC 6750.
func checkToken(tok *oauth2.Token) error {
	unsendable := func(r rune) bool { return r <= ' ' || r == 0x7f }
	typ := tok.Type()
	if typ == "" || strings.IndexFunc(typ, unsendable) >= 0 || strings.IndexFunc(tok.AccessToken, unsendable) >= 0 {
		return errTokenUnsendable
	}
	return nil
}

// refused drops tok, a token a callback answered 401 to, so the next delivery fetches a new
// one, unless a token was dropped less than tokenDropInterval ago. Deliveries refused with the
// same token at once drop it once; one refused with a token already replaced leaves the new
// one.
func (c *tokenCache) refused(tok *oauth2.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.tok == tok && (c.dropped.IsZero() || now.Sub(c.dropped) >= tokenDropInterval) {
		c.tok, c.dropped = nil, now
	}
}
