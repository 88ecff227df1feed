package apiserver

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/storage/cachefeed"
	"github.com/netweave-io/netweave/pkg/storage/readcache"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// RedisStorage tells the registry how to reach Redis; it replaces the etcd options of a
// stock aggregated server, because storagebackend/factory only builds etcd3 stores.
type RedisStorage struct {
	Client goredis.UniversalClient
	// WriteClient runs the stores' writes, each sent once (redisstore.NewWriteClient); the
	// server derives it from Client in Config.Complete when nil.
	WriteClient goredis.UniversalClient
	// KeyPrefix namespaces every key so that several installs can share one Redis.
	KeyPrefix string
	// HistoryLength bounds the change log kept per resource (how far back a watch may resume).
	HistoryLength int64
	// HistoryBytes bounds it by approximate size as well (redisstore.Config.HistoryBytes).
	HistoryBytes int64
	Codec        runtime.Codec
	// MinReplicasAck and MinReplicasAckTimeout make every write wait for that many replicas
	// (redisstore.Config).
	MinReplicasAck        int
	MinReplicasAckTimeout time.Duration
	// Durability is what the redis-durability readiness check demands.
	Durability RedisDurability
	// Metrics are shared by every resource's store and cache (and the durability check); the
	// server creates them in Config.Complete when nil. Nil records nothing.
	Metrics *StorageMetrics
	// Watermark, when set, seeds every store with the newest revision the replicas recorded
	// outside Redis and records what they see (StoreWatermark); the server loads it before
	// building the stores.
	Watermark *StoreWatermark
	// Breaker refuses commands at once while Redis is not answering (redisstore.Breaker); the
	// server creates it and adds it to Client in Config.Complete when nil.
	Breaker *redisstore.Breaker
}

// restOptionsGetter hands every resource a Redis-backed storage.Interface. The o2ims registry
// asks through GetRESTOptionsWithUniqueIndex so the store also keeps the kind's O2 id unique.
type restOptionsGetter struct {
	storage RedisStorage
	// feed gets every read cache built, for the process's informers.
	feed *cachefeed.Feed
}

// NewRESTOptionsGetter returns the storage options the server builds every resource with:
// Redis behind a watch-fed read cache, keeping the kind's O2 id unique when the registry asks.
// Each read cache is added to feed.
func NewRESTOptionsGetter(s RedisStorage, feed *cachefeed.Feed) generic.RESTOptionsGetter {
	return restOptionsGetter{storage: s, feed: feed}
}

var (
	_ generic.RESTOptionsGetter     = restOptionsGetter{}
	_ kind.UniqueIndexOptionsGetter = restOptionsGetter{}
)

func (g restOptionsGetter) GetRESTOptions(resource schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	return g.restOptions(resource, nil), nil
}

// GetRESTOptionsWithUniqueIndex implements kind.UniqueIndexOptionsGetter.
func (g restOptionsGetter) GetRESTOptionsWithUniqueIndex(resource schema.GroupResource, _ runtime.Object, index unique.Index) (generic.RESTOptions, error) {
	return g.restOptions(resource, &index), nil
}

func (g restOptionsGetter) restOptions(resource schema.GroupResource, index *unique.Index) generic.RESTOptions {
	// The config is consulted by dry-run (codec) and by the decorator below; nothing dials etcd.
	cfg := storagebackend.NewDefaultConfig("", g.storage.Codec).ForResource(resource)
	return generic.RESTOptions{
		StorageConfig:           cfg,
		Decorator:               g.decorator(index),
		EnableGarbageCollection: true,
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          resource.Group + "/" + resource.Resource,
	}
}

// decorator builds the store and the cache of one resource; index, when set, is the field both
// keep an index of (the store to refuse duplicates, the cache to answer selections by it).
func (g restOptionsGetter) decorator(index *unique.Index) generic.StorageDecorator {
	return func(config *storagebackend.ConfigForResource, resourcePrefix string,
		keyFunc func(obj runtime.Object) (string, error), newFunc, newListFunc func() runtime.Object,
		_ storage.AttrFunc, _ storage.IndexerFuncs, _ *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
		store, err := redisstore.New(redisstore.Config{
			Client:         g.storage.Client,
			WriteClient:    g.storage.WriteClient,
			Codec:          config.Codec,
			NewFunc:        newFunc,
			NewListFunc:    newListFunc,
			InstallPrefix:  g.storage.KeyPrefix,
			ResourcePrefix: resourcePrefix,
			GroupResource:  config.GroupResource,
			HistoryLength:  g.storage.HistoryLength,
			HistoryBytes:   g.storage.HistoryBytes,
			UniqueIndex:    index,

			MinReplicasAck:        g.storage.MinReplicasAck,
			MinReplicasAckTimeout: g.storage.MinReplicasAckTimeout,
			Metrics:               g.storage.Metrics.store(),
		})
		if err != nil {
			return nil, nil, fmt.Errorf("redis storage for %s: %w", config.GroupResource, err)
		}
		if g.storage.Watermark != nil {
			// Before the read cache below makes the store's first read.
			g.storage.Watermark.add(store)
		}
		// Reads are served from a watch-fed copy in memory, so repeated GETs and LISTs do not
		// each cost a Redis round trip; writes and watches go to the store.
		cached, err := readcache.New(readcache.Config{
			Storage:        store,
			ResourcePrefix: resourcePrefix,
			KeyFunc:        keyFunc,
			NewFunc:        newFunc,
			NewListFunc:    newListFunc,
			GroupResource:  config.GroupResource,
			UniqueIndex:    index,
			Metrics:        g.storage.Metrics.cache(),
			// The cache's own list and watch wait out a Redis that is not answering (see
			// redisstore.Breaker), so that it follows the store again the moment Redis answers.
			Context: redisstore.Background(context.Background()),
		})
		if err != nil {
			store.Close()
			return nil, nil, fmt.Errorf("read cache for %s: %w", config.GroupResource, err)
		}
		g.feed.Add(config.GroupResource, cached, newFunc)
		destroy := func() {
			cached.Stop()
			store.Close()
		}
		return cached, destroy, nil
	}
}
