package apiserver

import (
	"fmt"
	"net"
	"strconv"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/o2ims"
	"github.com/netweave-io/netweave/pkg/o2ims/source"
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

// installO2 starts the O2-IMS listener after the API server is up. It reads the inventory
// through informers on the server's own loopback connection and authenticates and authorizes
// callers with the same delegated authenticator and authorizer as the Kubernetes face.
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
	handler := o2ims.NewHandler(o2ims.Config{
		Source:                src,
		Authenticator:         c.generic.Authentication.Authenticator,
		Authorizer:            c.generic.Authorization.Authorizer,
		ClientConfig:          loopback,
		APIRoot:               o2.APIRoot,
		SubscriptionNamespace: o2.SubscriptionNamespace,
		PageSize:              o2.PageSize,
		CallbackChecker:       callbackChecker(c.extra.Notifier),
	})
	opts := o2ims.ServingOptions{
		Address:           net.JoinHostPort(o2.BindAddress, strconv.Itoa(o2.Port)),
		Cert:              serving.Cert,
		MinVersion:        serving.MinTLSVersion,
		CipherSuites:      serving.CipherSuites,
		RequireClientCert: o2.RequireClientCert,
	}
	return s.AddPostStartHook("o2ims-rest", func(ctx genericapiserver.PostStartHookContext) error {
		src.Start(ctx)
		go func() {
			if err := o2ims.Serve(ctx, opts, handler); err != nil {
				klog.ErrorS(err, "O2-IMS listener stopped")
			}
		}()
		return nil
	})
}
