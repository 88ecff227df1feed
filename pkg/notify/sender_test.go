package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

func itoa(i int) string { return strconv.Itoa(i) }

// noSecrets is a SecretSource for subscriptions without a signing key.
type noSecrets struct{}

func (noSecrets) Key(context.Context, string, *v1alpha1.SecretKeyRef) ([]byte, error) {
	return nil, errors.New("no secrets in this test")
}

// loopback allows the httptest servers of these tests.
func loopback(t *testing.T) []netip.Prefix {
	t.Helper()
	p, err := ParsePrefixes([]string{"127.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recorder is a receiver remembering the Authorization header of every request.
type recorder struct {
	mu   sync.Mutex
	auth []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auth...)
}

func tokenHosts(t *testing.T, hosts ...string) TokenHosts {
	t.Helper()
	h, err := ParseTokenHosts(hosts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestRegressionOAuth2TokenOnlyToListedHosts: the notifier's OAuth2 token went with every
// POST, to whatever callback a tenant named, over http too.
func TestRegressionOAuth2TokenOnlyToListedHosts(t *testing.T) {
	rec := &recorder{}
	tlsSrv := httptest.NewTLSServer(rec)
	defer tlsSrv.Close()
	plain := httptest.NewServer(rec)
	defer plain.Close()
	tlsPort := strconv.Itoa(tlsSrv.Listener.Addr().(*net.TCPAddr).Port)
	token := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "s3cr3t-token", TokenType: "Bearer"})
	clientTLS := tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig

	for _, tc := range []struct {
		name     string
		hosts    []string
		callback string
		want     string // Authorization header the receiver sees
		class    string // failure class, "" for a delivery
	}{
		{"listed https host", []string{"127.0.0.1"}, tlsSrv.URL, "Bearer s3cr3t-token", ""},
		{"listed https host and port", []string{"127.0.0.1:" + tlsPort}, tlsSrv.URL, "Bearer s3cr3t-token", ""},
		{"same host, another port", []string{"127.0.0.1:1"}, tlsSrv.URL, "", ""},
		{"host not listed", []string{"smo.example.com", "*.example.com"}, tlsSrv.URL, "", ""},
		{"listed host over http", []string{"127.0.0.1"}, plain.URL, "", FailureTokenNeedsTLS},
		{"unlisted host over http", []string{"smo.example.com"}, plain.URL, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rec.requests())
			s := NewSender(SenderConfig{
				Policy:  &CallbackPolicy{Allowed: loopback(t), OAuth2Hosts: tokenHosts(t, tc.hosts...)},
				Timeout: 5 * time.Second, TLS: clientTLS, Token: token, Secrets: noSecrets{},
			})
			err := s.Send(context.Background(), &Subscription{Callback: tc.callback + "/cb"}, Entry{Body: []byte("{}"), NotificationID: "n"})
			got := rec.requests()[before:]
			if tc.class != "" {
				if FailureClass(err) != tc.class || len(got) != 0 {
					t.Fatalf("Send = %v, %d requests; want %q and none", err, len(got), tc.class)
				}
				return
			}
			if err != nil || len(got) != 1 {
				t.Fatalf("Send = %v, %d requests", err, len(got))
			}
			if got[0] != tc.want {
				t.Errorf("Authorization %q, want %q", got[0], tc.want)
			}
		})
	}
}

func TestTokenHosts(t *testing.T) {
	h := tokenHosts(t, "SMO.example.com.", "*.hooks.example.net", "[2001:db8::1]:8443", "192.0.2.7")
	for raw, want := range map[string]bool{
		"https://smo.example.com/cb":          true,
		"https://smo.example.com:9443/cb":     true,
		"https://a.hooks.example.net/cb":      true,
		"https://a.b.hooks.example.net/cb":    true,
		"https://hooks.example.net/cb":        false,
		"https://evilhooks.example.net/cb":    false,
		"https://smo.example.com.evil.io/cb":  false,
		"https://[2001:db8::1]:8443/cb":       true,
		"https://[2001:db8::1]/cb":            false,
		"https://192.0.2.7/cb":                true,
		"https://192.0.2.8/cb":                false,
		"https://other.example.com/cb":        false,
		"https://smo.example.com@evil.io/cb":  false,
		"https://evil.io/smo.example.com/cb":  false,
		"https://evil.io/?smo.example.com=cb": false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.matches(u); got != want {
			t.Errorf("matches(%s) = %v, want %v", raw, got, want)
		}
	}
	for _, bad := range []string{"", "https://smo.example.com", "smo.*.example.com", "host:99999", "a b"} {
		if _, err := ParseTokenHosts([]string{bad}); err == nil {
			t.Errorf("ParseTokenHosts(%q) accepted", bad)
		}
	}
}

