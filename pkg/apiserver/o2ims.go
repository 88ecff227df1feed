package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/o2rest"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
	"github.com/netweave-io/netweave/pkg/storage/cachefeed"
	"github.com/netweave-io/netweave/pkg/storage/readcache"
)

// O2Config configures the O2-IMS REST face served beside the Kubernetes API.
type O2Config struct {
	BindAddress       string
	Port              int
	APIRoot           string
	PageSize          int
	RequireClientCert bool
	// ProfileTokenTTL and ProfileTokenAudiences shape the Kubernetes profile's tokens.
	ProfileTokenTTL       time.Duration
	ProfileTokenAudiences []string
	// ProfileLocalNamespaces are the tenant namespaces of the cluster netweave runs in where
	// the profile of its own DeploymentManager issues tokens; none: no tokens there.
	ProfileLocalNamespaces []string
	// ProfileSuiteKeys adds the compliance suite's admin-style profileData keys
	// (--o2ims-profile-suite-keys).
	ProfileSuiteKeys bool
	// KubeConfig reaches the cluster netweave runs in (the members' Secrets, the local
	// cluster's endpoint and CA); nil serves no Kubernetes profile.
	KubeConfig *rest.Config
	// ClusterURL is the local cluster's URL as SMOs reach it (--inventory-cluster-url).
	ClusterURL string
	// Members are where member clusters are registered and reached.
	Members MemberSources
}

// installO2 starts the O2-IMS listener after the API server is up. Requests pass through the
// API server's own filters (o2HandlerChain); the handler authorizes each object as the
// equivalent o2ims.oran.org request.
func installO2(s *genericapiserver.GenericAPIServer, bg *background, c CompletedConfig, a *alarmWiring, informers *o2informers.Shared) error {
	o2 := c.extra.O2
	if o2 == nil || o2.Port == 0 {
		return nil
	}
	loopback := c.generic.LoopbackClientConfig
	src, err := source.New(informers.Factory())
	if err != nil {
		return err
	}
	serving := c.generic.SecureServing
	profiles, err := newClusterProfiles(o2, c.extra.Tenancy.InventoryNamespace, loopback)
	if err != nil {
		return err
	}
	// The O2 face answers from the informers only while they follow Redis: every read cache
	// holds the store's state with a live watch, and Redis answers (a watch on a Redis that
	// stopped answering looks live for the ~11 s its blocking read takes to time out).
	following := func() bool { return c.extra.Storage.Breaker.Answering() && c.feed.Following() }
	handler := o2rest.NewHandler(o2rest.Config{
		Source:                src,
		Following:             following,
		Fresh:                 FreshO2Reads(c.feed),
		FreshByName:           FreshO2ReadsByName(c.feed),
		FreshList:             FreshO2Lists(c.feed),
		Authorizer:            c.generic.Authorization.Authorizer,
		ClientConfig:          loopback,
		APIRoot:               o2.APIRoot,
		SubscriptionNamespace: c.subscriptionNamespace(),
		InventoryNamespace:    c.extra.Tenancy.InventoryNamespace,
		PageSize:              o2.PageSize,
		CallbackChecker:       callbackChecker(c.extra.Notifier),
		Traced:                tracingOn(c.generic.TracerProvider),
		Profiles:              profiles,
		ProfileSuiteKeys:      o2.ProfileSuiteKeys,
	})
	// The Alertmanager webhook is served behind the same filters as the O2 API (Alertmanager
	// authenticates like an SMO, with a ServiceAccount token or a client certificate), when the
	// alarms run (they run with the inventory sync).
	var receiver http.Handler
	if c.extra.Inventory != nil {
		receiver = alertmanager.NewHandler(alertmanager.HandlerConfig{
			Sink: a.intake, Resolver: a.intake, Authorizer: c.generic.Authorization.Authorizer, Metrics: a.metrics.alertmanager,
		})
	}
	handler = withAlertmanagerReceiver(handler, receiver)
	handler = o2rest.WithProblemDetails(o2HandlerChain(o2Floor(handler), c.generic.Config, o2.RequireClientCert))
	opts := o2rest.ServingOptions{
		Address:                      net.JoinHostPort(o2.BindAddress, strconv.Itoa(o2.Port)),
		Cert:                         serving.Cert,
		SNICerts:                     serving.SNICerts,
		ClientCA:                     serving.ClientCA,
		MinVersion:                   serving.MinTLSVersion,
		CipherSuites:                 serving.CipherSuites,
		RequireClientCert:            o2.RequireClientCert,
		RequestTimeout:               c.generic.RequestTimeout,
		ShutdownTimeout:              s.ShutdownTimeout,
		HTTP2MaxStreamsPerConnection: serving.HTTP2MaxStreamsPerConnection,
	}
	ready := &o2Ready{src: src, following: following}
	if err := s.AddReadyzChecks(ready); err != nil {
		return fmt.Errorf("add O2-IMS readiness check: %w", err)
	}
	live := &o2Live{}
	if err := s.AddLivezChecks(0, live); err != nil {
		return fmt.Errorf("add O2-IMS liveness check: %w", err)
	}
	return s.AddPostStartHook("o2ims-rest", func(ctx genericapiserver.PostStartHookContext) error {
		bg.Go(func() {
			err := o2rest.Serve(ctx, opts, handler, func() { ready.serving.Store(true) })
			ready.serving.Store(false)
			if err != nil && ctx.Err() == nil {
				klog.ErrorS(err, "O2-IMS listener stopped")
				live.stopped.Store(&err)
			}
		})
		return nil
	})
}

