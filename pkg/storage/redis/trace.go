package redis

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracingScope is the instrumentation scope of the store's spans.
const tracingScope = "github.com/netweave-io/netweave/pkg/storage/redis"

// recordRequest observes one Redis round trip of a request: its metrics, and a client span
// "redis <op>" from start to now, a child of ctx's span, when ctx carries a recording span
// (the request was sampled by the API server's or the O2 face's tracing filter). The span
// uses the parent's TracerProvider, so the store needs no tracing configuration of its own,
// and is created after the round trip with its start time, so the Redis call itself is
// untouched. Without a recording span nothing is allocated.
//
// Conflicts and not-found are answers, not errors, so callers pass only transport and script
// failures.
func (s *Store) recordRequest(ctx context.Context, op string, err error, start time.Time) {
	s.cfg.Metrics.recordRequest(op, s.groupResource, err, start)
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return
	}
	_, span := parent.TracerProvider().Tracer(tracingScope).Start(ctx, "redis "+op,
		trace.WithTimestamp(start),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("db.system.name", "redis"),
			attribute.String("db.operation.name", op),
			attribute.String("k8s.group", s.groupResource.Group),
			attribute.String("k8s.resource", s.groupResource.Resource),
		))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
