package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime"
	registrygeneric "k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmdictionary"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmeventrecord"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmpurge"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmserviceconfiguration"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmsubscription"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/deploymentmanager"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/inventorysubscription"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/location"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/managedinfrastructuretemplate"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/ocloud"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/ocloudsite"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/provisioningrequest"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/provisioningrequestsubscription"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resource"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcepool"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcetype"
)

// o2imsResource is one served resource of o2ims.oran.org: its Kind and how its storage is
// built.
type o2imsResource struct {
	kind  *kind.Kind
	build kindREST
}

// o2imsResources is the one list of the o2ims.oran.org resources: the storage serves them and
// quotas count the namespaced ones. ten configures the builders only.
func o2imsResources(ten TenancyConfig) []o2imsResource {
	provisioning := provisioningrequest.Options{Namespaces: ten.ProvisioningNamespaces}
	// Subscriptions reference no inventory object by id; their rules are their registry's.
	subscriptions := func(newREST func(*runtime.Scheme, registrygeneric.RESTOptionsGetter) (rest.Storage, rest.Storage, error)) kindREST {
		return func(s *runtime.Scheme, g registrygeneric.RESTOptionsGetter, _ *kind.Tenancy) (rest.Storage, rest.Storage, error) {
			return newREST(s, g)
		}
	}
	return []o2imsResource{
		{ocloud.Kind(), restOf(ocloud.NewREST)},
		{resourcetype.Kind(), restOf(resourcetype.NewREST)},
		{resourcepool.Kind(), restOf(resourcepool.NewREST)},
		{resource.Kind(), restOf(resource.NewREST)},
		{deploymentmanager.Kind(), restOf(deploymentmanager.NewREST)},
		{location.Kind(), restOf(location.NewREST)},
		{ocloudsite.Kind(), restOf(ocloudsite.NewREST)},
		{alarmdictionary.Kind(), restOf(alarmdictionary.NewREST)},
		{alarmeventrecord.Kind(), restOf(alarmeventrecord.NewREST)},
		{alarmserviceconfiguration.Kind(), restOf(alarmserviceconfiguration.NewREST)},
		{alarmpurge.Kind(), restOf(alarmpurge.NewREST)},
		{inventorysubscription.Kind(), subscriptions(func(s *runtime.Scheme, g registrygeneric.RESTOptionsGetter) (rest.Storage, rest.Storage, error) {
			return inventorysubscription.NewREST(s, g, ten.subscriptionRules())
		})},
		{alarmsubscription.Kind(), subscriptions(func(s *runtime.Scheme, g registrygeneric.RESTOptionsGetter) (rest.Storage, rest.Storage, error) {
			return alarmsubscription.NewREST(s, g, ten.subscriptionRules())
		})},
		{managedinfrastructuretemplate.Kind(), restOf(managedinfrastructuretemplate.NewREST)},
		{provisioningrequest.Kind(provisioning), restOf(func(s *runtime.Scheme, g registrygeneric.RESTOptionsGetter, t *kind.Tenancy) (*kind.REST, *kind.StatusREST, error) {
			return provisioningrequest.NewREST(s, g, t, provisioning, ten.Authorizer)
		})},
		{provisioningrequestsubscription.Kind(), subscriptions(func(s *runtime.Scheme, g registrygeneric.RESTOptionsGetter) (rest.Storage, rest.Storage, error) {
			return provisioningrequestsubscription.NewREST(s, g, ten.subscriptionRules())
		})},
	}
}
