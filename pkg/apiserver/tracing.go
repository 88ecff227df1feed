package apiserver

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"k8s.io/apiserver/pkg/audit"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/component-base/tracing"
)

// tracingScope is the instrumentation scope of netweave's own spans.
const tracingScope = "github.com/netweave-io/netweave"

// tracingOn reports whether tp records spans: false for nil and for the no-op provider the
// generic server config holds unless --tracing-config-file built a real one.
func tracingOn(tp trace.TracerProvider) bool {
	if tp == nil {
		return false
	}
	_, isNoop := tp.Tracer(tracingScope).(noop.Tracer)
	return !isNoop
}

// tracerProviderIfOn is tp when it records spans and nil otherwise, for components that skip
// all tracing work on nil.
func tracerProviderIfOn(tp trace.TracerProvider) trace.TracerProvider {
	if !tracingOn(tp) {
		return nil
	}
	return tp
}

// withO2Tracing starts a server span for each O2 request, the same otelhttp handler
// k8s.io/apiserver's WithTracing builds for the Kubernetes face, on the generic server's
// TracerProvider, with the W3C trace context (traceparent) of the request as its parent. The
// span is named "O2-IMS <method>" until the router renames it after the matched route, and
// carries the request target and audit id as WithTracing's does.
//
// Unlike WithTracing, a caller outside system:masters is not treated as a public endpoint (a
// new trace linked to the caller's): the filter sits behind authentication, so only an
// authenticated SMO's trace context is honoured, and continuing it is what lets an SMO follow
// its request (and its sampling decision) into netweave.
//
// With tracing off it returns h itself: otelhttp costs several allocations per request even
// with a no-op provider, and the O2 GET path is performance-critical (docs/performance.md).
func withO2Tracing(h http.Handler, tp trace.TracerProvider) http.Handler {
	if !tracingOn(tp) {
		return h
	}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		span := trace.SpanFromContext(r.Context())
		span.SetAttributes(
			attribute.String("http.target", r.URL.RequestURI()),
			attribute.String("audit-id", audit.GetAuditIDTruncated(r.Context())),
		)
		h.ServeHTTP(w, r)
	})
	traced := otelhttp.NewHandler(inner, "O2-IMS",
		otelhttp.WithPropagators(tracing.Propagators()),
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "O2-IMS " + r.Method }),
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The span starts when the request was received, as the request metrics count it.
		if start, ok := request.ReceivedTimestampFrom(r.Context()); ok {
			r = r.WithContext(otelhttp.ContextWithStartTime(r.Context(), start))
		}
		traced.ServeHTTP(w, r)
	})
}
