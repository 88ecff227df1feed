package notify

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/tls"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/test/redisserver"
)

// The tests of this file play callbacks chosen by a hostile tenant: what they answer, how
// slowly, where they redirect to, must cost the notifier no more than the tenant's own
// subscription's deliveries, and tell the tenant no more than a failure class.

// rawReceiver is a callback answering every request with answer, written byte for byte (status
// lines and headers net/http would refuse to write), then closing the connection or, with
// hold, keeping it open and silent until the test ends. With scheme "https" it accepts
// connections and never speaks, not even TLS.
type rawReceiver struct {
	url string
}

func newRawReceiver(t *testing.T, scheme, answer string, hold bool) *rawReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rawReceiver{url: scheme + "://" + ln.Addr().String() + "/cb"}
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(done)
		_ = ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				// Closed when the test ends, so that a client blocked on it is released.
				go func() {
					<-done
					_ = c.Close()
				}()
				if scheme == "https" {
					// It accepts and never speaks: the client's TLS handshake stalls.
					<-done
					return
				}
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				if _, err := io.WriteString(c, answer); err != nil {
					return
				}
				if hold {
					<-done
				}
			})
		}
	})
	return r
}

// hostileSender is a sender allowed to reach the loopback receivers of these tests.
func hostileSender(t *testing.T, timeout time.Duration, tlsConfig *tls.Config) *Sender {
	t.Helper()
	return NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: timeout, TLS: tlsConfig, Secrets: noSecrets{}})
}

func sendTo(ctx context.Context, s *Sender, callback string) error {
	return s.Send(ctx, &Subscription{Callback: callback}, Entry{Body: []byte(`{"notificationId":"n"}`), NotificationID: "n"})
}

// lastErrorOf is the status.lastError a failed delivery writes.
func lastErrorOf(err error) string {
	st := &stats{}
	st.failure(time.Now(), err)
	return st.st.LastError
}

