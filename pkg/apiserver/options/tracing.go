package options

import (
	"context"
	"fmt"
	"net"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"google.golang.org/grpc"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/egressselector"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/component-base/tracing"
	tracingapi "k8s.io/component-base/tracing/api/v1"

	"github.com/netweave-io/netweave/pkg/version"
)

// tracingServiceName is the service.name of netweave's spans. k8s.io/apiserver's
// TracingOptions.ApplyTo names every server "apiserver", which in a trace that crosses
// kube-apiserver and netweave would make the two indistinguishable.
const tracingServiceName = "netweave"

// applyTracing builds the OpenTelemetry TracerProvider from --tracing-config-file (the
// k8s.io/apiserver flag and file format: apiserver.config.k8s.io TracingConfiguration, an
// OTLP/gRPC endpoint and a sampling rate) exactly as TracingOptions.ApplyTo does, through
// k8s.io/component-base/tracing, but with netweave's service name and version. The generic
// server's handler chain (WithTracing on the Kubernetes face), the O2 face's chain, the Redis
// store and the notifier all use this one provider, and the server shuts it down (flushing
// its batch) when it stops. Without the flag the config keeps the generic server's no-op
// provider and nothing is traced.
//
// The loopback client (the O2 face's writes, the notifier's and the inventory sync's own API
// calls) is wrapped so those calls carry the trace context of the request or delivery that
// made them.
func applyTracing(ctx context.Context, o *genericoptions.TracingOptions, c *genericapiserver.Config) error {
	if o == nil || o.ConfigFile == "" {
		return nil
	}
	cfg, err := genericoptions.ReadTracingConfiguration(o.ConfigFile)
	if err != nil {
		return fmt.Errorf("--tracing-config-file: %w", err)
	}
	if errs := tracingapi.ValidateTracingConfiguration(cfg, utilfeature.DefaultFeatureGate, nil); len(errs) > 0 {
		return fmt.Errorf("--tracing-config-file %s: %w", o.ConfigFile, errs.ToAggregate())
	}
	var opts []otlptracegrpc.Option
	if c.EgressSelector != nil {
		// As upstream: the collector is on the control-plane network.
		dial, err := c.EgressSelector.Lookup(egressselector.ControlPlane.AsNetworkContext())
		if err != nil {
			return fmt.Errorf("tracing egress: %w", err)
		}
		if dial != nil {
			opts = append(opts, otlptracegrpc.WithDialOption(grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
				return dial(ctx, "tcp", addr)
			})))
		}
	}
	tp, err := tracing.NewProvider(ctx, cfg, opts, []resource.Option{resource.WithAttributes(
		semconv.ServiceNameKey.String(tracingServiceName),
		semconv.ServiceVersionKey.String(version.Get().Version),
		semconv.ServiceInstanceIDKey.String(c.APIServerID),
	)})
	if err != nil {
		return fmt.Errorf("tracing provider: %w", err)
	}
	c.TracerProvider = tp
	if c.LoopbackClientConfig != nil {
		c.LoopbackClientConfig.Wrap(tracing.WrapperFor(tp))
	}
	return nil
}
