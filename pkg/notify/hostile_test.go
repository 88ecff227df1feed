package notify

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// The tests of this file play callbacks chosen by a hostile tenant: what they answer, how
// slowly, where they redirect to, must cost the notifier no more than the tenant's own
// subscription's deliveries, and tell the tenant no more than a failure class.

// rawReceiver is a callback answering every request with answer, written byte for byte (status
// lines and headers net/http would refuse to write), then closing the connection or, with
// hold, keeping it open and silent until the test ends.
type rawReceiver struct {
	url string
	// answered receives a value after each answer is written.
	answered chan struct{}
}

func newRawReceiver(t *testing.T, scheme, answer string, hold bool) *rawReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rawReceiver{url: scheme + "://" + ln.Addr().String() + "/cb", answered: make(chan struct{}, 64)}
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
					// A handshake is all such a receiver does: it then never answers.
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
				select {
				case r.answered <- struct{}{}:
				default:
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
