package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/clienttls"
	"github.com/netweave-io/netweave/pkg/leader"
	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/pkg/o2informers"
	"github.com/netweave-io/netweave/pkg/o2rest"
)

// NotifierConfig configures the notifier (pkg/notify).
type NotifierConfig struct {
	// KubeConfig reaches the cluster (leases, signing secrets): the server's --kubeconfig.
	KubeConfig              *rest.Config
	AllowedCallbackPrefixes []netip.Prefix
	Timeout, MaxAge         time.Duration
	QueueLimits             notify.QueueLimits
	Retry                   notify.Backoff
	StatusInterval          time.Duration
	// PackStatesFrom is --notifier-pack-states-from (notify.Config.PackStatesFrom).
	PackStatesFrom         int
	Lease                  leader.Options
	ClientCertFile         string
	ClientKeyFile          string
	CAFile                 string
	OAuth2TokenURL         string
	OAuth2ClientID         string
	OAuth2ClientSecretFile string
	OAuth2Scopes           []string
	OAuth2Hosts            notify.TokenHosts // callback hosts that receive the OAuth2 token
}

// CallbackPolicy is the address policy of callbacks, for the notifier and the O2 POST.
func (c *NotifierConfig) CallbackPolicy() *notify.CallbackPolicy {
	return &notify.CallbackPolicy{Allowed: c.AllowedCallbackPrefixes, OAuth2Hosts: c.OAuth2Hosts}
}

// installNotifier starts the notifier after the API server is up, on its loopback connection.
func installNotifier(s *genericapiserver.GenericAPIServer, bg *background, c CompletedConfig, informers *o2informers.Shared) error {
	nc := c.extra.Notifier
	if nc == nil {
		return nil
	}
	if nc.KubeConfig == nil {
		return fmt.Errorf("the notifier needs a cluster connection (--kubeconfig or in-cluster)")
	}
	client, err := versioned.NewForConfig(c.generic.LoopbackClientConfig)
	if err != nil {
		return fmt.Errorf("notifier client: %w", err)
	}
	kube, err := kubernetes.NewForConfig(nc.KubeConfig)
	if err != nil {
		return fmt.Errorf("notifier cluster client: %w", err)
	}
	tlsConfig, err := nc.clientTLS()
	if err != nil {
		return err
	}
	token, err := nc.tokenSource(tlsConfig.RootCAs)
	if err != nil {
		return err
	}
	n, err := notify.New(notify.Config{
		Client: client, Informers: informers, Kube: kube,
		Redis: c.extra.Storage.Client, KeyPrefix: c.extra.Storage.KeyPrefix,
		Authorizer:            c.generic.Authorization.Authorizer,
		SubscriptionNamespace: c.subscriptionNamespace(),
		InventoryNamespace:    c.extra.Tenancy.InventoryNamespace,
		Sender: notify.SenderConfig{Policy: nc.CallbackPolicy(), Timeout: nc.Timeout, TLS: tlsConfig, Token: token,
			TracerProvider: tracerProviderIfOn(c.generic.TracerProvider)},
		Retry: nc.Retry, MaxAge: nc.MaxAge, QueueLimits: nc.QueueLimits, StatusInterval: nc.StatusInterval,
		ReplicasAck:    notify.ReplicasAck{Replicas: c.extra.Storage.MinReplicasAck, Timeout: c.extra.Storage.MinReplicasAckTimeout},
		PackStatesFrom: nc.PackStatesFrom,
		Lease:          nc.Lease,
		Metrics:        registererFunc(legacyregistry.Register),
	})
	if err != nil {
		return err
	}
	return s.AddPostStartHook("o2ims-notifier", func(ctx genericapiserver.PostStartHookContext) error {
		bg.Go(func() { n.Run(ctx) })
		return nil
	})
}

// clientTLS is the TLS configuration of callback connections.
func (c *NotifierConfig) clientTLS() (*tls.Config, error) {
	return clienttls.Files{CAFile: c.CAFile, CertFile: c.ClientCertFile, KeyFile: c.ClientKeyFile,
		CAFlag: "--notifier-ca-file", CertFlag: "--notifier-client-cert-file"}.Config(klog.Background().WithName("notifier"))
}

// tokenSource is the OAuth2 client-credentials token source, nil without a token URL. The token
// endpoint is the operator's, so it is reached with an ordinary client (no callback policy),
// which does not follow redirects: every token request carries the client secret (in its
// Authorization header, or in its body once golang.org/x/oauth2's style detection falls back
// to that), and a redirect handed it to wherever the endpoint, or an open redirect on its
// host, pointed (307 and 308 resend the body; Go keeps the header for the same host name on
// another port). A redirect is a failed token request.
// Its certificate is verified against roots, the callbacks' (--notifier-ca-file; nil for the
// system roots): an authorization server inside the operator's PKI, as common as the SMO's
// callbacks there, was otherwise unreachable.
// The secret is read now, so that a missing file stops the start, and again for every token
// fetched after (when the last one expired or a callback refused it), so that a secret
// rotated in its file (a Secret updated in place) is used from the next token on, without a
// restart.
func (c *NotifierConfig) tokenSource(roots *x509.CertPool) (oauth2.TokenSource, error) {
	if c.OAuth2TokenURL == "" {
		return nil, nil
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	src := secretFileTokenSource{
		ctx: context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: c.Timeout,
			Transport: transport, CheckRedirect: notify.KeepRedirect}),
		cfg:  clientcredentials.Config{ClientID: c.OAuth2ClientID, TokenURL: c.OAuth2TokenURL, Scopes: c.OAuth2Scopes},
		file: c.OAuth2ClientSecretFile,
	}
	if _, err := src.secret(); err != nil {
		return nil, err
	}
	// Not a ReuseTokenSource: the notifier keeps the token itself, and drops it when a
	// callback refuses it.
	return src, nil
}

// secretFileTokenSource fetches a client-credentials token with the client secret its file
// holds at that moment.
type secretFileTokenSource struct {
	ctx  context.Context
	cfg  clientcredentials.Config
	file string
}

func (s secretFileTokenSource) secret() (string, error) {
	b, err := os.ReadFile(s.file)
	if err != nil {
		return "", fmt.Errorf("--notifier-oauth2-client-secret-file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (s secretFileTokenSource) Token() (*oauth2.Token, error) {
	secret, err := s.secret()
	if err != nil {
		return nil, err
	}
	cfg := s.cfg
	cfg.ClientSecret = secret
	return cfg.Token(s.ctx)
}

// registererFunc adapts legacyregistry.Register (the registry /metrics serves).
type registererFunc func(compbasemetrics.Registerable) error

func (f registererFunc) Register(c compbasemetrics.Registerable) error { return f(c) }

// callbackChecker is what the O2 POST checks callbacks with: the notifier's policy, or nothing
// when the notifier is off (nothing would be dialed).
func callbackChecker(nc *NotifierConfig) o2rest.CallbackChecker {
	if nc == nil {
		return nil
	}
	return nc.CallbackPolicy()
}