// TestRegressionLastErrorHidesDialDetails: status.lastError carried the raw dial error
// ("dial tcp 10.0.0.5:22: connect: connection refused"), so a tenant could map which hosts
// and ports answer by creating subscriptions and reading their status.
func TestRegressionLastErrorHidesDialDetails(t *testing.T) {
	dial := func(errno syscall.Errno) error {
		return &url.Error{Op: "Post", URL: "http://internal.example:22/", Err: &net.OpError{Op: "dial", Net: "tcp",
			Addr: &net.TCPAddr{IP: net.ParseIP("10.0.0.5"), Port: 22}, Err: os.NewSyscallError("connect", errno)}}
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"refused", dial(syscall.ECONNREFUSED), FailureConnection},
		{"no route", dial(syscall.EHOSTUNREACH), FailureConnection},
		{"network unreachable", dial(syscall.ENETUNREACH), FailureConnection},
		{"dial timeout", dial(syscall.ETIMEDOUT), FailureConnection},
		{"dial deadline", &url.Error{Op: "Post", URL: "http://x/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}}, FailureConnection},
		{"no such host", &url.Error{Op: "Post", URL: "http://x/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}}, FailureConnection},
		{"reset after connect", &url.Error{Op: "Post", URL: "http://x/", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}, FailureConnection},
		{"policy", &url.Error{Op: "Post", URL: "http://x/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &RefusedError{Class: "private-use"}}}, FailureAddressRefused},
		{"response timeout", &url.Error{Op: "Post", URL: "http://x/", Err: context.DeadlineExceeded}, FailureTimeout},
		{"status", &StatusError{Code: 503}, "HTTP 503"},
		{"signing secret", classify(FailureSecretNotOptedIn, errors.New("secret ns/x")), FailureSecretNotOptedIn},
		{"token", classify(FailureToken, errors.New("oauth2: cannot fetch token: 401")), FailureToken},
		{"something else", errors.New("boom at 10.0.0.5"), FailureOther},
	} {
		got := FailureClass(tc.err)
		if got != tc.want {
			t.Errorf("%s: FailureClass(%v) = %q, want %q", tc.name, tc.err, got, tc.want)
		}
		for _, leak := range []string{"10.0.0.5", ":22", "internal.example", "connection refused", "unreachable", "no route", "no such host", "reset"} {
			if strings.Contains(got, leak) {
				t.Errorf("%s: class %q reveals %q", tc.name, got, leak)
			}
		}
	}

	// The same classes from real deliveries.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/cb"
	ln.Close()
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer unavailable.Close()
	untrusted := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer untrusted.Close()
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer hanging.Close()
	defer close(release)

	// Only the hanging callback is to time out; the others get a bound a loaded machine (a TLS
	// handshake under -race on 2 busy cores) cannot reach, or their class would be "timeout".
	newSender := func(timeout time.Duration) *Sender {
		return NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: timeout,
			TLS: &tls.Config{MinVersion: tls.VersionTLS12}, Secrets: noSecrets{}})
	}
	s, impatient := newSender(time.Minute), newSender(500*time.Millisecond)
	refusing := NewSender(SenderConfig{Policy: &CallbackPolicy{}, Timeout: time.Minute, Secrets: noSecrets{}})
	for _, tc := range []struct {
		name     string
		sender   *Sender
		callback string
		want     string
	}{
		{"closed port", s, closed, FailureConnection},
		{"503", s, unavailable.URL, "HTTP 503"},
		{"untrusted certificate", s, untrusted.URL, FailureTLS},
		{"no answer", impatient, hanging.URL, FailureTimeout},
		{"loopback without allow-list", refusing, unavailable.URL, FailureAddressRefused},
	} {
		err := tc.sender.Send(context.Background(), &Subscription{Callback: tc.callback}, Entry{Body: []byte("{}"), NotificationID: "n"})
		st := &stats{}
		st.failure(time.Now(), err)
		if st.st.LastError != tc.want {
			t.Errorf("%s: lastError %q (from %v), want %q", tc.name, st.st.LastError, err, tc.want)
		}
	}
}

// TestRegressionSigningSecretMustOptIn: any Secret in the subscription's namespace could be
// named as signing key (a service account token, a registry password) and was used.
func TestRegressionSigningSecretMustOptIn(t *testing.T) {
	data := map[string][]byte{"key": []byte("k3y")}
	secret := func(name string, typ corev1.SecretType, labels map[string]string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant", Name: name, Labels: labels}, Type: typ, Data: data}
	}
	kube := fake.NewSimpleClientset(
		secret("typed", v1alpha1.SecretTypeSigningKey, nil),
		secret("labelled", corev1.SecretTypeOpaque, map[string]string{v1alpha1.LabelSigningKey: "true"}),
		secret("opaque", corev1.SecretTypeOpaque, nil),
		secret("label-false", corev1.SecretTypeOpaque, map[string]string{v1alpha1.LabelSigningKey: "false"}),
		secret("sa-token", corev1.SecretTypeServiceAccountToken, nil),
	)
	src := NewSecretSource(kube)
	for name, want := range map[string]string{
		"typed": "", "labelled": "",
		"opaque": FailureSecretNotOptedIn, "label-false": FailureSecretNotOptedIn, "sa-token": FailureSecretNotOptedIn,
		"missing": FailureSecretNotFound,
	} {
		key, err := src.Key(context.Background(), "tenant", &v1alpha1.SecretKeyRef{Name: name, Key: "key"})
		if got := FailureClass(err); got != want {
			t.Errorf("%s: %v (class %q), want %q", name, err, got, want)
		}
		if want == "" && string(key) != "k3y" {
			t.Errorf("%s: key %q", name, key)
		}
	}
	if _, err := src.Key(context.Background(), "tenant", &v1alpha1.SecretKeyRef{Name: "typed", Key: "other"}); FailureClass(err) != FailureSecretNoKey {
		t.Errorf("missing key: %v", err)
	}
	// The notifier reads Secrets by name only: no list, no watch.
	for _, a := range kube.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("the secret source did %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}

	// A subscription naming a Secret that does not opt in gets nothing, not unsigned POSTs.
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s := NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: 5 * time.Second, Secrets: src})
	sub := &Subscription{Namespace: "tenant", Callback: srv.URL, Secret: &v1alpha1.SecretKeyRef{Name: "opaque", Key: "key"}}
	if err := s.Send(context.Background(), sub, Entry{Body: []byte("{}"), NotificationID: "n"}); FailureClass(err) != FailureSecretNotOptedIn {
		t.Errorf("Send with an opaque secret: %v", err)
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests delivered with a secret that does not opt in", n)
	}
}

// countingTokens hands out a new token, t1, t2, ..., valid for an hour, on every call.
type countingTokens struct {
	mu sync.Mutex
	n  int
}

func (c *countingTokens) Token() (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return &oauth2.Token{AccessToken: "t" + strconv.Itoa(c.n), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func (c *countingTokens) fetched() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestRegressionTokenRefusedIsFetchedAgain: the notifier kept its OAuth2 token until it
// expired (oauth2.ReuseTokenSource), so a token the SMO's authorization server had revoked was
// sent and refused with 401 on every delivery until then, up to an hour. Now a 401 to a token
// drops it and the next attempt fetches a new one; a token callbacks accept is kept.
func TestRegressionTokenRefusedIsFetchedAgain(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer t1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rec.ServeHTTP(w, r)
	}))
	defer srv.Close()
	tokens := &countingTokens{}
	s := NewSender(SenderConfig{
		Policy:  &CallbackPolicy{Allowed: loopback(t), OAuth2Hosts: tokenHosts(t, "127.0.0.1")},
		Timeout: 5 * time.Second, TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig, Token: tokens, Secrets: noSecrets{},
	})
	send := func() error {
		return s.Send(context.Background(), &Subscription{Callback: srv.URL + "/cb"}, Entry{Body: []byte("{}"), NotificationID: "n"})
	}
	var st *StatusError
	if err := send(); !errors.As(err, &st) || st.Code != http.StatusUnauthorized {
		t.Fatalf("first delivery, with the revoked token: %v, want 401", err)
	}
	for i := range 2 {
		if err := send(); err != nil {
			t.Fatalf("delivery %d after the 401: %v", i+2, err)
		}
	}
	if got := rec.requests(); len(got) != 2 || got[0] != "Bearer t2" || got[1] != "Bearer t2" {
		t.Errorf("the callback accepted %q, want two deliveries with t2", got)
	}
	if n := tokens.fetched(); n != 2 {
		t.Errorf("%d tokens fetched, want 2 (t1, refused, then t2, kept)", n)
	}
}

// TestRefusingCallbackCannotStormTheTokenEndpoint: a tenant's callback on a token host that
// answers 401 to everything gets one token dropped per tokenDropInterval, not one per retry,
// and the token the other callbacks accept is kept meanwhile.
func TestRefusingCallbackCannotStormTheTokenEndpoint(t *testing.T) {
	tokens := &countingTokens{}
	now := time.Unix(1_000_000, 0)
	c := &tokenCache{src: tokens, now: func() time.Time { return now }}
	refuse := func() {
		t.Helper()
		tok, err := c.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c.refused(tok)
	}
	refuse() // t1 dropped
	for range 100 {
		refuse() // t2 refused again and again within the interval: kept
	}
	if n := tokens.fetched(); n != 2 {
		t.Fatalf("%d tokens fetched for 101 refusals within %s, want 2", n, tokenDropInterval)
	}
	now = now.Add(tokenDropInterval)
	refuse() // t2 dropped
	if tok, _ := c.Token(context.Background()); tok.AccessToken != "t3" || tokens.fetched() != 3 {
		t.Errorf("after the interval: token %s, %d fetched; want t3, 3", tok.AccessToken, tokens.fetched())
	}
}

// tokenSequence hands out its tokens in turn, the last one again and again.
type tokenSequence struct {
	mu     sync.Mutex
	tokens []*oauth2.Token
	n      int
}

func (s *tokenSequence) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.tokens[min(s.n, len(s.tokens)-1)]
	s.n++
	return tok, nil
}

