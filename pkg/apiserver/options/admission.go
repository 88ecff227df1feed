package options

import (
	"fmt"

	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/resourcequota"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/metadata"
	clientrest "k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/pkg/apiserver"
)

// addQuotaAdmission puts the ResourceQuota admission plugin into netweave's admission chain, so
// a ResourceQuota with count/<resource>.o2ims.oran.org in a tenant's namespace holds on
// creates through netweave (the central kube-apiserver's own quota plugin never sees them: the
// aggregator proxies the request). It runs last, as in kube-apiserver, so only requests every
// policy and webhook admitted are charged. It stays on by default and can be turned off with
// --disable-admission-plugins=ResourceQuota like the others.
func addQuotaAdmission(rec *genericoptions.RecommendedOptions) {
	resourcequota.Register(rec.Admission.Plugins)
	rec.Admission.RecommendedPluginOrder = append(rec.Admission.RecommendedPluginOrder, resourcequota.PluginName)
	rec.ExtraAdmissionInitializers = quotaInitializers
}

// quotaInitializers builds the quota configuration the plugin is initialised with. Its usage
// recalculation lists through netweave's own loopback connection: objects live in netweave's
// store, which the central kube-apiserver's clients reach only through the aggregator.
func quotaInitializers(c *genericapiserver.RecommendedConfig) ([]admission.PluginInitializer, error) {
	if c.LoopbackClientConfig == nil {
		return nil, fmt.Errorf("quota admission: no loopback client configuration")
	}
	loopback := clientrest.CopyConfig(c.LoopbackClientConfig)
	loopback.UserAgent = "netweave-quota"
	client, err := metadata.NewForConfig(loopback)
	if err != nil {
		return nil, fmt.Errorf("quota admission: metadata client: %w", err)
	}
	return []admission.PluginInitializer{apiserver.QuotaInitializer{Configuration: apiserver.NewQuotaConfiguration(apiserver.MetadataLister(client))}}, nil
}