// TestRegressionCallbackResponseHeadersBounded: the notifier read up to 10 MiB of a callback's
// answer headers (Go's default), interim 1xx answers included, so a tenant's receiver answering
// every POST with megabytes of headers made the notifier hold that much for each of the
// tenant's subscriptions delivering at once, up to a thousand per namespace: enough to exhaust
// the memory the notifier shares with every other tenant. An answer's headers are now bounded
// at 64 KiB over HTTP/1 and HTTP/2; past that the delivery fails as a connection that gave no
// usable answer.
func TestRegressionCallbackResponseHeadersBounded(t *testing.T) {
	pad := strings.Repeat("a", 1<<20)
	h2 := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Pad", pad)
		w.WriteHeader(http.StatusNoContent)
	}))
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()
	s := hostileSender(t, time.Minute, h2.Client().Transport.(*http.Transport).TLSClientConfig)
	for _, tc := range []struct {
		name, callback string
	}{
		{"2xx with 1 MiB of headers", newRawReceiver(t, "http", "HTTP/1.1 204 No Content\r\nX-Pad: "+pad+"\r\n\r\n", false).url},
		{"interim answer with 1 MiB of headers", newRawReceiver(t, "http",
			"HTTP/1.1 103 Early Hints\r\nLink: "+pad+"\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", false).url},
		{"many interim answers", newRawReceiver(t, "http",
			strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: "+pad[:16<<10]+"\r\n\r\n", 64)+"HTTP/1.1 204 No Content\r\n\r\n", false).url},
		{"HTTP/2 answer with 1 MiB of headers", h2.URL},
	} {
		err := sendTo(context.Background(), s, tc.callback)
		if err == nil {
			t.Errorf("%s: delivered", tc.name)
			continue
		}
		if got := lastErrorOf(err); got != FailureConnection {
			t.Errorf("%s: lastError %q (from %v), want %q", tc.name, got, err, FailureConnection)
		}
	}
	// An ordinary answer, a few KiB of headers, is delivered.
	ok := newRawReceiver(t, "http", "HTTP/1.1 200 OK\r\nX-Pad: "+pad[:4<<10]+"\r\nContent-Length: 2\r\n\r\n{}", false)
	if err := sendTo(context.Background(), s, ok.url); err != nil {
		t.Errorf("an answer with 4 KiB of headers: %v", err)
	}
}

// deliveryRig is the delivery configuration of one worker without Redis: enough for
// worker.deliver, which acknowledges in memory.
func deliveryRig(t *testing.T, sender *Sender, backoff Backoff) *deliveryConfig {
	t.Helper()
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &deliveryConfig{sender: sender, metrics: m, backoff: backoff, acks: newAcker(nil, storeRetry()),
		depth: new(atomic.Int64), changed: func(string, bool) {}}
}

// TestRegressionSwitchingProtocolsCannotPinAWorker: a callback answering "101 Switching
// Protocols" and then nothing held its delivery forever, past the POST's timeout and past the
// worker's stop: the answer's body is the connection itself, which the transport no longer
// ties to the request's context, and the sender read it. Removing the subscription waits for
// its worker (subscriptions.remove), in the one goroutine that starts, updates and removes
// every subscription of the kind, so a tenant could stop every other tenant's new
// subscriptions from ever being served by deleting one of its own. A 101 is now a failure
// ("HTTP 101") whose body is not read.
func TestRegressionSwitchingProtocolsCannotPinAWorker(t *testing.T) {
	rcv := newRawReceiver(t, "http", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", true)
	sender := hostileSender(t, time.Minute, nil)
	// The worker is stopped once the answer's headers are in: stopped earlier, the transport
	// itself gives up.
	answered := make(chan struct{}, 1)
	sender.client.Transport = roundTripped{sender.client.Transport, answered}
	cfg := deliveryRig(t, sender, Backoff{Base: time.Hour, Max: time.Hour})
	w := newWorker(cfg, &Subscription{Callback: rcv.url}, v1alpha1.InventorySubscriptionStatus{})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	delivered := make(chan bool, 1)
	go func() { delivered <- w.deliver(ctx, Entry{StreamID: "1-1", NotificationID: "n", Body: []byte("{}")}) }()
	<-answered
	// What halt does: the worker's context ends, and it must return.
	stop()
	select {
	case ok := <-delivered:
		if ok {
			t.Error("a 101 was taken for a delivery")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop in 30s while its callback held a 101 answer open")
	}

	// Without a stop, the delivery fails at once as HTTP 101.
	result := make(chan error, 1)
	go func() { result <- sendTo(context.Background(), cfg.sender, rcv.url) }()
	select {
	case err := <-result:
		if got := lastErrorOf(err); got != "HTTP 101" {
			t.Errorf("lastError %q (from %v), want HTTP 101", got, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a POST answered 101 did not return in 30s (its timeout is a minute)")
	}
}

// roundTripped signals on done after each round trip returned: the answer's status and
// headers are in, its body not yet read.
type roundTripped struct {
	http.RoundTripper
	done chan<- struct{}
}

func (r roundTripped) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.RoundTripper.RoundTrip(req)
	select {
	case r.done <- struct{}{}:
	default:
	}
	return resp, err
}

// TestCallbackAnswerBodiesBounded: of an answer's body the sender reads 64 KiB at most, within
// the POST's timeout, whether it is accepted or not: a receiver streaming gigabytes, or never
// ending, or inflating without end, costs one bounded read, and one dripping its body, slower than any timeout, holds the
// delivery for the timeout only.
func TestCallbackAnswerBodiesBounded(t *testing.T) {
	chunk := []byte(strings.Repeat("x", 32<<10))
	endless := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}
	}
	// A gzip bomb: the transport asks for gzip and inflates what it reads; the 64 KiB are of
	// the inflated body.
	bomb := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusOK)
		zw := gzip.NewWriter(w)
		zeros := make([]byte, 1<<20)
		for r.Context().Err() == nil {
			if _, err := zw.Write(zeros); err != nil {
				return
			}
		}
	}
	drip := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000000")
			w.WriteHeader(code)
			_, _ = w.Write([]byte("{"))
			w.(http.Flusher).Flush()
			// The next byte never comes: slower than any timeout.
			<-r.Context().Done()
		}
	}
	for _, tc := range []struct {
		name    string
		handler http.Handler
		h2      bool
		// ends, when set, ends the POST's context once the answer's status and headers are
		// in, as its timeout does when it runs out while the body is read.
		ends bool
		want string // lastError, "" for a delivery
	}{
		// An hour's timeout: only a bounded read returns.
		{"endless 200", endless(http.StatusOK), false, false, ""},
		{"endless 500", endless(http.StatusInternalServerError), false, false, "HTTP 500"},
		{"endless 200 over HTTP/2", endless(http.StatusOK), true, false, ""},
		{"endless 503 over HTTP/2", endless(http.StatusServiceUnavailable), true, false, "HTTP 503"},
		{"gzip bomb", http.HandlerFunc(bomb), false, false, ""},
		{"gzip bomb over HTTP/2", http.HandlerFunc(bomb), true, false, ""},
		// The status came, the body does not: the end of the POST's context ends the read, the
		// status decides. The context ends once the status is in, not after a short timeout:
		// a TLS handshake under -race on 2 busy cores can take longer than any such timeout,
		// and then the class was "timeout" (1 in 120 runs under load).
		{"dripping 200", drip(http.StatusOK), false, true, ""},
		{"dripping 503", drip(http.StatusServiceUnavailable), false, true, "HTTP 503"},
		{"dripping 200 over HTTP/2", drip(http.StatusOK), true, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(tc.handler)
			srv.EnableHTTP2 = tc.h2
			srv.StartTLS()
			defer srv.Close()
			s := hostileSender(t, time.Hour, srv.Client().Transport.(*http.Transport).TLSClientConfig)
			ctx, end := context.WithCancel(context.Background())
			defer end()
			if tc.ends {
				answered := make(chan struct{}, 1)
				s.client.Transport = roundTripped{s.client.Transport, answered}
				go func() {
					select {
					case <-answered:
						end()
					case <-ctx.Done():
					}
				}()
			}
			result := make(chan error, 1)
			go func() { result <- sendTo(ctx, s, srv.URL+"/cb") }()
			select {
			case err := <-result:
				if got := FailureClass(err); got != tc.want {
					t.Errorf("class %q (from %v), want %q", got, err, tc.want)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("the POST was still reading the answer after 30s (its context ended: %v)", ctx.Err() != nil)
			}
		})
	}
}

