package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"
)

// Persistence modes of a Redis, from the most to the least durable. They label the
// netweave_redis_persistence gauge.
const (
	// PersistenceAOF is an append-only file fsynced every second or on every write: a crash
	// loses at most the last second of acknowledged writes.
	PersistenceAOF = "aof"
	// PersistenceAOFNoFsync is an append-only file the OS flushes when it likes (appendfsync
	// no): a host crash can lose tens of seconds.
	PersistenceAOFNoFsync = "aof-no-fsync"
	// PersistenceRDB is snapshots only: a crash loses everything since the last snapshot.
	PersistenceRDB = "rdb"
	// PersistenceNone keeps nothing: a restart starts empty.
	PersistenceNone = "none"
	// PersistenceAsserted means Redis would not show its configuration and the operator
	// vouched for it (--redis-durability-asserted).
	PersistenceAsserted = "asserted"
)

// persistenceModes lists every mode, so the gauge can zero the ones not in force.
var persistenceModes = []string{PersistenceAOF, PersistenceAOFNoFsync, PersistenceRDB, PersistenceNone, PersistenceAsserted}

// NoEviction is the only maxmemory-policy that never deletes keys: at maxmemory, writes fail
// instead.
const NoEviction = "noeviction"

// Durability is the part of a Redis configuration that decides whether acknowledged
// writes survive: eviction and persistence.
type Durability struct {
	MaxmemoryPolicy string
	// Maxmemory is in bytes; 0 means no limit.
	Maxmemory   int64
	AppendOnly  bool
	AppendFsync string
	// Save is the RDB snapshot schedule; "" when snapshots are off.
	Save string
}

// Persistence is the mode d amounts to.
func (d Durability) Persistence() string {
	switch {
	case d.AppendOnly && d.AppendFsync == "no":
		return PersistenceAOFNoFsync
	case d.AppendOnly:
		return PersistenceAOF
	case d.Save != "":
		return PersistenceRDB
	}
	return PersistenceNone
}

// ConfigUnavailableError says Redis answered CONFIG GET with an error: CONFIG is renamed or
// disabled (managed Redis) or the ACL user may not run it. Only the operator can then vouch
// for the configuration.
type ConfigUnavailableError struct{ Err error }

func (e *ConfigUnavailableError) Error() string {
	return fmt.Sprintf("Redis refuses CONFIG GET: %v", e.Err)
}

func (e *ConfigUnavailableError) Unwrap() error { return e.Err }

// durabilityParameters are read in one pipeline; one CONFIG GET with several parameters
// needs Redis 7.
var durabilityParameters = []string{"maxmemory-policy", "maxmemory", "appendonly", "appendfsync", "save"}

// ReadDurability reads the durability settings of the Redis client writes to (the primary,
// behind Sentinel) with CONFIG GET. A Redis that refuses CONFIG gives a
// *ConfigUnavailableError; an unreachable one the transport error.
func ReadDurability(ctx context.Context, client goredis.UniversalClient) (Durability, error) {
	cmds := make([]*goredis.MapStringStringCmd, len(durabilityParameters))
	_, err := client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, name := range durabilityParameters {
			cmds[i] = p.ConfigGet(ctx, name)
		}
		return nil
	})
	if err != nil {
		var redisErr goredis.Error
		if errors.As(err, &redisErr) {
			return Durability{}, &ConfigUnavailableError{Err: err}
		}
		return Durability{}, fmt.Errorf("read the Redis configuration: %w", err)
	}
	values := map[string]string{}
	for i, name := range durabilityParameters {
		v, ok := cmds[i].Val()[name]
		if !ok {
			// A proxy that accepts CONFIG GET but hides the values is as opaque as one
			// that refuses it.
			return Durability{}, &ConfigUnavailableError{Err: fmt.Errorf("CONFIG GET %s answered nothing", name)}
		}
		values[name] = v
	}
	maxmemory, err := strconv.ParseInt(values["maxmemory"], 10, 64)
	if err != nil {
		return Durability{}, fmt.Errorf("read the Redis configuration: maxmemory %q: %w", values["maxmemory"], err)
	}
	return Durability{
		MaxmemoryPolicy: values["maxmemory-policy"],
		Maxmemory:       maxmemory,
		AppendOnly:      values["appendonly"] == "yes",
		AppendFsync:     values["appendfsync"],
		Save:            values["save"],
	}, nil
}

// DurabilityPolicy is what netweave demands of its Redis (the --redis-require-aof and
// --redis-durability-asserted flags).
type DurabilityPolicy struct {
	// RequireAOF makes anything short of an AOF fsynced at least every second a reason not
	// to be ready, rather than a warning.
	RequireAOF bool
	// Asserted trusts the operator when Redis will not show its configuration.
	Asserted bool
}

// DurabilityVerdict is the policy's judgement of one reading.
type DurabilityVerdict struct {
	// Persistence is the mode in force; "" when Redis could not be asked.
	Persistence string
	// Unfit, when set, is why netweave must not be ready on this Redis.
	Unfit error
	// Warning, when set, is a durability gap the operator should hear about loudly.
	Warning string
}

// Judge decides on one reading: d, or readErr when reading failed.
func (p DurabilityPolicy) Judge(d Durability, readErr error) DurabilityVerdict {
	if readErr != nil {
		var unavailable *ConfigUnavailableError
		switch {
		case !errors.As(readErr, &unavailable):
			return DurabilityVerdict{Unfit: readErr}
		case p.Asserted:
			return DurabilityVerdict{Persistence: PersistenceAsserted}
		}
		return DurabilityVerdict{Unfit: fmt.Errorf("%w: cannot tell whether Redis may evict netweave's keys; allow netweave's Redis user CONFIG GET, "+
			"or, where CONFIG is unavailable (managed Redis), make sure maxmemory-policy is noeviction and AOF is on, and set --redis-durability-asserted", readErr)}
	}
	if d.MaxmemoryPolicy != NoEviction {
		return DurabilityVerdict{Persistence: d.Persistence(), Unfit: fmt.Errorf(
			"maxmemory-policy is %s (maxmemory %d bytes): once Redis is full it deletes keys, and netweave's objects with them, without a trace; set maxmemory-policy %s",
			d.MaxmemoryPolicy, d.Maxmemory, NoEviction)}
	}
	v := DurabilityVerdict{Persistence: d.Persistence()}
	var gap string
	switch v.Persistence {
	case PersistenceAOF:
		return v
	case PersistenceAOFNoFsync:
		gap = "appendfsync is no: the OS decides when acknowledged writes reach the disk, so a host crash can lose many seconds of them"
	case PersistenceRDB:
		gap = "only RDB snapshots are on: a crash loses every write since the last snapshot"
	default:
		gap = "neither AOF nor RDB is on: a Redis restart loses the whole O2 inventory"
	}
	gap += "; set appendonly yes and appendfsync everysec"
	if p.RequireAOF {
		v.Unfit = fmt.Errorf("%s (--redis-require-aof)", gap)
	} else {
		v.Warning = gap
	}
	return v
}