// TestRegressionUnsendableTokenNotKept: a token endpoint answering a token with CR/LF (or
// another control character, or a space) in the token or its type gave a token that no POST
// could carry. net/http refused to send it, so there was no header injection, but the token
// was kept: every delivery to every token host failed as "connection failed", never drawing
// the 401 that drops a token, until it expired, and without expires_in until a restart. Such
// a token is now refused when fetched ("OAuth2 token request failed") and the next delivery
// fetches again.
func TestRegressionUnsendableTokenNotKept(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization")+"|"+r.Header.Get("X-Injected"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	good := &oauth2.Token{AccessToken: "good", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
	for _, bad := range []*oauth2.Token{
		{AccessToken: "s3cr3t\r\nX-Injected: 1", TokenType: "Bearer"},
		{AccessToken: "s3cr3t\nX-Injected: 1", TokenType: "Bearer"},
		{AccessToken: "s3cr3t", TokenType: "Bearer\r\nX-Injected: 1"},
		{AccessToken: "s3cr3t\x00", TokenType: "Bearer"},
		{AccessToken: "s3cr3t and more", TokenType: "Bearer"},
	} {
		mu.Lock()
		seen = nil
		mu.Unlock()
		s := NewSender(SenderConfig{
			Policy:  &CallbackPolicy{Allowed: loopback(t), OAuth2Hosts: tokenHosts(t, "127.0.0.1")},
			Timeout: 5 * time.Second, TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig,
			Token: &tokenSequence{tokens: []*oauth2.Token{bad, good}}, Secrets: noSecrets{},
		})
		send := func() error {
			return s.Send(context.Background(), &Subscription{Callback: srv.URL + "/cb"}, Entry{Body: []byte("{}"), NotificationID: "n"})
		}
		err := send()
		if got := FailureClass(err); got != FailureToken {
			t.Errorf("token %q type %q: class %q (from %v), want %q", bad.AccessToken, bad.TokenType, got, err, FailureToken)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error quotes the token: %v", err)
		}
		if err := send(); err != nil {
			t.Errorf("token %q type %q: the next delivery, with a good token: %v", bad.AccessToken, bad.TokenType, err)
		}
		mu.Lock()
		if len(seen) != 1 || seen[0] != "Bearer good|" {
			t.Errorf("token %q type %q: the callback saw %q, want one POST with the good token", bad.AccessToken, bad.TokenType, seen)
		}
		mu.Unlock()
	}
}