// TestCallbackSlowToAnswerBoundedByTimeout: a receiver that accepts the connection and then
// stalls, in the TLS handshake, before its status line or inside its headers, holds the
// delivery for the POST's timeout, and the status says "timeout".
func TestCallbackSlowToAnswerBoundedByTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		rcv  *rawReceiver
	}{
		{"TLS handshake never answered", newRawReceiver(t, "https", "", true)},
		{"no status line", newRawReceiver(t, "http", "", true)},
		{"status line, then nothing", newRawReceiver(t, "http", "HTTP/1.1 200 OK\r\n", true)},
		{"headers never ended", newRawReceiver(t, "http", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Slow: 1", true)},
	} {
		s := hostileSender(t, 500*time.Millisecond, &tls.Config{MinVersion: tls.VersionTLS12})
		result := make(chan error, 1)
		go func() { result <- sendTo(context.Background(), s, tc.rcv.url) }()
		select {
		case err := <-result:
			if got := lastErrorOf(err); got != FailureTimeout {
				t.Errorf("%s: lastError %q (from %v), want %q", tc.name, got, err, FailureTimeout)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the POST still waited after 30s (its timeout is 500ms)", tc.name)
		}
	}
}

// fixedKey is a SecretSource whose every signing key is the same.
type fixedKey []byte

func (k fixedKey) Key(context.Context, string, *v1alpha1.SecretKeyRef) ([]byte, error) { return k, nil }

// requestLog records the requests a test receiver got, with their headers.
type requestLog struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, &http.Request{Method: r.Method, Host: r.Host, URL: r.URL, Header: r.Header.Clone()})
}

