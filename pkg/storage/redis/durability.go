package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

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
	// Version is Redis's redis_version (INFO server); "" when Redis would not say.
	Version string
}

// MinimumVersion is the oldest Redis netweave runs on. Older ones fail it late and badly:
// before 6.2 XTRIM MINID does not exist, so every write fails (after Redis applied it) once
// a resource's change history is first trimmed, thousands of writes after the start; before
// 7.0 Redis wraps the errors of commands inside scripts ("ERR Error running script … -OOM …"),
// so a full or read-only Redis is not recognised and its refusals are 500s instead of
// 507/503 (tested with 6.0.16: TestConformance and the history tests fail).
const MinimumVersion = "7.0"

// versionUnfit says why Redis version v is too old for netweave, nil when it is not or when
// v is unknown or not a release number (a Redis-compatible server that reports none is not
// refused for it).
func versionUnfit(v string) error {
	major, minor, ok := majorMinor(v)
	wantMajor, wantMinor, _ := majorMinor(MinimumVersion)
	if !ok || major > wantMajor || (major == wantMajor && minor >= wantMinor) {
		return nil
	}
	return fmt.Errorf("this Redis is %s, older than %s, the oldest netweave runs on: on it writes fail once a resource's change history is trimmed "+
		"(XTRIM MINID needs 6.2) and refusals inside scripts (OOM, READONLY) are not recognised (their form changed in 7.0); upgrade Redis (docs/redis.md)",
		v, MinimumVersion)
}

// majorMinor parses the first two numbers of a version such as "7.0.15".
func majorMinor(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return major, minor, err1 == nil && err2 == nil
}

// infoField is the value of field in an INFO reply, "" when absent.
func infoField(info, field string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), field+":"); ok {
			return v
		}
	}
	return ""
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
// Its version comes from INFO server in the same pipeline; with a *ConfigUnavailableError the
// returned Durability still holds it.
func ReadDurability(ctx context.Context, client goredis.UniversalClient) (Durability, error) {
	cmds := make([]*goredis.MapStringStringCmd, len(durabilityParameters))
	var info *goredis.StringCmd
	_, err := client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		info = p.Info(ctx, "server")
		for i, name := range durabilityParameters {
			cmds[i] = p.ConfigGet(ctx, name)
		}
		return nil
	})
	// Refused before any command ran (netweave's credentials, at the connection's AUTH), or
	// stopped at the Sentinels (which carry their refusal, or an unknown master's nil, as a
	// Redis error): CONFIG GET was never asked, so this tells nothing of the configuration, and
	// vouching for it (--redis-durability-asserted) must not make netweave ready on a Redis it
	// cannot reach, nor must the advice send the operator to CONFIG and that flag.
	if err != nil && (rejection(err) == rejectedAuth || fromSentinels(err)) {
		return Durability{}, fmt.Errorf("read the Redis configuration: %w: %s", err, RefusalAdvice(err))
	}
	var redisErr goredis.Error
	if err != nil && !errors.As(err, &redisErr) {
		return Durability{}, fmt.Errorf("read the Redis configuration: %w", err)
	}
	// A refused INFO (an ACL without it) leaves the version unknown; it is not a reason to
	// distrust the configuration.
	d := Durability{Version: infoField(info.Val(), "redis_version")}
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil {
			return d, &ConfigUnavailableError{Err: err}
		}
	}
	values := map[string]string{}
	for i, name := range durabilityParameters {
		v, ok := cmds[i].Val()[name]
		if !ok {
			// A proxy that accepts CONFIG GET but hides the values is as opaque as one
			// that refuses it.
			return d, &ConfigUnavailableError{Err: fmt.Errorf("CONFIG GET %s answered nothing", name)}
		}
		values[name] = v
	}
	maxmemory, err := strconv.ParseInt(values["maxmemory"], 10, 64)
	if err != nil {
		return Durability{}, fmt.Errorf("read the Redis configuration: maxmemory %q: %w", values["maxmemory"], err)
	}
	d.MaxmemoryPolicy = values["maxmemory-policy"]
	d.Maxmemory = maxmemory
	d.AppendOnly = values["appendonly"] == "yes"
	d.AppendFsync = values["appendfsync"]
	d.Save = values["save"]
	return d, nil
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

// What a failover to a replica would make of netweave (netweave_redis_replicas).
const (
	ReplicaFit     = "fit"
	ReplicaWeak    = "weak"
	ReplicaUnfit   = "unfit"
	ReplicaUnknown = "unknown"
)

// ReplicaVerdicts lists every replica verdict, so the gauge can zero the ones no replica has.
var ReplicaVerdicts = []string{ReplicaFit, ReplicaWeak, ReplicaUnfit, ReplicaUnknown}

// DurabilityVerdict is the policy's judgement of one reading.
type DurabilityVerdict struct {
	// Persistence is the mode in force; "" when Redis could not be asked.
	Persistence string
	// Unfit, when set, is why netweave must not be ready on this Redis.
	Unfit error
	// Warning, when set, is a durability gap the operator should hear about loudly.
	Warning string
}

// Judge decides on one reading: d, or readErr when reading failed. A Redis older than
// MinimumVersion is unfit whatever its configuration.
func (p DurabilityPolicy) Judge(d Durability, readErr error) DurabilityVerdict {
	v := p.judgeConfig(d, readErr)
	if err := versionUnfit(d.Version); err != nil {
		v.Unfit, v.Warning = err, ""
	}
	return v
}

// JudgeReplica decides what a failover to a replica read as d (or readErr) would make of
// netweave: one of ReplicaVerdicts, and why when it is not ReplicaFit. A replica whose
// configuration could not be read is unknown, not unfit: it may be restarting, or refuse
// CONFIG as the primary may.
func (p DurabilityPolicy) JudgeReplica(d Durability, readErr error) (verdict, why string) {
	v := p.Judge(d, readErr)
	switch {
	case v.Unfit != nil && (readErr == nil || versionUnfit(d.Version) != nil):
		return ReplicaUnfit, v.Unfit.Error()
	case v.Unfit != nil:
		return ReplicaUnknown, v.Unfit.Error()
	case v.Warning != "":
		return ReplicaWeak, v.Warning
	}
	return ReplicaFit, ""
}

// judgeConfig decides on the configuration of one reading.
func (p DurabilityPolicy) judgeConfig(d Durability, readErr error) DurabilityVerdict {
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
