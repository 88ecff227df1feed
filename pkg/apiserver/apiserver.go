// Package apiserver assembles the o2ims.oran.org aggregated API server: the generic server,
// the group's registries, and Redis storage.
package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	registrygeneric "k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/healthz"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/deploymentmanager"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/inventorysubscription"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/location"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/ocloud"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/ocloudsite"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resource"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcepool"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcetype"
	storagecache "github.com/netweave-io/netweave/pkg/storage/cache"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
)

// ExtraConfig is what netweave adds to a generic server's configuration.
type ExtraConfig struct {
	Scheme  *runtime.Scheme
	Codecs  serializer.CodecFactory
	Storage RedisStorage
	// O2 serves the O2-IMS REST API when set.
	O2 *O2Config
	// Inventory runs the inventory sync when set.
	Inventory *InventoryConfig
	// Notifier runs the O2-IMS notifier when set.
	Notifier *NotifierConfig
}

// Config is the whole server configuration.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	ExtraConfig   ExtraConfig
}

// CompletedConfig is a Config whose defaults are filled in.
type CompletedConfig struct {
	generic genericapiserver.CompletedConfig
	extra   *ExtraConfig
}

// Server is a running netweave API server.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
}

// Complete fills in defaults.
func (c *Config) Complete() CompletedConfig {
	redisstore.Register()
	storagecache.Register()
	c.GenericConfig.RESTOptionsGetter = restOptionsGetter{storage: c.ExtraConfig.Storage}
	return CompletedConfig{generic: c.GenericConfig.Complete(), extra: &c.ExtraConfig}
}

type kindREST func(*runtime.Scheme, registrygeneric.RESTOptionsGetter) (*kind.REST, *kind.StatusREST, error)

// New builds the server and installs the o2ims.oran.org group.
func (c CompletedConfig) New() (*Server, error) {
	generic, err := c.generic.New("netweave", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, fmt.Errorf("create generic server: %w", err)
	}
	group := genericapiserver.NewDefaultAPIGroupInfo(o2ims.GroupName, c.extra.Scheme, metav1.ParameterCodec, c.extra.Codecs)
	resources := map[string]rest.Storage{}
	// Subscriptions check at create and update that the requester may read the signing Secret.
	subscriptionsREST := func(s *runtime.Scheme, o registrygeneric.RESTOptionsGetter) (*kind.REST, *kind.StatusREST, error) {
		return inventorysubscription.NewREST(s, o, c.generic.Authorization.Authorizer)
	}
	for name, newREST := range map[string]kindREST{
		"oclouds":                ocloud.NewREST,
		"resourcetypes":          resourcetype.NewREST,
		"resourcepools":          resourcepool.NewREST,
		"resources":              resource.NewREST,
		"deploymentmanagers":     deploymentmanager.NewREST,
		"locations":              location.NewREST,
		"ocloudsites":            ocloudsite.NewREST,
		"inventorysubscriptions": subscriptionsREST,
	} {
		main, status, err := newREST(c.extra.Scheme, c.generic.RESTOptionsGetter)
		if err != nil {
			return nil, fmt.Errorf("build %s storage: %w", name, err)
		}
		resources[name] = main
		if status != nil {
			resources[name+"/status"] = status
		}
	}
	group.VersionedResourcesStorageMap[v1alpha1.SchemeGroupVersion.Version] = resources
	if err := generic.InstallAPIGroup(&group); err != nil {
		return nil, fmt.Errorf("install %s: %w", o2ims.GroupName, err)
	}
	if err := installO2(generic, c); err != nil {
		return nil, fmt.Errorf("install O2-IMS: %w", err)
	}
	if err := installInventory(generic, c); err != nil {
		return nil, fmt.Errorf("install the inventory sync: %w", err)
	}
	if err := installNotifier(generic, c); err != nil {
		return nil, fmt.Errorf("install the notifier: %w", err)
	}
	if err := generic.AddReadyzChecks(redisCheck{client: c.extra.Storage}); err != nil {
		return nil, fmt.Errorf("add redis readiness check: %w", err)
	}
	return &Server{GenericAPIServer: generic}, nil
}

// Run serves until ctx is done.
func (s *Server) Run(ctx context.Context) error {
	return s.GenericAPIServer.PrepareRun().RunWithContext(ctx)
}

// redisCheck makes /readyz fail while Redis is unreachable, so load balancers and the
// aggregator stop sending requests that could only fail.
type redisCheck struct {
	client RedisStorage
}

var _ healthz.HealthChecker = redisCheck{}

func (redisCheck) Name() string { return "redis" }

func (r redisCheck) Check(req *http.Request) error {
	ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
	defer cancel()
	if err := r.client.Client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}