func (l *requestLog) all() []*http.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*http.Request(nil), l.reqs...)
}

// TestCallbackRedirectsNotFollowed: a redirect is the callback's answer, a failure classed by
// its code, and nothing goes where it points: not to another host, not to a private or
// metadata address (which the dial policy would refuse too), not from https to http, not round
// a loop; and so neither the OAuth2 token nor the signature nor the body reaches the target.
// The status names the code only, not the Location.
func TestCallbackRedirectsNotFollowed(t *testing.T) {
	target := &requestLog{}
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target.add(r)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer elsewhere.Close()
	elsewhereTLS := httptest.NewTLSServer(elsewhere.Config.Handler)
	defer elsewhereTLS.Close()
	port := elsewhere.Listener.Addr().(*net.TCPAddr).Port

	received := &requestLog{}
	var self string
	redirecting := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.add(r)
		to := r.URL.Query().Get("to")
		if to == "self" {
			to = self + r.URL.RequestURI()
		}
		w.Header().Set("Location", to)
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.WriteHeader(code)
	}))
	defer redirecting.Close()
	self = redirecting.URL
	tlsConfig := redirecting.Client().Transport.(*http.Transport).TLSClientConfig
	s := NewSender(SenderConfig{
		Policy:  &CallbackPolicy{Allowed: loopback(t), OAuth2Hosts: tokenHosts(t, "127.0.0.1", "localhost")},
		Timeout: 5 * time.Second, TLS: tlsConfig, Secrets: fixedKey("k3y"),
		Token: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "s3cr3t-token", TokenType: "Bearer"}),
	})
	for _, tc := range []struct {
		name, to string
		code     int
	}{
		{"another host", elsewhereTLS.URL + "/cb", http.StatusTemporaryRedirect},
		{"another host name", "https://localhost:" + strconv.Itoa(elsewhereTLS.Listener.Addr().(*net.TCPAddr).Port) + "/cb", http.StatusPermanentRedirect},
		{"https to http", elsewhere.URL + "/cb", http.StatusFound},
		{"private address", "http://10.0.0.5:" + strconv.Itoa(port) + "/cb", http.StatusMovedPermanently},
		{"metadata service", "http://169.254.169.254/latest/meta-data/", http.StatusSeeOther},
		{"loop", "self", http.StatusTemporaryRedirect},
		{"no Location", "", http.StatusFound},
	} {
		before := len(received.all())
		q := url.Values{"to": {tc.to}, "code": {strconv.Itoa(tc.code)}}
		sub := &Subscription{Namespace: "tenant", Callback: redirecting.URL + "/cb?" + q.Encode(), Secret: &v1alpha1.SecretKeyRef{Name: "k", Key: "k"}}
		err := s.Send(context.Background(), sub, Entry{Body: []byte(`{"n":1}`), NotificationID: "n"})
		want := "HTTP " + strconv.Itoa(tc.code)
		if got := lastErrorOf(err); got != want {
			t.Errorf("%s: lastError %q (from %v), want %q", tc.name, got, err, want)
		}
		got := received.all()[before:]
		if len(got) != 1 {
			t.Errorf("%s: the callback got %d requests, want 1", tc.name, len(got))
			continue
		}
		// The callback itself, a token host, got the credentials: the target would have, had the
		// redirect been followed.
		if got[0].Header.Get("Authorization") != "Bearer s3cr3t-token" || got[0].Header.Get(HeaderSignature) == "" {
			t.Errorf("%s: the callback got Authorization %q, signature %q", tc.name, got[0].Header.Get("Authorization"), got[0].Header.Get(HeaderSignature))
		}
	}
	if got := target.all(); len(got) != 0 {
		t.Errorf("redirect targets got %d requests, first with headers %v", len(got), got[0].Header)
	}
}

