// Package options holds the flags of the netweave server, gathered sample-apiserver style.
package options

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	utilcompatibility "k8s.io/apiserver/pkg/util/compatibility"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	coordinationclient "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/klog/v2"
	netutils "k8s.io/utils/net"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/openapi"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
	"github.com/netweave-io/netweave/pkg/alarms/certs"
	"github.com/netweave-io/netweave/pkg/apiserver"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
)

// ServerOptions are all flags of the aggregated API server.
type ServerOptions struct {
	Recommended *genericoptions.RecommendedOptions
	Redis       *RedisOptions
	O2          *O2Options
	Inventory   *InventoryOptions
	Notify      *NotifyOptions
	// O2DMS runs the O2-DMS controller (--o2dms-*).
	O2DMS *O2DMSOptions
	// Provisioning configures O2-IMS provisioning on Cluster API (--provisioning-*).
	Provisioning *ProvisioningOptions
	// SMORegistration registers the O-Cloud with the SMO (--smo-registration-*).
	SMORegistration *SMORegistrationOptions
	// Certificates choose the TLS Secrets whose expiry raises alarms.
	Certificates *certs.Options
	// Alertmanager configures the Alertmanager alarm source's resync.
	Alertmanager *alertmanager.Options
	// AlarmRules names the namespaces whose PrometheusRules and alerts are the operator's
	// (--alarm-rule-namespaces).
	AlarmRules *AlarmRuleOptions
	// Tracing is --tracing-config-file, taken out of Recommended so the provider is built with
	// netweave's service name (applyTracing).
	Tracing *genericoptions.TracingOptions
	// Memory is --memory-limit.
	Memory *MemoryOptions
	// Requests are --request-timeout, --min-request-timeout and the in-flight limits.
	Requests *RequestOptions
	// AlternateDNS are extra names for the self-signed serving certificate made when no
	// certificate is given.
	AlternateDNS []string

	scheme *runtime.Scheme
	codecs serializer.CodecFactory
}

// NewServerOptions returns the defaults: delegated authn/authz through the cluster, TLS 1.3.
func NewServerOptions() *ServerOptions {
	scheme, codecs := apiserver.NewScheme()
	rec := genericoptions.NewRecommendedOptions("", apiserver.StorageCodec(codecs))
	// Redis replaces etcd; storagebackend/factory can only build etcd3 stores.
	rec.Etcd = nil

	addQuotaAdmission(rec)
	rec.SecureServing.MinTLSVersion = "VersionTLS13"
	rec.SecureServing.ServerCert.PairName = "netweave"
	tracing := rec.Traces
	rec.Traces = nil
	return &ServerOptions{Recommended: rec, Tracing: tracing, Redis: NewRedisOptions(), O2: NewO2Options(), Inventory: NewInventoryOptions(), Notify: NewNotifyOptions(), O2DMS: NewO2DMSOptions(), Provisioning: NewProvisioningOptions(), SMORegistration: NewSMORegistrationOptions(), Certificates: certs.NewOptions(), Alertmanager: alertmanager.NewOptions(), AlarmRules: NewAlarmRuleOptions(), Memory: &MemoryOptions{}, Requests: NewRequestOptions(), scheme: scheme, codecs: codecs}
}

// AddFlags registers every flag.
func (o *ServerOptions) AddFlags(fs *pflag.FlagSet) {
	o.Recommended.AddFlags(fs)
	o.Tracing.AddFlags(fs)
	o.Redis.AddFlags(fs)
	o.O2.AddFlags(fs)
	o.Inventory.AddFlags(fs)
	o.Notify.AddFlags(fs)
	o.O2DMS.AddFlags(fs)
	o.Provisioning.AddFlags(fs)
	o.SMORegistration.AddFlags(fs)
	o.Certificates.AddFlags(fs)
	o.Alertmanager.AddFlags(fs)
	o.AlarmRules.AddFlags(fs)
	o.Memory.AddFlags(fs)
	o.Requests.AddFlags(fs)
	fs.StringSliceVar(&o.AlternateDNS, "alternate-dns", o.AlternateDNS, "Extra DNS names for the self-signed serving certificate.")
}

