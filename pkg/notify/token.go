package notify

import (
	"sync"

	"golang.org/x/oauth2"
)

// tokenCache keeps the OAuth2 token the notifier sends to token hosts until it expires or a
// callback refuses it. oauth2.ReuseTokenSource keeps a token until it expires only: a token
// the authorization server revoked (a signing key rotated, a client disabled and enabled) was
// sent, and refused with 401, until its expiry, up to an hour of every delivery to that SMO
// failing while a new token was one request away.
type tokenCache struct {
	src oauth2.TokenSource // fetches a new token on every call
	mu  sync.Mutex
	tok *oauth2.Token
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
// one. Deliveries refused with the same token at once drop it once; one refused with a token
// already replaced leaves the new one.
func (c *tokenCache) refused(tok *oauth2.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok == tok {
		c.tok = nil
	}
}