// TestCallbackAnswersClassified: whatever a callback answers, the status carries the class
// only: "HTTP <code>" for any final status other than 2xx, "connection failed" for what is not
// an HTTP answer; never a word of the body, a header or an address. A 2xx is a delivery
// whatever its body; interim 1xx answers are skipped, but a 101 is a failure.
func TestCallbackAnswersClassified(t *testing.T) {
	const leak = "internal-db.tenant.svc 10.0.0.5 s3cr3t"
	body := "\r\nContent-Length: " + strconv.Itoa(len(leak)) + "\r\nX-Debug: " + leak + "\r\n\r\n" + leak
	s := hostileSender(t, 5*time.Second, nil)
	for _, tc := range []struct {
		name, answer, want string
	}{
		{"200, garbage body", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n\x00\xff\xfe{]x", ""},
		{"200, body shorter than announced", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", ""},
		{"204", "HTTP/1.1 204 No Content\r\n\r\n", ""},
		{"299", "HTTP/1.1 299 Whatever\r\nContent-Length: 0\r\n\r\n", ""},
		{"100 then 204", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", ""},
		{"103 then 500", "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 500 Oops" + body, "HTTP 500"},
		{"101 without upgrade", "HTTP/1.1 101 Switching Protocols\r\n\r\n", "HTTP 101"},
		{"302 without Location", "HTTP/1.1 302 Found" + body, "HTTP 302"},
		{"304", "HTTP/1.1 304 Not Modified\r\n\r\n", "HTTP 304"},
		{"400 with a body", "HTTP/1.1 400 " + leak + body, "HTTP 400"},
		{"401", "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"" + leak + "\"" + body, "HTTP 401"},
		{"404", "HTTP/1.1 404 Not Found" + body, "HTTP 404"},
		{"503", "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3600" + body, "HTTP 503"},
		{"999", "HTTP/1.1 999 Odd" + body, "HTTP 999"},
		{"status out of range", "HTTP/1.1 42 " + leak + body, FailureConnection},
		{"not HTTP", "SSH-2.0-OpenSSH_9.6 " + leak + "\r\n", FailureConnection},
		{"closed without a word", "", FailureConnection},
	} {
		err := sendTo(context.Background(), s, newRawReceiver(t, "http", tc.answer, false).url)
		got := lastErrorOf(err)
		if tc.want == "" {
			got = FailureClass(err)
		}
		if got != tc.want {
			t.Errorf("%s: lastError %q (from %v), want %q", tc.name, got, err, tc.want)
		}
		for _, word := range strings.Fields(leak) {
			if strings.Contains(got, word) {
				t.Errorf("%s: lastError %q repeats %q from the answer", tc.name, got, word)
			}
		}
	}
}

// TestRetryAfterDoesNotStretchTheBackoff: a callback's Retry-After, however far (ten years),
// negative, garbage or a date long past, is not honoured: the wait between attempts is the
// notifier's backoff, capped at --notifier-retry-max, so no answer of a tenant's receiver can
// park its subscription's notifications past that cap, nor make the notifier retry faster
// than its backoff.
func TestRetryAfterDoesNotStretchTheBackoff(t *testing.T) {
	answers := []struct {
		code       int
		retryAfter string
	}{
		{http.StatusTooManyRequests, "315360000"},
		{http.StatusServiceUnavailable, "-5"},
		{http.StatusServiceUnavailable, "soon, maybe"},
		{http.StatusTooManyRequests, "Wed, 21 Oct 2015 07:28:00 GMT"},
		{http.StatusServiceUnavailable, "99999999999999999999999"},
	}
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if n < len(answers) {
			w.Header().Set("Retry-After", answers[n].retryAfter)
			w.WriteHeader(answers[n].code)
		} else {
			w.WriteHeader(http.StatusNoContent)
		}
		n++
	}))
	defer srv.Close()
	cfg := deliveryRig(t, hostileSender(t, 5*time.Second, nil), Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond})
	w := newWorker(cfg, &Subscription{Callback: srv.URL + "/cb"}, v1alpha1.InventorySubscriptionStatus{})
	// A bound no honoured Retry-After above would fit in, and no backoff of 10 ms would exceed.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !w.deliver(ctx, Entry{StreamID: "1-1", NotificationID: "n", Body: []byte("{}")}) {
		t.Fatal("not delivered within 30s: a Retry-After was waited for")
	}
	mu.Lock()
	defer mu.Unlock()
	if n != len(answers)+1 {
		t.Errorf("%d POSTs, want %d", n, len(answers)+1)
	}

	// The cap holds at any count of consecutive failures (the status keeps them across
	// restarts), with the largest jitter.
	b := Backoff{Base: time.Second, Max: 5 * time.Minute}
	for _, failures := range []int{1, 2, 9, 10, 64, 1 << 20, math.MaxInt32} {
		if d := b.Delay(failures, func() float64 { return 0.999999 }); d > b.Max || d <= 0 {
			t.Errorf("Delay(%d) = %s, want within (0, %s]", failures, d, b.Max)
		}
	}
}

