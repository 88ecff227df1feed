package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"k8s.io/utils/lru"

	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// Fetcher downloads charts (helmrelease.Fetcher).
type Fetcher interface {
	Fetch(ctx context.Context, src helmrelease.Source) (*helmrelease.Fetched, error)
}

// DefaultChartCacheSize bounds the charts kept in memory.
const DefaultChartCacheSize = 32

// ChartCache keeps the last fetched charts in memory, keyed by source, version, digest pin
// (a chart version is immutable in a repository; a pin makes it so) and a hash of the
// credentials: a reconcile of an unchanged NfDeployment downloads nothing, and a chart fetched
// with one tenant's pull credentials is never handed to a descriptor without them. A failed
// fetch is not cached.
type ChartCache struct {
	Fetcher Fetcher
	once    sync.Once
	cache   *lru.Cache
	size    int
}

// NewChartCache returns a cache of at most size charts (DefaultChartCacheSize when ≤ 0).
func NewChartCache(f Fetcher, size int) *ChartCache {
	if size <= 0 {
		size = DefaultChartCacheSize
	}
	return &ChartCache{Fetcher: f, size: size}
}

// Fetch implements Fetcher.
func (c *ChartCache) Fetch(ctx context.Context, src helmrelease.Source) (*helmrelease.Fetched, error) {
	c.once.Do(func() {
		if c.size <= 0 {
			c.size = DefaultChartCacheSize
		}
		c.cache = lru.New(c.size)
	})
	key := src.RepoURL + "\x00" + src.Name + "\x00" + src.OCIRef + "\x00" + src.Version + "\x00" + src.Digest + "\x00" + credentialsHash(src)
	if v, ok := c.cache.Get(key); ok {
		return v.(*helmrelease.Fetched), nil
	}
	f, err := c.Fetcher.Fetch(ctx, src)
	if err != nil {
		return nil, err
	}
	c.cache.Add(key, f)
	return f, nil
}

// credentialsHash identifies src's credentials in a cache key without keeping them there.
func credentialsHash(src helmrelease.Source) string {
	if src.Username == "" && src.Password == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(src.Username + "\x00" + src.Password))
	return hex.EncodeToString(sum[:])
}
