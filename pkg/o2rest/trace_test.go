package o2rest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// With Config.Traced the request's span is named after the route it matched, without ids or
// the version expression, and carries http.route; without it the span is left alone.
func TestTracedRoutesNameTheRequestSpan(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	for _, traced := range []bool{true, false} {
		exp.Reset()
		e := newEnvWith(t, func(c *Config) { c.Traced = traced })
		ctx, span := tp.Tracer("test").Start(context.Background(), "O2-IMS GET")
		req := httptest.NewRequest(http.MethodGet, inventory+"/v1/resourcePools/"+poolA, nil).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer admin-token")
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, req)
		span.End()
		if w.Code != http.StatusOK {
			t.Fatalf("GET pool: %d %s", w.Code, w.Body)
		}
		spans := exp.GetSpans()
		if len(spans) != 1 {
			t.Fatalf("%d spans", len(spans))
		}
		name, route := spans[0].Name, ""
		for _, kv := range spans[0].Attributes {
			if kv.Key == "http.route" {
				route = kv.Value.AsString()
			}
		}
		want := "/o2ims-infrastructureInventory/v{version}/resourcePools/{id}"
		if traced && (name != "GET "+want || route != want) {
			t.Errorf("traced: span %q, http.route %q; want %q", name, route, want)
		}
		if !traced && (name != "O2-IMS GET" || route != "") {
			t.Errorf("untraced: span renamed to %q, http.route %q", name, route)
		}
	}
}