// TestBlackHoleTenantDoesNotDelayOthers: one tenant's subscriptions all pointing at a receiver
// that accepts and never answers hold their own deliveries only. Each subscription has its own
// worker and no connection limit is shared between hosts, so another tenant's notification
// is delivered while every one of the black hole's deliveries is stuck, and stopping the
// stuck workers (their subscriptions removed) ends their POSTs at once.
func TestBlackHoleTenantDoesNotDelayOthers(t *testing.T) {
	rs := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	store := NewStore(client, "fair")
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &deliveryConfig{
		// A POST's timeout longer than the test: the black hole's deliveries stay stuck.
		store: store, sender: hostileSender(t, time.Hour, nil), metrics: m,
		backoff: Backoff{Base: time.Hour, Max: time.Hour}, storeRetry: storeRetry(),
		batch: 32, idlePoll: time.Hour, acks: newAcker(store, storeRetry()), depth: new(atomic.Int64),
		changed: func(string, bool) {},
	}

	const stuckSubs = 50
	var inflight atomic.Int64
	stuck := make(chan struct{}, stuckSubs)
	release := make(chan struct{})
	blackHole := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Add(-1)
		// Read to its end, the request lets the server see the client go.
		_, _ = io.Copy(io.Discard, r.Body)
		stuck <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer blackHole.Close()
	defer close(release)
	arrived := make(chan string, 1)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.Header.Get(HeaderNotificationID)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer other.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	subscribe := func(ns, name, callback string) *worker {
		sub := &Subscription{Namespace: ns, Name: name, UID: ns + "-" + name, Callback: callback}
		return newWorker(cfg, sub, v1alpha1.InventorySubscriptionStatus{})
	}
	// The black hole's subscriptions have a few notifications each waiting.
	var holes []*worker
	var items []Item
	for i := range stuckSubs {
		w := subscribe("tenant-a", "s"+strconv.Itoa(i), blackHole.URL+"/cb")
		holes = append(holes, w)
		for j := range 3 {
			items = append(items, Item{SubscriptionUID: w.sub.Load().UID, NotificationID: "a-" + strconv.Itoa(i) + "-" + strconv.Itoa(j), Body: []byte("{}")})
		}
	}
	if _, err := store.Commit(ctx, Change{Kind: "replay", Key: "tenant-a", Items: items}); err != nil {
		t.Fatal(err)
	}
	victim := subscribe("tenant-b", "s", other.URL+"/cb")
	for _, w := range append(holes, victim) {
		w.start(ctx)
	}
	for range stuckSubs {
		<-stuck
	}

	// Every black-hole delivery is stuck; the other tenant's change is queued and handed over,
	// as a commit does.
	it := Item{SubscriptionUID: victim.sub.Load().UID, NotificationID: "b-1", Body: []byte("{}"), Observed: time.Now()}
	queued, err := store.Commit(ctx, Change{Kind: "replay", Key: "tenant-b", Items: []Item{it}})
	if err != nil {
		t.Fatal(err)
	}
	victim.handoff(Entry{StreamID: queued[0].StreamID, NotificationID: it.NotificationID, Body: it.Body, Observed: it.Observed})
	select {
	case id := <-arrived:
		if id != "b-1" {
			t.Errorf("the other tenant got %q, want b-1", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the other tenant's notification did not arrive in 30s while the black hole held its deliveries")
	}
	if n := inflight.Load(); n != stuckSubs {
		t.Errorf("%d black-hole deliveries in flight when the other tenant's arrived, want all %d", n, stuckSubs)
	}

	// Removing the black hole's subscriptions stops their workers, POSTs under way included.
	halted := make(chan struct{})
	go func() {
		for _, w := range holes {
			w.halt()
		}
		close(halted)
	}()
	select {
	case <-halted:
	case <-time.After(30 * time.Second):
		t.Fatal("the black hole's workers did not stop in 30s")
	}
	victim.halt()
}

// TestRegressionHTTP2AnswerBufferBounded: over HTTP/2 the notifier's transport let a receiver
// send 4 MiB of each answer's body (Go's default stream window) and 1 GiB over a connection
// before anything was read, so a tenant's receiver answering every POST of its subscriptions
// with megabytes at once made the notifier buffer up to 4 MiB per delivery in flight, all on
// one connection. Now a stream takes at most the 64 KiB of an answer the notifier reads, and a
// connection 1 MiB over all its streams: here 24 answers nobody reads, each writing as much as
// flow control lets it within a second, get about 1 MiB through in all (96 MiB before).
func TestRegressionHTTP2AnswerBufferBounded(t *testing.T) {
	const streams = 24
	chunk := make([]byte, 16<<10)
	written := make(chan int64, streams)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rc := http.NewResponseController(w)
		w.WriteHeader(http.StatusOK)
		_ = rc.Flush()
		// A write flow control holds back past the deadline fails: what was written by then
		// is what the client's windows admitted.
		_ = rc.SetWriteDeadline(time.Now().Add(time.Second))
		var n int64
		for {
			k, err := w.Write(chunk)
			n += int64(k)
			if err != nil || rc.Flush() != nil {
				break
			}
		}
		written <- n
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	client := NewHTTPClient(ClientConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: time.Minute,
		TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig})
	defer client.CloseIdleConnections()
	var bodies []io.Closer
	for range streams {
		resp, err := client.Post(srv.URL, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.ProtoMajor != 2 {
			t.Fatalf("answered over %s, want HTTP/2", resp.Proto)
		}
		bodies = append(bodies, resp.Body)
	}
	var total int64
	for range streams {
		n := <-written
		if n > 2*maxAnswerBody {
			t.Errorf("one answer got %d bytes ahead of the reader, want at most about %d", n, maxAnswerBody)
		}
		total += n
	}
	for _, b := range bodies {
		_ = b.Close()
	}
	if limit := int64(maxAnswerBufferedPerConnection + streams*2*len(chunk)); total > limit {
		t.Errorf("%d answers got %d bytes ahead of the reader, want at most %d", streams, total, limit)
	}
	t.Logf("%d answers nobody read: %d bytes sent in all", streams, total)
}
