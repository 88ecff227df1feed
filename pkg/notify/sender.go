package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// SenderConfig configures outbound POSTs.
type SenderConfig struct {
	// Policy refuses forbidden addresses at dial time and names the hosts that receive Token.
	Policy *CallbackPolicy
	// Timeout bounds one POST, from dialing to the end of the response headers and body.
	Timeout time.Duration
	// TLS is the client TLS configuration (CA bundle, mTLS client certificate); nil uses the
	// system roots and no client certificate.
	TLS *tls.Config
	// Token, when set, supplies the OAuth2 bearer token of POSTs to Policy.OAuth2Hosts.
	Token oauth2.TokenSource
	// Secrets supplies signing keys.
	Secrets SecretSource
}

// Sender POSTs notifications to callbacks.
type Sender struct {
	client     *http.Client
	timeout    time.Duration
	token      oauth2.TokenSource
	tokenHosts TokenHosts
	secrets    SecretSource
}

// NewSender builds the HTTP client: no proxy (a proxy would dial on our behalf, past the address
// policy), the policy checked on every connection, no redirects followed.
func NewSender(c SenderConfig) *Sender {
	dialer := &net.Dialer{Timeout: c.Timeout, KeepAlive: 30 * time.Second, Control: c.Policy.Control}
	transport := &http.Transport{
		Proxy:             nil,
		DialContext:       dialer.DialContext,
		TLSClientConfig:   c.TLS,
		ForceAttemptHTTP2: true,
		// Over HTTP/1.1 every subscription delivering at once holds a connection; with up to
		// thousands of subscriptions behind one receiver, keep them instead of redialing.
		MaxIdleConns:          4096,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   c.Timeout,
		ResponseHeaderTimeout: c.Timeout,
	}
	return &Sender{
		client: &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		timeout:    c.Timeout,
		token:      c.Token,
		tokenHosts: c.Policy.OAuth2Hosts,
		secrets:    c.Secrets,
	}
}

// Send POSTs one queued notification; nil means the callback accepted it (2xx). Errors map to
// a status.lastError with FailureClass.
func (s *Sender) Send(ctx context.Context, sub *Subscription, e Entry) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Callback, bytes.NewReader(e.Body))
	if err != nil {
		return classify(FailureInvalidURL, err)
	}
	// Decided before anything is read or sent: a listed host over http gets nothing at all.
	withToken, err := s.tokenHosts.tokenFor(req.URL)
	if err != nil {
		return classify(FailureTokenNeedsTLS, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "netweave-notifier")
	req.Header.Set(HeaderNotificationID, e.NotificationID)
	if sub.ID != "" {
		req.Header.Set(HeaderSubscriptionID, sub.ID)
	}
	if sub.Secret != nil {
		// Errors are classified (FailureSecret*) by the SecretSource.
		key, err := s.secrets.Key(ctx, sub.Namespace, sub.Secret)
		if err != nil {
			return fmt.Errorf("signing key: %w", err)
		}
		req.Header.Set(HeaderSignature, Sign(key, e.Body))
	}
	if withToken && s.token != nil {
		tok, err := s.token.Token()
		if err != nil {
			return classify(FailureToken, err)
		}
		tok.SetAuthHeader(req)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{Code: resp.StatusCode}
	}
	return nil
}
