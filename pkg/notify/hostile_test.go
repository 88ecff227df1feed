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
	"testing"
	"time"
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