// o2Live makes /livez fail once the O2 listener stopped while the server runs (its port taken,
// its socket failing): the replica would otherwise stay unready for good with nothing to
// restart it, as a kubelet restarts a container whose liveness fails.
type o2Live struct {
	stopped atomic.Pointer[error]
}

var _ healthz.HealthChecker = &o2Live{}

func (*o2Live) Name() string { return "o2ims-listener" }

func (l *o2Live) Check(*http.Request) error {
	if err := l.stopped.Load(); err != nil {
		return fmt.Errorf("the O2-IMS listener stopped: %w", *err)
	}
	return nil
}

// withAlertmanagerReceiver routes alertmanager.WebhookPath to receiver (when set) and everything
// else to the O2 API. An exact path match rather than a ServeMux: a mux would clean and redirect
// the O2 paths, which the O2 router answers itself.
func withAlertmanagerReceiver(o2 http.Handler, receiver http.Handler) http.Handler {
	if receiver == nil {
		return o2
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == alertmanager.WebhookPath {
			receiver.ServeHTTP(w, r)
			return
		}
		o2.ServeHTTP(w, r)
	})
}

// o2Ready makes /readyz fail while the O2 listener is not accepting connections or its
// informers have not synced or do not follow the store: a load balancer should not send SMOs
// to this replica then.
type o2Ready struct {
	src       *source.Source
	following func() bool
	serving   atomic.Bool
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
	if !r.following() {
		return errors.New("the O2-IMS informers do not follow the store (Redis unreachable, failing over or reloading)")
	}
	return nil
}

// FreshO2Reads is the O2 face's read of an object by O2 id from the store's current state
// (o2rest.Config.Fresh), through feed's read caches: a by-id miss in the informers is checked
// there, because they trail the store and do not hold yet what another replica has just
// written.
func FreshO2Reads(feed *cachefeed.Feed) func(ctx context.Context, resource, id string) (runtime.Object, bool, error) {
	return func(ctx context.Context, resource, id string) (runtime.Object, bool, error) {
		obj, found, err := feed.GetByUnique(ctx, v1alpha1.SchemeGroupVersion.WithResource(resource), id)
		if errors.Is(err, readcache.ErrNoUniqueIndex) {
			// No index of the id: nothing to look it up by, as before.
			return nil, false, nil
		}
		return obj, found, err
	}
}

// FreshO2ReadsByName is FreshO2Reads for the kinds the O2 face looks up by name
// (o2rest.Config.FreshByName).
func FreshO2ReadsByName(feed *cachefeed.Feed) func(ctx context.Context, resource, namespace, name string) (runtime.Object, bool, error) {
	return func(ctx context.Context, resource, namespace, name string) (runtime.Object, bool, error) {
		return feed.GetByName(ctx, v1alpha1.SchemeGroupVersion.WithResource(resource), namespace, name)
	}
}

// FreshO2Lists is the O2 face's list of a resource as of the store's current state
// (o2rest.Config.FreshList).
func FreshO2Lists(feed *cachefeed.Feed) func(ctx context.Context, resource string) ([]runtime.Object, error) {
	return func(ctx context.Context, resource string) ([]runtime.Object, error) {
		return feed.ListFresh(ctx, v1alpha1.SchemeGroupVersion.WithResource(resource))
	}
}
