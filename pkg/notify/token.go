package notify

import (
	"errors"
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
	if err := checkToken(tok); err != nil {
		return nil, err
	}
	c.tok = tok
	return tok, nil
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
	typ := tok.Type()
	if typ == "" || strings.IndexFunc(typ, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 ||
		strings.IndexFunc(tok.AccessToken, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
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
