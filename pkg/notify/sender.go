package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"
	"k8s.io/component-base/tracing"

	"github.com/netweave-io/netweave/pkg/netclass"
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
	// Token, when set, fetches the OAuth2 bearer token of POSTs to Policy.OAuth2Hosts, a new
	// one on every call: the sender keeps it until it expires or a callback answers 401 to it.
	Token oauth2.TokenSource
	// Secrets supplies signing keys.
	Secrets SecretSource
	// TracerProvider, when set, traces every POST as a client span and sends its W3C trace
	// context (traceparent) to the callback; nil traces nothing and sends no trace headers.
	TracerProvider trace.TracerProvider
}

// Sender POSTs notifications to callbacks.
type Sender struct {
	client     *http.Client
	timeout    time.Duration
	token      *tokenCache // nil without a token source
	tokenHosts TokenHosts
	secrets    SecretSource
	// tracer is nil when deliveries are not traced.
	tracer trace.Tracer
}

// NewSender builds the sender on the outbound client of NewHTTPClient.
func NewSender(c SenderConfig) *Sender {
	var tracer trace.Tracer
	if c.TracerProvider != nil {
		tracer = c.TracerProvider.Tracer(tracingScope)
	}
	var token *tokenCache
	if c.Token != nil {
		token = &tokenCache{src: c.Token, now: time.Now}
	}
	return &Sender{
		tracer:     tracer,
		client:     NewHTTPClient(ClientConfig{Policy: c.Policy, Timeout: c.Timeout, TLS: c.TLS}),
		timeout:    c.Timeout,
		token:      token,
		tokenHosts: c.Policy.OAuth2Hosts,
		secrets:    c.Secrets,
	}
}

// Send POSTs one queued notification; nil means the callback accepted it (2xx). Errors map to
// a status.lastError with FailureClass.
func (s *Sender) Send(ctx context.Context, sub *Subscription, e Entry) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if s.tracer != nil {
		var span trace.Span
		ctx, span = s.startSpan(ctx, sub, e)
		defer func() { endSpan(span, err) }()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Callback, bytes.NewReader(e.Body))
	if err != nil {
		return classify(FailureInvalidURL, err)
	}
	if s.tracer != nil {
		// traceparent (and baggage) continue the delivery's span at the callback.
		tracing.Propagators().Inject(ctx, propagation.HeaderCarrier(req.Header))
		trace.SpanFromContext(ctx).SetAttributes(attribute.String("url.full", redactedURL(req)))
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
	var tok *oauth2.Token
	if withToken && s.token != nil {
		if tok, err = s.token.Token(ctx); err != nil {
			return classify(FailureToken, err)
		}
		tok.SetAuthHeader(req)
	}
	// net/http dials apart from the request's context, and when the deadline comes before a
	// connection it answers the context's error, not the dial's: a port that drops SYNs
	// (filtered) or a name whose lookup stalls failed as "timeout" where a closed port failed
	// as "connection failed", which told whoever chose the callback one from the other.
	// Whether a connection was had is what separates the two classes.
	var connected atomic.Bool
	// Traced on the callback's request only: a token fetched on its way must not count.
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				connected.Store(true)
			}
		},
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	}))
	resp, err := s.client.Do(req)
	if err != nil {
		// net/http's error names the whole URL, query and fragment included, and it goes to
		// the log and the span: without what may hold credentials, as url.full.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			uerr.URL = redactedURL(req)
		}
		if !connected.Load() && netclass.Timeout(err) {
			return classify(FailureConnection, fmt.Errorf("POST: no connection before the deadline: %w", err))
		}
		return fmt.Errorf("POST: %w", err)
	}
	defer resp.Body.Close()
	// A small answer is read to its end so that the connection is kept for the next POST; a
	// larger one is cut off (closing it drops the connection), and the context bounds the time.
	// Except a 101: its body is the connection itself, which the transport no longer ties to
	// the context, so reading it waited for the receiver alone, and one answering 101 and then
	// nothing held the delivery, and the removal of its subscription that waits for it,
	// forever. It is closed unread.
	if resp.StatusCode != http.StatusSwitchingProtocols {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBody))
	}
	trace.SpanFromContext(ctx).SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode == http.StatusUnauthorized && tok != nil {
		s.token.refused(tok)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{Code: resp.StatusCode}
	}
	return nil
}

// maxAnswerBody is how much of an answer's body is read: a webhook's answer is a few bytes,
// and what follows is not looked at.
const maxAnswerBody = 64 << 10

// tracingScope is the instrumentation scope of the notifier's spans.
const tracingScope = "github.com/netweave-io/netweave/pkg/notify"

// startSpan starts the span of one delivery attempt. Deliveries run in the notifier's workers,
// not in a request, so each attempt is the root of its own trace, sampled at the configured
// rate (samplingRatePerMillion).
func (s *Sender) startSpan(ctx context.Context, sub *Subscription, e Entry) (context.Context, trace.Span) {
	return s.tracer.Start(ctx, "notification POST",
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("http.request.method", http.MethodPost),
			attribute.String("o2ims.subscription", sub.Key()),
			attribute.String("o2ims.subscription_id", sub.ID),
			attribute.String("o2ims.notification_id", e.NotificationID),
		))
}

// endSpan ends a delivery's span with the failure class of err, if any.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.SetAttributes(attribute.String("o2ims.failure", FailureClass(err)))
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// redactedURL is the callback URL without user info, query or fragment, which may hold
// credentials.
func redactedURL(req *http.Request) string {
	u := *req.URL
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// redactedCallback is callback as redactedURL has it, for logs; one that does not parse is not
// logged at all.
func redactedCallback(callback string) string {
	u, err := url.Parse(callback)
	if err != nil {
		return "(unparsable)"
	}
	return redactedURL(&http.Request{URL: u})
}
