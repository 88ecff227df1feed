package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"

	"github.com/netweave-io/netweave/internal/localstack"
)

// otlpCollector is an OTLP/gRPC trace receiver on loopback that keeps every span it is sent,
// with the service.name of the process that sent it.
type otlpCollector struct {
	coltracepb.UnimplementedTraceServiceServer
	addr string

	mu    sync.Mutex
	spans []collectedSpan
}

type collectedSpan struct {
	service string
	span    *tracepb.Span
}

func (c collectedSpan) traceID() string  { return hex.EncodeToString(c.span.TraceId) }
func (c collectedSpan) spanID() string   { return hex.EncodeToString(c.span.SpanId) }
func (c collectedSpan) parentID() string { return hex.EncodeToString(c.span.ParentSpanId) }
func (c collectedSpan) String() string {
	return fmt.Sprintf("%s %q span %s parent %s", c.service, c.span.Name, c.spanID(), c.parentID())
}

func startOTLPCollector(t *testing.T) *otlpCollector {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &otlpCollector{addr: l.Addr().String()}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, c)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return c
}

// Export implements the OTLP trace service.
func (c *otlpCollector) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.Key == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.spans = append(c.spans, collectedSpan{service: service, span: s})
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func (c *otlpCollector) all() []collectedSpan {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]collectedSpan(nil), c.spans...)
}

// find returns the spans match accepts.
func (c *otlpCollector) find(match func(*collectedSpan) bool) []collectedSpan {
	var out []collectedSpan
	for _, s := range c.all() {
		if match(&s) {
			out = append(out, s)
		}
	}
	return out
}

// byID returns the span with id in trace, if collected.
func (c *otlpCollector) byID(trace, id string) (collectedSpan, bool) {
	for _, s := range c.all() {
		if s.traceID() == trace && s.spanID() == id {
			return s, true
		}
	}
	return collectedSpan{}, false
}

// ancestors returns s's collected parents, nearest first, up to the first not collected.
func (c *otlpCollector) ancestors(s collectedSpan) []collectedSpan {
	var out []collectedSpan
	for len(s.span.ParentSpanId) > 0 {
		p, ok := c.byID(s.traceID(), s.parentID())
		if !ok {
			break
		}
		out = append(out, p)
		s = p
	}
	return out
}

// attr is the string value of a span attribute.
func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

