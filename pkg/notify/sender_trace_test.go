package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"k8s.io/component-base/tracing"
)

// headerRecorder answers code and remembers the trace headers of every request.
type headerRecorder struct {
	code int
	mu   sync.Mutex
	seen []http.Header
}

func (r *headerRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.seen = append(r.seen, req.Header.Clone())
	r.mu.Unlock()
	w.WriteHeader(r.code)
}

func (r *headerRecorder) headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.seen...)
}

// A traced delivery sends the callback a W3C traceparent that continues the delivery's span:
// the callback's server span is a child of the notifier's client span, in the same trace.
func TestSendPropagatesTraceContextToTheCallback(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	for _, tc := range []struct {
		name string
		code int
		fail bool
	}{{"accepted", http.StatusNoContent, false}, {"refused", http.StatusServiceUnavailable, true}} {
		t.Run(tc.name, func(t *testing.T) {
			exp.Reset()
			rec := &headerRecorder{code: tc.code}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			s := NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: 5 * time.Second, Secrets: noSecrets{}, TracerProvider: tp})
			sub := &Subscription{Namespace: "smo", Name: "sub-1", ID: "id-1", Callback: srv.URL + "/cb?token=secret"}
			err := s.Send(context.Background(), sub, Entry{Body: []byte("{}"), NotificationID: "n-1"})
			if (err != nil) != tc.fail {
				t.Fatalf("Send = %v", err)
			}

			got := rec.headers()
			if len(got) != 1 {
				t.Fatalf("%d requests, want 1", len(got))
			}
			// The callback continues the trace the way any OpenTelemetry server would.
			remote := trace.SpanContextFromContext(tracing.Propagators().Extract(context.Background(), propagation.HeaderCarrier(got[0])))
			if !remote.IsValid() || !remote.IsSampled() {
				t.Fatalf("traceparent %q does not carry a sampled span context", got[0].Get("traceparent"))
			}
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("%d spans exported, want the delivery's", len(spans))
			}
			d := spans[0]
			if d.SpanContext.TraceID() != remote.TraceID() || d.SpanContext.SpanID() != remote.SpanID() {
				t.Errorf("callback's parent %s/%s, delivery span %s/%s", remote.TraceID(), remote.SpanID(), d.SpanContext.TraceID(), d.SpanContext.SpanID())
			}
			if d.SpanKind != trace.SpanKindClient || d.Parent.IsValid() {
				t.Errorf("delivery span kind %v parent %v: want a client span at the root of its trace", d.SpanKind, d.Parent)
			}
			attrs := map[string]string{}
			for _, kv := range d.Attributes {
				attrs[string(kv.Key)] = kv.Value.AsString()
			}
			if attrs["o2ims.notification_id"] != "n-1" || attrs["o2ims.subscription"] != "smo/sub-1" || attrs["url.full"] != srv.URL+"/cb" {
				t.Errorf("attributes %v (the URL must not carry its query)", attrs)
			}
			if tc.fail != (d.Status.Code == codes.Error) || (tc.fail && attrs["o2ims.failure"] != "HTTP 503") {
				t.Errorf("status %v, failure %q for a %d", d.Status, attrs["o2ims.failure"], tc.code)
			}
		})
	}
}

// Without a TracerProvider nothing is traced and the callback gets no trace headers.
func TestSendUntracedSendsNoTraceHeaders(t *testing.T) {
	rec := &headerRecorder{code: http.StatusNoContent}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s := NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: 5 * time.Second, Secrets: noSecrets{}})
	if err := s.Send(context.Background(), &Subscription{Callback: srv.URL}, Entry{Body: []byte("{}"), NotificationID: "n"}); err != nil {
		t.Fatal(err)
	}
	if h := rec.headers()[0]; h.Get("traceparent") != "" || h.Get("tracestate") != "" {
		t.Errorf("untraced delivery sent trace headers: %v", h)
	}
}

// A POST that gets no answer fails with net/http's *url.Error, whose text is the whole request
// URL: the span's url.full left out the callback's query (it may carry a token), and its status
// description and exception event put it back, as did the notifier's log of the failure.
func TestRegressionFailedPOSTErrorCarriesCallbackQuery(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	callback := srv.URL + "/cb?token=s3cr3t-query#frag"
	srv.Close() // nothing listens any more: the POST fails before an answer

	s := NewSender(SenderConfig{Policy: &CallbackPolicy{Allowed: loopback(t)}, Timeout: 5 * time.Second, Secrets: noSecrets{}, TracerProvider: tp})
	sub := &Subscription{Namespace: "smo", Name: "sub-1", ID: "id-1", Callback: callback}
	err := s.Send(context.Background(), sub, Entry{Body: []byte("{}"), NotificationID: "n-1"})
	if err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("Send error %q carries the callback's query", err)
	}
	if FailureClass(err) != FailureConnection {
		t.Errorf("class %q, want %q", FailureClass(err), FailureConnection)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	d := spans[0]
	if strings.Contains(d.Status.Description, "s3cr3t") {
		t.Errorf("span status %q carries the callback's query", d.Status.Description)
	}
	for _, ev := range d.Events {
		for _, kv := range ev.Attributes {
			if strings.Contains(kv.Value.String(), "s3cr3t") {
				t.Errorf("span event %s attribute %s=%q carries the callback's query", ev.Name, kv.Key, kv.Value.String())
			}
		}
	}
}

// The notifier logged every subscription it started delivering for with its callback as
// written, query (which may carry a token), user info and fragment included.
func TestRegressionDeliveringLogCarriesCallbackQuery(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@smo.example:8443/cb?access_token=s3cr3t#frag": "https://smo.example:8443/cb",
		"http://smo.example/cb?":              "http://smo.example/cb",
		"https://smo.example/a/b":             "https://smo.example/a/b",
		"http://smo.example/%zz?token=s3cr3t": "(unparsable)",
	} {
		if got := redactedCallback(in); got != want {
			t.Errorf("redactedCallback(%q) = %q, want %q", in, got, want)
		}
	}
}
