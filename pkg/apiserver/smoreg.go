package apiserver

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/clienttls"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/smoreg"
)

// SMORegistrationConfig configures the O-Cloud's registration with the SMO (pkg/smoreg).
type SMORegistrationConfig struct {
	// KubeConfig reaches the cluster (the Lease): the server's --kubeconfig.
	KubeConfig *rest.Config
	// URL is the SMO's registration endpoint.
	URL string
	// AllowedPrefixes are special-purpose addresses the endpoint may use (the notifier's
	// address policy otherwise).
	AllowedPrefixes []netip.Prefix
	// IMSEndpoint is the IMS_EP announced: the O2 face's apiRoot; "" announces the OCloud's
	// spec.serviceUri.
	IMSEndpoint         string
	Timeout             time.Duration
	RetryBase, RetryMax time.Duration
	TLSFiles            clienttls.Files
	Lease               leader.Options
}

// installSMORegistration starts the leader-elected SMO registration after the server is up.
func installSMORegistration(s *genericapiserver.GenericAPIServer, bg *background, c CompletedConfig, informers *o2informers.Shared) error {
	sc := c.extra.SMORegistration
	if sc == nil {
		return nil
	}
	if sc.KubeConfig == nil {
		return fmt.Errorf("the SMO registration needs a cluster connection (--kubeconfig or in-cluster)")
	}
	kube, err := kubernetes.NewForConfig(sc.KubeConfig)
	if err != nil {
		return fmt.Errorf("SMO registration cluster client: %w", err)
	}
	loopback := rest.CopyConfig(c.generic.LoopbackClientConfig)
	loopback.UserAgent = "netweave-smo-registration"
	client, err := versioned.NewForConfig(loopback)
	if err != nil {
		return fmt.Errorf("SMO registration client: %w", err)
	}
	tlsConfig, err := sc.TLSFiles.Config(klog.Background().WithName("smo-registration"))
	if err != nil {
		return err
	}
	// The notifier's outbound client: same address policy, no proxy, no redirects.
	httpClient := notify.NewHTTPClient(notify.ClientConfig{
		Policy: &notify.CallbackPolicy{Allowed: sc.AllowedPrefixes}, Timeout: sc.Timeout, TLS: tlsConfig,
	})
	metrics, err := smoreg.NewMetrics(registererFunc(legacyregistry.Register))
	if err != nil {
		return err
	}
	cfg := smoreg.Config{
		URL: sc.URL, HTTP: httpClient, Timeout: sc.Timeout, RetryBase: sc.RetryBase, RetryMax: sc.RetryMax,
		IMSEndpoint: sc.IMSEndpoint, Client: client, Metrics: metrics,
	}
	lead := func(ctx context.Context) {
		// This term's view of the process's O2 informers: its handler goes when it ends, and
		// a new term announces again (the SMO hears of the O-Cloud at every start).
		term := informers.Term()
		defer term.Shutdown()
		oclouds := term.O2ims().V1alpha1().OClouds()
		a := smoreg.New(cfg, oclouds.Lister())
		if _, err := oclouds.Informer().AddEventHandler(a.Handler()); err != nil {
			klog.ErrorS(err, "SMO registration cannot watch the O-Cloud")
			return
		}
		for _, ok := range term.WaitForCacheSync(ctx.Done()) {
			if !ok {
				return
			}
		}
		a.Run(ctx)
	}
	return s.AddPostStartHook("o2ims-smo-registration", func(ctx genericapiserver.PostStartHookContext) error {
		bg.Go(func() {
			if err := leader.Run(ctx, kube, sc.Lease, lead); err != nil {
				klog.ErrorS(err, "SMO registration stopped")
			}
		})
		return nil
	})
}
