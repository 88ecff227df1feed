package redis

import (
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"

	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// Defaults applied by Config.complete.
const (
	DefaultInstallPrefix = "netweave"
	DefaultHistoryLength = 10000
	// DefaultHistoryBytes bounds a resource's change history at 64 MiB: the
	// default HistoryLength of entries averaging 6.5 KiB (an update holds the
	// new and the previous object), so the count binds for ordinary objects
	// and the bytes only when objects are large.
	DefaultHistoryBytes        = 64 << 20
	DefaultWatchPollInterval   = time.Second
	DefaultProgressInterval    = 5 * time.Second
	DefaultTTLCheckInterval    = time.Second
	defaultWatcherQueueLimit   = 100000
	defaultTrimSlackPercentage = 10
)

// Config describes one store, i.e. one resource, like etcd3.New's arguments.
type Config struct {
	// Client is any go-redis client: standalone, Sentinel failover or a
	// TLS-configured one. The store never closes it.
	Client goredis.UniversalClient
	// WriteClient runs the create, update and delete scripts: a client of the same Redis that
	// sends each command once (NewWriteClient), so that a write whose reply was lost is not
	// run a second time. Nil makes the store derive one from Client (closed by Close); a
	// process with many stores shares one. The store never closes one it was given.
	WriteClient goredis.UniversalClient
	// Codec encodes objects for storage and decodes them back.
	Codec runtime.Codec
	// Transformer wraps stored bytes (encryption at rest). Defaults to identity.
	Transformer value.Transformer
	// Versioner defaults to storage.APIObjectVersioner.
	Versioner storage.Versioner
	// NewFunc returns an empty object of the stored type (needed for bookmarks).
	NewFunc func() runtime.Object
	// NewListFunc returns an empty list of the stored type.
	NewListFunc func() runtime.Object

	// InstallPrefix namespaces every Redis key so several netweave installs
	// can share one Redis. Defaults to DefaultInstallPrefix.
	InstallPrefix string
	// PathPrefix is prepended to every storage key, like etcd's --etcd-prefix.
	PathPrefix string
	// ResourcePrefix is the key prefix of this resource, e.g. "/pods"; every
	// key handed to the store must live under it.
	ResourcePrefix string
	// GroupResource labels metrics and logs.
	GroupResource schema.GroupResource

	// HistoryLength is the approximate number of change events kept per
	// resource. It bounds how old a resourceVersion may be for watches, exact
	// lists and continue tokens. Zero means DefaultHistoryLength; negative
	// means keep everything (compact explicitly with Store.Compact).
	HistoryLength int64
	// HistoryBytes bounds the change events kept per resource by their
	// approximate total size (the bytes of every field of every stream
	// entry, counted as entries are added), whichever of it and
	// HistoryLength binds first. Zero means DefaultHistoryBytes; negative
	// means no byte bound.
	HistoryBytes int64
	// WatchPollInterval is the XREAD BLOCK timeout of the shared stream
	// reader; it bounds how quickly progress requests are answered.
	WatchPollInterval time.Duration
	// ProgressInterval is how often watchers that asked for progress
	// notifications receive a bookmark when nothing else happens.
	ProgressInterval time.Duration
	// TTLCheckInterval is how often objects written with a TTL are reaped.
	TTLCheckInterval time.Duration
	// UniqueIndex, when set, names a field no two objects of the resource
	// may share (the O2 id). The write scripts keep an index of it in Redis,
	// atomically with each write, reject a write whose value another object
	// holds with a 409 Conflict, and Store.KeyForUniqueValue looks it up in
	// one round trip. Values compare case-insensitively (see unique.Key).
	UniqueIndex *unique.Index

	// MinReplicasAck, when positive, makes every create, update and delete wait (Redis WAIT)
	// until that many replicas have it, for at most MinReplicasAckTimeout, so that a Sentinel
	// failover to a replica cannot lose an acknowledged write. A write the replicas did not
	// confirm in time fails, although the primary has it (like an etcd timeout, its outcome
	// is unknown to the client).
	MinReplicasAck        int
	MinReplicasAckTimeout time.Duration

	// WatcherQueueLimit caps the events buffered for one slow watcher before
	// it is closed with an error (the client then re-establishes the watch).
	WatcherQueueLimit int

	// Metrics record the store's Redis round trips and watches; shared by every store of a
	// process (see NewMetrics). Nil records nothing.
	Metrics *Metrics
}

func (c *Config) complete() error {
	if c.Client == nil {
		return errors.New("redis storage: Client is required")
	}
	if c.Codec == nil {
		return errors.New("redis storage: Codec is required")
	}
	if c.NewListFunc == nil {
		return errors.New("redis storage: NewListFunc is required")
	}
	switch {
	case c.ResourcePrefix == "":
		return errors.New("redis storage: ResourcePrefix cannot be empty")
	case c.ResourcePrefix == "/":
		return errors.New("redis storage: ResourcePrefix cannot be /")
	case !strings.HasPrefix(c.ResourcePrefix, "/"):
		return fmt.Errorf("redis storage: ResourcePrefix %q needs to start with /", c.ResourcePrefix)
	}
	if c.UniqueIndex != nil && c.UniqueIndex.Value == nil {
		return errors.New("redis storage: UniqueIndex.Value is required")
	}
	if c.Transformer == nil {
		c.Transformer = identity.NewEncryptCheckTransformer()
	}
	if c.Versioner == nil {
		c.Versioner = storage.APIObjectVersioner{}
	}
	if c.InstallPrefix == "" {
		c.InstallPrefix = DefaultInstallPrefix
	}
	if c.HistoryLength == 0 {
		c.HistoryLength = DefaultHistoryLength
	}
	if c.HistoryBytes == 0 {
		c.HistoryBytes = DefaultHistoryBytes
	}
	if c.WatchPollInterval <= 0 {
		c.WatchPollInterval = DefaultWatchPollInterval
	}
	if c.ProgressInterval <= 0 {
		c.ProgressInterval = DefaultProgressInterval
	}
	if c.TTLCheckInterval <= 0 {
		c.TTLCheckInterval = DefaultTTLCheckInterval
	}
	if c.MinReplicasAck > 0 && c.MinReplicasAckTimeout <= 0 {
		return errors.New("redis storage: MinReplicasAckTimeout is required with MinReplicasAck")
	}
	if c.WatcherQueueLimit <= 0 {
		c.WatcherQueueLimit = defaultWatcherQueueLimit
	}
	return nil
}

// trimBounds are the history bounds the write scripts trim to (0 disables
// one), and the count slack that amortises trimming.
type trimBounds struct {
	maxLen, slack, maxBytes int64
}

// trimArgs returns the history bounds.
func (c *Config) trimArgs() trimBounds {
	t := trimBounds{maxBytes: max(c.HistoryBytes, 0)}
	if c.HistoryLength < 0 {
		return t
	}
	t.maxLen = c.HistoryLength
	t.slack = max(c.HistoryLength*defaultTrimSlackPercentage/100, 1)
	return t
}