// TestTracing runs kube-apiserver and netweave with the same --tracing-config-file, pointing at
// an OTLP receiver in the test, and follows four requests through the spans they export:
// a kubectl create and a kubectl get through the aggregator (kube-apiserver's span, the
// aggregator's proxy call, netweave's span, netweave's Redis operation, all one trace), an O2
// GET carrying an SMO's traceparent (netweave's span is its child), and a notification
// delivery (the callback receives a traceparent naming netweave's delivery span).
func TestTracing(t *testing.T) {
	t.Parallel()
	col := startOTLPCollector(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tracing.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`apiVersion: apiserver.config.k8s.io/v1
kind: TracingConfiguration
endpoint: %s
samplingRatePerMillion: 1000000
`, col.addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startStackWith(t, localstack.Options{KubeAPIServerArgs: []string{"--tracing-config-file=" + cfg}}, nil,
		append([]string{"--tracing-config-file=" + cfg}, notifierArgs...)...)

	const ns, poolID = "traced", "0b3c6a0e-2f1d-4c8e-9a7b-5d4e3f2a1b0c"
	// The callback records the trace context each notification arrives with.
	var (
		mu           sync.Mutex
		traceparents []string
	)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		traceparents = append(traceparents, r.Header.Get("traceparent"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(cb.Close)
	s.kubectl(t, localstack.Admin, "create", "namespace", ns)
	if out, stderr, err := s.kubectlStdin(t, localstack.Admin, fmt.Sprintf(`apiVersion: o2ims.oran.org/v1alpha1
kind: InventorySubscription
metadata: {name: traced, namespace: %s}
spec: {callback: %s/cb}
`, ns, cb.URL), "create", "-f", "-"); err != nil {
		t.Fatalf("subscribe: %v\n%s%s", err, out, stderr)
	}
	if out, stderr, err := s.kubectlStdin(t, localstack.Admin, fmt.Sprintf(`apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: edge, namespace: %s}
spec: {name: edge, resourcePoolId: %s}
`, ns, poolID), "create", "-f", "-"); err != nil {
		t.Fatalf("create pool: %v\n%s%s", err, out, stderr)
	}

	// netweaveServerSpan finds netweave's server span of a Kubernetes request and checks it
	// continues kube-apiserver's trace through the aggregator.
	netweaveServerSpan := func(t *testing.T, name string) collectedSpan {
		t.Helper()
		var found collectedSpan
		eventually(t, 60*time.Second, "netweave's span "+name+" under kube-apiserver's", func() error {
			for _, sp := range col.find(func(c *collectedSpan) bool { return c.service == "netweave" && c.span.Name == name }) {
				anc := col.ancestors(sp)
				if len(anc) == 0 || anc[0].service != "apiserver" {
					continue
				}
				// The proxy's client span, then kube-apiserver's server span of the same request.
				for _, a := range anc {
					if a.service == "apiserver" && a.span.Name == name && a.span.Kind == tracepb.Span_SPAN_KIND_SERVER {
						found = sp
						return nil
					}
				}
			}
			return errorf("no such span among %d netweave spans named %q; kube-apiserver spans named so: %v", len(col.find(func(c *collectedSpan) bool { return c.service == "netweave" && c.span.Name == name })),
				name, col.find(func(c *collectedSpan) bool { return c.service == "apiserver" && c.span.Name == name }))
		})
		return found
	}

	t.Run("kubectl create through the aggregator, down to Redis", func(t *testing.T) {
		create := netweaveServerSpan(t, "POST /apis/o2ims.oran.org/v1alpha1/namespaces/{:namespace}/resourcepools")
		eventually(t, 30*time.Second, "a Redis create under netweave's span", func() error {
			var seen []collectedSpan
			for _, r := range col.find(func(c *collectedSpan) bool {
				return c.service == "netweave" && c.span.Name == "redis create" && c.traceID() == create.traceID()
			}) {
				seen = append(seen, r)
				anc := col.ancestors(r)
				if !slices.ContainsFunc(anc, func(a collectedSpan) bool { return a.spanID() == create.spanID() }) {
					continue
				}
				if attr(r.span, "k8s.resource") != "resourcepools" || r.span.Kind != tracepb.Span_SPAN_KIND_CLIENT {
					return errorf("redis span %v attributes %v", r, r.span.Attributes)
				}
				t.Logf("the create's trace, from Redis up: %v", append([]collectedSpan{r}, anc...))
				return nil
			}
			if len(seen) > 0 {
				return errorf("redis create spans %v are not below netweave's %v", seen, create)
			}
			return errorf("no redis create span in trace %s", create.traceID())
		})
	})

	t.Run("kubectl get through the aggregator", func(t *testing.T) {
		s.kubectl(t, localstack.Admin, "get", "resourcepools", "-n", ns)
		netweaveServerSpan(t, "GET /apis/o2ims.oran.org/v1alpha1/namespaces/{:namespace}/resourcepools")
	})

	t.Run("O2 GET continues the SMO's trace", func(t *testing.T) {
		traceID, parentID := randomHex(t, 16), randomHex(t, 8)
		admin := s.o2As(t, localstack.Admin)
		eventually(t, 30*time.Second, "the pool on the O2 face", func() error {
			req, err := http.NewRequest(http.MethodGet, s.o2APIRoot()+inventoryAPI+"/v1/resourcePools/"+poolID, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+admin.token)
			req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
			resp, err := admin.http.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return errorf("GET pool: %d", resp.StatusCode)
			}
			return nil
		})
		eventually(t, 30*time.Second, "netweave's O2 span, a child of the SMO's", func() error {
			got := col.find(func(c *collectedSpan) bool { return c.traceID() == traceID && c.parentID() == parentID })
			for _, sp := range got {
				if sp.service == "netweave" && sp.span.Kind == tracepb.Span_SPAN_KIND_SERVER &&
					sp.span.Name == "GET /o2ims-infrastructureInventory/v{version}/resourcePools/{id}" {
					return nil
				}
			}
			return errorf("spans with the SMO's parent: %v", got)
		})
	})

	t.Run("a notification's callback continues the delivery's trace", func(t *testing.T) {
		var tp string
		eventually(t, 30*time.Second, "a notification with a traceparent", func() error {
			mu.Lock()
			defer mu.Unlock()
			for _, h := range traceparents {
				if h != "" {
					tp = h
					return nil
				}
			}
			return errorf("%d notifications, none with a traceparent: %q", len(traceparents), traceparents)
		})
		parts := strings.Split(tp, "-")
		if len(parts) != 4 || parts[3] != "01" {
			t.Fatalf("traceparent %q is not a sampled W3C trace context", tp)
		}
		eventually(t, 30*time.Second, "netweave's delivery span named by the traceparent", func() error {
			sp, ok := col.byID(parts[1], parts[2])
			if !ok {
				return errorf("span %s/%s not exported", parts[1], parts[2])
			}
			if sp.service != "netweave" || sp.span.Name != "notification POST" || sp.span.Kind != tracepb.Span_SPAN_KIND_CLIENT ||
				attr(sp.span, "o2ims.subscription") != ns+"/traced" {
				return errorf("the callback's parent is %v (%v)", sp, sp.span.Attributes)
			}
			return nil
		})
	})
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