// Validate reports invalid flags.
func (o *ServerOptions) Validate() error {
	errs := o.Recommended.Validate()
	errs = append(errs, o.Tracing.Validate()...)
	errs = append(errs, o.Redis.Validate()...)
	errs = append(errs, o.O2.Validate()...)
	if o.O2.Port != 0 && o.Recommended.SecureServing != nil && o.O2.Port == o.Recommended.SecureServing.BindPort {
		// Otherwise the O2 listener fails after the start, and the replica only stays unready.
		errs = append(errs, fmt.Errorf("--o2ims-secure-port and --secure-port must differ (both %d)", o.O2.Port))
	}
	errs = append(errs, o.Inventory.Validate()...)
	for _, ns := range o.O2.ProfileLocalNamespaces {
		// A profile token is edit in its namespace: in the inventory's, that reads every member
		// cluster's kubeconfig Secret (and netweave's own).
		if ns == o.Inventory.Namespace {
			errs = append(errs, fmt.Errorf("--o2ims-profile-local-namespaces must not name the inventory namespace %s (--inventory-namespace): "+
				"a token bound to edit there reads every member cluster's kubeconfig", ns))
		}
	}
	errs = append(errs, o.Notify.Validate()...)
	errs = append(errs, o.O2DMS.Validate()...)
	errs = append(errs, o.Provisioning.Validate()...)
	if o.Provisioning.Enabled && (!o.Inventory.Enabled || !o.Inventory.MemberClusters) {
		errs = append(errs, errors.New("--provisioning-controller needs --inventory-sync and --inventory-member-clusters: provisioned clusters join the inventory as member clusters"))
	}
	errs = append(errs, o.SMORegistration.Validate()...)
	if o.SMORegistration.URL != "" && o.O2.Port != 0 && o.O2.APIRoot == "" {
		// The registration tells the SMO where the O2 face is: the listener's bind address is
		// not an address the SMO can reach.
		errs = append(errs, errors.New("--smo-registration-url needs --o2ims-api-root: the address the SMO reaches the O2-IMS API at, which the registration announces"))
	}
	errs = append(errs, o.Certificates.Validate()...)
	errs = append(errs, o.Alertmanager.Validate()...)
	errs = append(errs, o.AlarmRules.Validate()...)
	errs = append(errs, o.Memory.Validate()...)
	errs = append(errs, o.Requests.Validate()...)
	return utilerrors.NewAggregate(errs)
}

// Complete fills in what depends on other flags.
func (o *ServerOptions) Complete() error {
	// A self-signed certificate keeps a bare `netweave` runnable; deployments mount real ones.
	// Its names are checked first: the certificate is made here, before Validate runs, and a
	// name no client can ask for (an IP address, "https://...", a typo with a space) would
	// only show later as a TLS name mismatch.
	for _, name := range o.AlternateDNS {
		if validation.IsDNS1123Subdomain(name) != nil && validation.IsWildcardDNS1123Subdomain(name) != nil {
			return fmt.Errorf("--alternate-dns %q is not a DNS name (a lowercase RFC 1123 subdomain, or *.<subdomain>)", name)
		}
	}
	dns := append([]string{"api.o2ims-system.svc"}, o.AlternateDNS...)
	if err := o.Recommended.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", dns, []net.IP{netutils.ParseIPSloppy("127.0.0.1")}); err != nil {
		return fmt.Errorf("create self-signed certificates: %w", err)
	}
	if err := o.Inventory.Complete(); err != nil {
		return err
	}
	if err := o.Notify.Complete(); err != nil {
		return err
	}
	if err := o.O2DMS.Complete(); err != nil {
		return err
	}
	if err := o.Provisioning.Complete(); err != nil {
		return err
	}
	// The clusters the provisioning controller builds join the inventory through Cluster API
	// discovery: their kubeconfig Secrets live where their requests are.
	o.Inventory.CAPINamespaces = o.Provisioning.DiscoveryNamespaces(o.Inventory.CAPINamespaces, o.Inventory.Namespace)
	o.Inventory.TenantNamespaces = o.Provisioning.TenantNamespaces(o.Inventory.Namespace)
	if err := o.SMORegistration.Complete(); err != nil {
		return err
	}
	if err := o.Certificates.Complete(); err != nil {
		return err
	}
	if err := o.AlarmRules.Complete(o.Inventory.Namespace); err != nil {
		return err
	}
	return o.Alertmanager.Complete()
}

