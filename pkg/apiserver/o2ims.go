package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/o2rest"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// O2Config configures the O2-IMS REST face served beside the Kubernetes API.
type O2Config struct {
	BindAddress           string
	Port                  int
	APIRoot               string
	SubscriptionNamespace string
	PageSize              int
	RequireClientCert     bool
}

// installO2 starts the O2-IMS listener after the API server is up. Requests pass through the
// API server's own handler chain (authentication, impersonation, audit, priority and fairness or
// max-in-flight, request timeout, panic recovery, request info and latency tracking), built by
// the same BuildHandlerChainFunc as the Kubernetes face; only the authorization step differs:
// the chain lets authenticated O2 paths through and the handler authorizes each object as the
// equivalent o2ims.oran.org request.
func installO2(s *genericapiserver.GenericAPIServer, c CompletedConfig) error {
	o2 := c.extra.O2
	if o2 == nil || o2.Port == 0 {
		return nil
	}
	loopback := c.generic.LoopbackClientConfig
	client, err := versioned.NewForConfig(loopback)
	if err != nil {
		return fmt.Errorf("O2-IMS client: %w", err)
	}
	src, err := source.New(client, 10*time.Minute)
	if err != nil {
		return err
	}
	serving := c.generic.SecureServing
	handler := o2rest.NewHandler(o2rest.Config{
		Source:                src,
		Authorizer:            c.generic.Authorization.Authorizer,
		ClientConfig:          loopback,
		APIRoot:               o2.APIRoot,
		SubscriptionNamespace: o2.SubscriptionNamespace,
		PageSize:              o2.PageSize,
		CallbackChecker:       callbackChecker(c.extra.Notifier),
	})
	chainConfig := *c.generic.Config
	chainConfig.Authorization.Authorizer = o2PathAuthorizer{delegate: c.generic.Authorization.Authorizer}
	handler = o2rest.WithProblemDetails(chainConfig.BuildHandlerChainFunc(handler, &chainConfig))
	if o2.RequireClientCert {
		handler = o2rest.RefuseBearerTokens(handler)
	}
	opts := o2rest.ServingOptions{
		Address:           net.JoinHostPort(o2.BindAddress, strconv.Itoa(o2.Port)),
		Cert:              serving.Cert,
		MinVersion:        serving.MinTLSVersion,
		CipherSuites:      serving.CipherSuites,
		RequireClientCert: o2.RequireClientCert,
	}
	ready := &o2Ready{src: src}
	if err := s.AddReadyzChecks(ready); err != nil {
		return fmt.Errorf("add O2-IMS readiness check: %w", err)
	}
	return s.AddPostStartHook("o2ims-rest", func(ctx genericapiserver.PostStartHookContext) error {
		src.Start(ctx)
		go func() {
			err := o2rest.Serve(ctx, opts, handler, func() { ready.serving.Store(true) })
			ready.serving.Store(false)
			if err != nil {
				klog.ErrorS(err, "O2-IMS listener stopped")
			}
		}()
		return nil
	})
}

// o2PathAuthorizer lets the handler chain pass non-resource requests for O2 paths: the chain
// would otherwise judge "GET /o2ims-infrastructureInventory/v1/resourcePools" as a non-resource
// URL no tenant role grants. The O2 handler then authorizes every object it reads or writes
// as the matching o2ims.oran.org resource request. Everything else (impersonation checks, for
// one) goes to the server's authorizer.
type o2PathAuthorizer struct {
	delegate authorizer.Authorizer
}

// EvaluateConditions implements authorizer.Authorizer; only the delegate makes conditional
// decisions.
func (a o2PathAuthorizer) EvaluateConditions(ctx context.Context, d authorizer.ConditionsAwareDecision, data authorizer.ConditionsData) (authorizer.Decision, string, error) {
	return a.delegate.EvaluateConditions(ctx, d, data)
}

func (a o2PathAuthorizer) Authorize(ctx context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
	if !attrs.IsResourceRequest() && isO2Path(attrs.GetPath()) {
		return authorizer.DecisionAllow, "O2-IMS paths are authorized per object by the O2 handler", nil
	}
	return a.delegate.Authorize(ctx, attrs)
}

func (a o2PathAuthorizer) ConditionsAwareAuthorize(ctx context.Context, attrs authorizer.Attributes) authorizer.ConditionsAwareDecision {
	if !attrs.IsResourceRequest() && isO2Path(attrs.GetPath()) {
		return authorizer.ConditionsAwareDecisionAllow("O2-IMS paths are authorized per object by the O2 handler", nil)
	}
	return a.delegate.ConditionsAwareAuthorize(ctx, attrs)
}

func isO2Path(path string) bool {
	if rest, ok := strings.CutPrefix(path, "/tenants/"); ok {
		if i := strings.IndexByte(rest, '/'); i > 0 {
			path = rest[i:]
		}
	}
	return path == "/"+model.APIName || strings.HasPrefix(path, "/"+model.APIName+"/")
}

// o2Ready makes /readyz fail while the O2 listener is not accepting connections or its
// informers have not synced: a load balancer should not send SMOs to this replica then.
type o2Ready struct {
	src     *source.Source
	serving atomic.Bool
}

var _ healthz.HealthChecker = &o2Ready{}

func (*o2Ready) Name() string { return "o2ims-rest" }

func (r *o2Ready) Check(*http.Request) error {
	if !r.serving.Load() {
		return errors.New("the O2-IMS listener is not serving")
	}
	if !r.src.HasSynced() {
		return errors.New("the O2-IMS informers have not synced")
	}
	return nil
}
