package notify

import (
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
	// dropped is when a token was last dropped for a 401.
	dropped time.Time
}

// Token returns the kept token while it is valid, else fetches one.
func (c *tokenCache) Token() (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.Valid() {
		return c.tok, nil
	}
	tok, err := c.src.Token()
	if err != nil {
		return nil, err
	}
	c.tok = tok
	return tok, nil
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
