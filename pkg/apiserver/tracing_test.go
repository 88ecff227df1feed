package apiserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"k8s.io/apimachinery/pkg/util/sets"
	utilwaitgroup "k8s.io/apimachinery/pkg/util/waitgroup"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	"k8s.io/component-base/tracing"
)

// chainConfig is the least generic server config o2HandlerChain runs with: a fixed user,
// max-in-flight instead of API Priority and Fairness, no audit backend.
func chainConfig(tp tracing.TracerProvider) *genericapiserver.Config {
	scheme, codecs := NewScheme()
	_ = scheme
	return &genericapiserver.Config{
		Serializer:                     codecs,
		RequestTimeout:                 time.Minute,
		MaxRequestsInFlight:            400,
		MaxMutatingRequestsInFlight:    200,
		LongRunningFunc:                genericfilters.BasicLongRunningRequestCheck(sets.NewString("watch"), sets.NewString()),
		NonLongRunningRequestWaitGroup: new(utilwaitgroup.SafeWaitGroup),
		RequestInfoResolver:            genericapiserver.NewRequestInfoResolver(&genericapiserver.Config{}),
		TracerProvider:                 tp,
		Authentication: genericapiserver.AuthenticationInfo{Authenticator: authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) {
			return &authenticator.Response{User: &user.DefaultInfo{Name: "smo", Groups: []string{user.AllAuthenticated}}}, true, nil
		})},
	}
}

// An O2 request that carries a traceparent gets a server span that is a child of the caller's
// span, even from a caller outside system:masters; the handler runs in that span, after
// authentication.
func TestO2ChainContinuesTheCallersTrace(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	var inHandler trace.SpanContext
	var who string
	h := o2HandlerChain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inHandler = trace.SpanContextFromContext(r.Context())
		if u, ok := request.UserFrom(r.Context()); ok {
			who = u.GetName()
		}
		w.WriteHeader(http.StatusOK)
	}), chainConfig(tp), false)

	// The SMO's own span, as its OpenTelemetry client would send it.
	caller := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:  trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}, TraceFlags: trace.FlagsSampled, Remote: true,
	})
	req := httptest.NewRequest(http.MethodGet, "https://o2.example/o2ims-infrastructureInventory/v1/resourcePools/p1", nil)
	propagation.TraceContext{}.Inject(trace.ContextWithRemoteSpanContext(context.Background(), caller), propagation.HeaderCarrier(req.Header))
	if req.Header.Get("traceparent") == "" {
		t.Fatal("no traceparent to send")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || who != "smo" {
		t.Fatalf("status %d, user %q", w.Code, who)
	}

	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans exported, want the request's", len(spans))
	}
	s := spans[0]
	if s.Parent.SpanID() != caller.SpanID() || s.SpanContext.TraceID() != caller.TraceID() || !s.Parent.IsRemote() {
		t.Errorf("span %s parent %s/%s, want a child of the caller's %s/%s", s.Name, s.Parent.TraceID(), s.Parent.SpanID(), caller.TraceID(), caller.SpanID())
	}
	if len(s.Links) != 0 {
		t.Errorf("the caller's span is linked, not the parent (a public endpoint): %v", s.Links)
	}
	if s.SpanKind != trace.SpanKindServer || s.Name != "O2-IMS GET" {
		t.Errorf("span %q kind %v", s.Name, s.SpanKind)
	}
	if inHandler.SpanID() != s.SpanContext.SpanID() {
		t.Errorf("the handler runs in span %s, not the request's %s", inHandler.SpanID(), s.SpanContext.SpanID())
	}
	attrs := map[string]string{}
	for _, kv := range s.Attributes {
		attrs[string(kv.Key)] = kv.Value.AsString()
	}
	if attrs["http.target"] != "/o2ims-infrastructureInventory/v1/resourcePools/p1" || attrs["audit-id"] == "" || attrs["audit-id"] != w.Header().Get("Audit-ID") {
		t.Errorf("attributes %v (audit id %q)", attrs, w.Header().Get("Audit-ID"))
	}
}

// With tracing off (the generic server's no-op provider) the tracing filter is not in the
// chain at all, so an O2 request pays nothing for it: not otelhttp's allocations, not even a
// function call.
func TestO2TracingOffIsNotInTheChain(t *testing.T) {
	inner := &countingHandler{}
	for _, tp := range []trace.TracerProvider{nil, tracing.NewNoopTracerProvider()} {
		if got := withO2Tracing(inner, tp); got != http.Handler(inner) {
			t.Errorf("with %T the chain holds %T, want the handler itself", tp, got)
		}
		if tracingOn(tp) || tracerProviderIfOn(tp) != nil {
			t.Errorf("%T counts as tracing", tp)
		}
	}
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	if !tracingOn(tp) {
		t.Error("the SDK's provider does not count as tracing")
	}
}

type countingHandler struct{ n int }

func (c *countingHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	c.n++
	w.WriteHeader(http.StatusOK)
}

// BenchmarkO2Chain measures the O2 filters around a trivial handler, with tracing off (what
// every deployment without --tracing-config-file runs), and on with an unsampled and a
// sampled caller.
func BenchmarkO2Chain(b *testing.B) {
	exp := tracetest.NewInMemoryExporter()
	sampled := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	unsampled := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	for _, c := range []struct {
		name string
		tp   tracing.TracerProvider
	}{{"off", tracing.NewNoopTracerProvider()}, {"on-unsampled", unsampled}, {"on-sampled", sampled}} {
		b.Run(c.name, func(b *testing.B) {
			h := o2HandlerChain(&countingHandler{}, chainConfig(c.tp), false)
			req := httptest.NewRequest(http.MethodGet, "https://o2.example/o2ims-infrastructureInventory/v1/resourcePools/p1", nil)
			w := discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				h.ServeHTTP(w, req)
			}
			exp.Reset()
		})
	}
}

type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}