// Config builds the server configuration from the options; ctx bounds what building it starts
// (the tracing exporter's connection setup).
func (o *ServerOptions) Config(ctx context.Context) (*apiserver.Config, error) {
	cfg := genericapiserver.NewRecommendedConfig(o.codecs)
	namer := openapinamer.NewDefinitionNamer(o.scheme)
	cfg.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(openapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIConfig.Info.Title = "netweave O2-IMS"
	cfg.OpenAPIConfig.Info.Version = v1alpha1.SchemeGroupVersion.Version
	cfg.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(openapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIV3Config.Info.Title = "netweave O2-IMS"
	cfg.OpenAPIV3Config.Info.Version = v1alpha1.SchemeGroupVersion.Version
	cfg.FeatureGate = utilfeature.DefaultFeatureGate
	cfg.EffectiveVersion = utilcompatibility.DefaultBuildEffectiveVersion()
	o.Requests.ApplyTo(&cfg.Config)
	if err := o.Recommended.ApplyTo(cfg); err != nil {
		return nil, fmt.Errorf("apply server options: %w", err)
	}
	if err := applyTracing(ctx, o.Tracing, &cfg.Config); err != nil {
		return nil, err
	}
	if err := o.Memory.Apply(); err != nil {
		return nil, err
	}
	client, err := o.Redis.NewClient()
	if err != nil {
		return nil, err
	}
	if why := o.Redis.Unauthenticated(); why != "" {
		klog.FromContext(ctx).Error(nil, "WARNING: netweave reaches Redis without credentials; whoever else reaches it can read and change every tenant's data around RBAC and audit", "reason", why)
	}
	var watermark *apiserver.StoreWatermark
	if o.Redis.WatermarkLease != "" && cfg.ClientConfig != nil {
		leases, err := coordinationclient.NewForConfig(cfg.ClientConfig)
		if err != nil {
			return nil, fmt.Errorf("store watermark client: %w", err)
		}
		watermark = apiserver.NewStoreWatermark(leases.Leases(o.Inventory.Namespace), o.Inventory.Namespace, o.Redis.WatermarkLease, o.Redis.WatermarkInterval)
	}
	o2 := o.O2.Config(cfg.ClientConfig, o.Inventory.ClusterURL, o.Inventory.MemberSources())
	// The O-Cloud's serviceUri: the configured apiRoot, else this replica's O2 face's default,
	// the same the SMO registration announces.
	serviceURI := o.O2.APIRoot
	if serviceURI == "" {
		serviceURI = o2IMSEndpoint(o2)
	}
	inventory := o.Inventory.Config(serviceURI, cfg.ClientConfig)
	if inventory != nil {
		if o.Certificates.Enabled() {
			inventory.Alarms.Certificates = &certs.Config{}
			o.Certificates.Apply(inventory.Alarms.Certificates)
		}
		inventory.Alarms.Alertmanager = o.Alertmanager
		inventory.Alarms.RuleNamespaces = o.AlarmRules.RuleNamespaces
	}
	return &apiserver.Config{
		GenericConfig: cfg,
		ExtraConfig: apiserver.ExtraConfig{
			Scheme: o.scheme,
			Codecs: o.codecs,
			Storage: apiserver.RedisStorage{
				Client:        client,
				KeyPrefix:     o.Redis.KeyPrefix,
				HistoryLength: o.Redis.HistoryLength,
				HistoryBytes:  o.Redis.HistoryBytes,
				Codec:         apiserver.StorageCodec(o.codecs),

				MinReplicasAck:        o.Redis.MinReplicasAck,
				MinReplicasAckTimeout: o.Redis.MinReplicasAckTimeout,
				Watermark:             watermark,
				Durability: apiserver.RedisDurability{
					Policy:        redisstore.DurabilityPolicy{RequireAOF: o.Redis.RequireAOF, Asserted: o.Redis.DurabilityAsserted},
					Interval:      o.Redis.DurabilityCheckInterval,
					ReplicaClient: o.Redis.NodeClient,
				},
			},
			Tenancy:      o.tenancy(),
			O2:           o2,
			Inventory:    inventory,
			Notifier:     o.Notify.Config(cfg.ClientConfig),
			O2DMS:        o.O2DMS.Config(cfg.ClientConfig, o.Inventory.MemberSources()),
			Provisioning: o.Provisioning.Config(cfg.ClientConfig, o.Inventory.Namespace),
			// IMS_EP is what the O2 face reports as the O-Cloud's serviceUri.
			SMORegistration: o.SMORegistration.Config(cfg.ClientConfig, o2IMSEndpoint(o2)),
		},
	}, nil
}

// tenancy is the registry's tenant boundary, drawn from the inventory and provisioning flags.
func (o *ServerOptions) tenancy() apiserver.TenancyConfig {
	t := o.Inventory.Tenancy()
	t.ProvisioningNamespaces = o.Provisioning.Namespaces
	// From the flag whether or not this replica serves the O2 face: a notifier-only replica
	// must treat the same namespace as shared as the replica serving the default apiRoot.
	t.SubscriptionNamespace = o.O2.SubscriptionNamespace
	return t
}

// o2IMSEndpoint is the apiRoot the O2 face reports as the O-Cloud's serviceUri, "" when the
// face is off (the OCloud's spec.serviceUri is then announced).
func o2IMSEndpoint(o2 *apiserver.O2Config) string {
	if o2 == nil {
		return ""
	}
	return o2.APIRoot
}