// blockingTokens is a token endpoint that answers only once released: each call signals
// fetching, then waits.
type blockingTokens struct {
	fetching chan struct{}
	release  chan struct{}
	calls    atomic.Int64
}

func (b *blockingTokens) Token() (*oauth2.Token, error) {
	b.calls.Add(1)
	b.fetching <- struct{}{}
	<-b.release
	return &oauth2.Token{AccessToken: "late", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

// TestRegressionTokenWaitBoundedByTheDelivery: token fetches ran under the token cache's lock,
// outside any context, one delivery after another. With a token endpoint that does not answer,
// every delivery to a token host waited for the fetches of all those before it, each up to the
// token client's timeout, far past its own timeout; and stopping a worker (a subscription
// removed, leadership lost) waited as long, in the goroutine that serves every subscription of
// the kind. Now one fetch runs at a time, the deliveries that need a token share it, and each
// waits only as long as its context lets it.
func TestRegressionTokenWaitBoundedByTheDelivery(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	tokens := &blockingTokens{fetching: make(chan struct{}, 8), release: make(chan struct{})}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(tokens.release) }) }
	defer release()
	s := NewSender(SenderConfig{
		Policy:  &CallbackPolicy{Allowed: loopback(t), OAuth2Hosts: tokenHosts(t, "127.0.0.1")},
		Timeout: time.Hour, TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig, Token: tokens, Secrets: noSecrets{},
	})
	send := func(ctx context.Context) error {
		return s.Send(ctx, &Subscription{Callback: srv.URL + "/cb"}, Entry{Body: []byte("{}"), NotificationID: "n"})
	}
	ctx, stop := context.WithCancel(context.Background())
	const deliveries = 3
	results := make(chan error, deliveries)
	for range deliveries {
		go func() { results <- send(ctx) }()
	}
	<-tokens.fetching
	// The workers are stopped while the token endpoint has not answered.
	stop()
	for i := range deliveries {
		select {
		case err := <-results:
			if got := FailureClass(err); got != FailureToken {
				t.Errorf("delivery %d: class %q (from %v), want %q", i, got, err, FailureToken)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d deliveries still waiting for the token 30s after their context ended", deliveries-i, deliveries)
		}
	}
	if n := tokens.calls.Load(); n != 1 {
		t.Errorf("%d token fetches for %d deliveries at once, want 1", n, deliveries)
	}
	// The fetch they gave up on is kept when it lands: the next delivery sends it.
	release()
	if err := send(context.Background()); err != nil {
		t.Errorf("delivery after the token endpoint answered: %v", err)
	}
	if n := tokens.calls.Load(); n != 1 {
		t.Errorf("%d token fetches, want 1", n)
	}
}

