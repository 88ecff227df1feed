package controller

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// Fetcher downloads charts (helmrelease.Fetcher).
type Fetcher interface {
	Fetch(ctx context.Context, src helmrelease.Source) (*helmrelease.Fetched, error)
}

// DefaultChartCacheSize bounds how many charts are kept in memory, DefaultChartCacheBytes what
// they unpacked to, together.
const (
	DefaultChartCacheSize  = 32
	DefaultChartCacheBytes = 64 << 20
)

// ChartCache keeps the last fetched charts in memory, keyed by source, version, digest pin
// (a chart version is immutable in a repository; a pin makes it so) and a hash of the
// credentials: a reconcile of an unchanged NfDeployment downloads nothing, and a chart fetched
// with one tenant's pull credentials is never handed to a descriptor without them. A failed
// fetch is not cached.
//
// It is bounded by bytes as well as by count: charts come from sources whoever may write a
// descriptor chooses, and each may unpack to helmrelease.MaxUnpackedChartBytes, so a count
// alone would let a few descriptors make netweave hold gigabytes. The least recently used
// charts go first; a chart larger than the whole budget is used but not kept.
type ChartCache struct {
	fetcher  Fetcher
	maxCount int
	maxBytes int64
	metrics  *ChartMetrics

	mu    sync.Mutex
	order *list.List // *cachedChart, most recently used first
	byKey map[string]*list.Element
	bytes int64
}

type cachedChart struct {
	key   string
	chart *helmrelease.Fetched
}

// NewChartCache returns a cache of at most size charts (DefaultChartCacheSize when ≤ 0) of
// at most maxBytes together (DefaultChartCacheBytes when ≤ 0); metrics may be nil.
func NewChartCache(f Fetcher, size int, maxBytes int64, metrics *ChartMetrics) *ChartCache {
	if size <= 0 {
		size = DefaultChartCacheSize
	}
	if maxBytes <= 0 {
		maxBytes = DefaultChartCacheBytes
	}
	return &ChartCache{fetcher: f, maxCount: size, maxBytes: maxBytes, metrics: metrics,
		order: list.New(), byKey: map[string]*list.Element{}}
}

// Fetch implements Fetcher. Each caller gets its own copy of the chart: Helm edits the chart
// an install or upgrade is given for that release's values, and workers use charts at once.
func (c *ChartCache) Fetch(ctx context.Context, src helmrelease.Source) (*helmrelease.Fetched, error) {
	key := src.RepoURL + "\x00" + src.Name + "\x00" + src.OCIRef + "\x00" + src.Version + "\x00" + src.Digest + "\x00" + credentialsHash(src)
	if f := c.get(key); f != nil {
		c.metrics.fetched(resultHit)
		return f.Copy(), nil
	}
	f, err := c.fetcher.Fetch(ctx, src)
	if err != nil {
		c.metrics.fetched(resultFailed)
		return nil, err
	}
	c.metrics.fetched(resultFetched)
	c.add(key, f)
	return f.Copy(), nil
}

func (c *ChartCache) get(key string) *helmrelease.Fetched {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return nil
	}
	c.order.MoveToFront(e)
	return e.Value.(*cachedChart).chart
}

func (c *ChartCache) add(key string, f *helmrelease.Fetched) {
	c.mu.Lock()
	defer func() {
		c.metrics.held(c.order.Len(), c.bytes)
		c.mu.Unlock()
	}()
	if f.Size > c.maxBytes {
		return
	}
	if e, ok := c.byKey[key]; ok { // two workers fetched it at once
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&cachedChart{key: key, chart: f})
	c.bytes += f.Size
	for c.order.Len() > c.maxCount || c.bytes > c.maxBytes {
		oldest := c.order.Remove(c.order.Back()).(*cachedChart)
		delete(c.byKey, oldest.key)
		c.bytes -= oldest.chart.Size
	}
}

// Held is how many charts the cache holds and what they unpacked to, together.
func (c *ChartCache) Held() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.bytes
}

// credentialsHash identifies src's credentials in a cache key without keeping them there.
func credentialsHash(src helmrelease.Source) string {
	if src.Username == "" && src.Password == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(src.Username + "\x00" + src.Password))
	return hex.EncodeToString(sum[:])
}