// expiredTokens hands out a new token on every call, already expired as a token endpoint
// answering a negative expires_in (or one of 10 s or less) makes it.
type expiredTokens struct{ calls atomic.Int64 }

func (e *expiredTokens) Token() (*oauth2.Token, error) {
	n := e.calls.Add(1)
	return &oauth2.Token{AccessToken: "t" + strconv.Itoa(int(n)), TokenType: "Bearer", Expiry: time.Now().Add(-time.Hour)}, nil
}

// TestRegressionExpiredTokenNotFetchedPerDelivery: a token endpoint answering tokens that
// expire at once (expires_in negative, or 10 s or less, which golang.org/x/oauth2 holds
// expired at once) made every delivery to a token host, every tenant's, fetch a new token: a
// request to the token endpoint per POST, and the POSTs waiting for it. A fetched token is now
// kept at least tokenMinLife.
func TestRegressionExpiredTokenNotFetchedPerDelivery(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	tokens := &expiredTokens{}
	s := NewSender(SenderConfig{
		Policy:  &CallbackPolicy{Allowed: loopback(t), OAuth2Hosts: tokenHosts(t, "127.0.0.1")},
		Timeout: 5 * time.Second, TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig, Token: tokens, Secrets: noSecrets{},
	})
	now := time.Unix(1_000_000, 0)
	s.token.now = func() time.Time { return now }
	for i := range 20 {
		if err := s.Send(context.Background(), &Subscription{Callback: srv.URL + "/cb"}, Entry{Body: []byte("{}"), NotificationID: "n"}); err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	if n := tokens.calls.Load(); n != 1 {
		t.Errorf("%d token fetches for 20 deliveries within %s, want 1", n, tokenMinLife)
	}
	now = now.Add(tokenMinLife)
	if tok, err := s.token.Token(context.Background()); err != nil || tok.AccessToken != "t2" {
		t.Errorf("after %s: token %v, %v; want a new one, t2", tokenMinLife, tok, err)
	}
}

// TestRegressionSigningKeyCacheForgets: the signing-key cache kept every key it ever read, only
// ever re-reading them: a tenant pointing its subscription at Secret after Secret (rotation, or
// on purpose) and deleting each grew the notifier's memory by every key, and the key material
// of Secrets long deleted stayed in it. The cache holds the keys read within the TTL.
func TestRegressionSigningKeyCacheForgets(t *testing.T) {
	kube := fake.NewSimpleClientset()
	now := time.Unix(1_700_000_000, 0)
	src := NewSecretSource(kube).(*cachedSecrets)
	src.now = func() time.Time { return now }
	for i := range 200 {
		name := "rotated-" + strconv.Itoa(i)
		if _, err := kube.CoreV1().Secrets("tenant-a").Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: name},
			Type:       v1alpha1.SecretTypeSigningKey, Data: map[string][]byte{"k": make([]byte, 64<<10)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := src.Key(context.Background(), "tenant-a", &v1alpha1.SecretKeyRef{Name: name, Key: "k"}); err != nil {
			t.Fatal(err)
		}
		if err := kube.CoreV1().Secrets("tenant-a").Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * secretTTL)
	}
	src.mu.Lock()
	held := len(src.cache)
	src.mu.Unlock()
	if held > 1 {
		t.Errorf("the signing-key cache holds %d keys of Secrets read more than %s ago and deleted since", held, secretTTL)
	}
	// A deleted Secret's key is not served from the cache once stale, and is forgotten.
	if _, err := src.Key(context.Background(), "tenant-a", &v1alpha1.SecretKeyRef{Name: "rotated-199", Key: "k"}); FailureClass(err) != FailureSecretNotFound {
		t.Errorf("the key of a deleted Secret after its TTL: %v", err)
	}
	src.mu.Lock()
	held = len(src.cache)
	src.mu.Unlock()
	if held != 0 {
		t.Errorf("%d keys held after the last Secret was found deleted", held)
	}
}

// filteredAddr is a loopback address whose SYNs go unanswered, as a firewall's DROP does: a
// listener whose accept queue (backlog 0) is held full by one connection never accepted, so
// the kernel drops every further SYN and a dial waits until its deadline.
func filteredAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	filler, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = filler.Close() })
	return addr
}

// TestRegressionFilteredPortReportedAsTimeout: a callback on a port that drops SYNs (filtered)
// failed as "timeout", one on a closed port as "connection failed", so a tenant could tell
// filtered from closed ports by the status of subscriptions pointed at them. The request's
// deadline ends the wait for a connection before the dial's own timeout does (net/http dials
// apart from the request's context), and the transport returns the context's error, not the
// dial's. Both are "connection failed" now; "timeout" remains for a connection made that
// gives no answer in time.
func TestRegressionFilteredPortReportedAsTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/cb"
	ln.Close()
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer silent.Close()
	defer close(release)

	s := NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: 500 * time.Millisecond, Secrets: noSecrets{}})
	for _, tc := range []struct {
		name, callback, want string
	}{
		{"closed port", closed, FailureConnection},
		{"filtered port", "http://" + filteredAddr(t) + "/cb", FailureConnection},
		{"connected, no answer", silent.URL + "/cb", FailureTimeout},
	} {
		err := sendTo(context.Background(), s, tc.callback)
		if got := lastErrorOf(err); got != tc.want {
			t.Errorf("%s: lastError %q (from %v), want %q", tc.name, got, err, tc.want)
		}
	}
}
