package redis

import (
	"errors"
	"strings"
	"testing"
)

func TestDurabilityPolicyJudge(t *testing.T) {
	aof := Durability{MaxmemoryPolicy: NoEviction, AppendOnly: true, AppendFsync: "everysec"}
	with := func(change func(*Durability)) Durability {
		d := aof
		change(&d)
		return d
	}
	denied := &ConfigUnavailableError{Err: errors.New("NOPERM User netweave has no permissions to run the 'config|get' command")}
	for _, tc := range []struct {
		name        string
		policy      DurabilityPolicy
		d           Durability
		readErr     error
		persistence string
		unfit       string // substring of the readiness failure; "" when ready
		warning     string // substring of the warning; "" when none
	}{
		{name: "noeviction with AOF everysec is ready", d: aof, persistence: PersistenceAOF},
		{name: "AOF always is ready", d: with(func(d *Durability) { d.AppendFsync = "always" }), persistence: PersistenceAOF},
		{name: "an evicting policy is unfit", d: with(func(d *Durability) { d.MaxmemoryPolicy, d.Maxmemory = "allkeys-lru", 1<<20 }),
			persistence: PersistenceAOF, unfit: "maxmemory-policy is allkeys-lru"},
		{name: "volatile policies are unfit too", d: with(func(d *Durability) { d.MaxmemoryPolicy = "volatile-ttl" }),
			persistence: PersistenceAOF, unfit: "set maxmemory-policy noeviction"},
		{name: "eviction is unfit even when AOF is not required", policy: DurabilityPolicy{Asserted: true},
			d: with(func(d *Durability) { d.MaxmemoryPolicy, d.AppendOnly = "allkeys-random", false }), persistence: PersistenceNone, unfit: "allkeys-random"},
		{name: "no persistence warns", d: with(func(d *Durability) { d.AppendOnly = false }),
			persistence: PersistenceNone, warning: "neither AOF nor RDB"},
		{name: "AOF without fsync warns", d: with(func(d *Durability) { d.AppendFsync = "no" }),
			persistence: PersistenceAOFNoFsync, warning: "appendfsync is no"},
		{name: "RDB only warns", d: with(func(d *Durability) { d.AppendOnly, d.Save = false, "3600 1" }),
			persistence: PersistenceRDB, warning: "since the last snapshot"},
		{name: "required AOF makes no persistence unfit", policy: DurabilityPolicy{RequireAOF: true}, d: with(func(d *Durability) { d.AppendOnly = false }),
			persistence: PersistenceNone, unfit: "--redis-require-aof"},
		{name: "required AOF makes AOF without fsync unfit", policy: DurabilityPolicy{RequireAOF: true}, d: with(func(d *Durability) { d.AppendFsync = "no" }),
			persistence: PersistenceAOFNoFsync, unfit: "appendfsync is no"},
		{name: "required AOF makes RDB only unfit", policy: DurabilityPolicy{RequireAOF: true}, d: with(func(d *Durability) { d.AppendOnly, d.Save = false, "60 1000" }),
			persistence: PersistenceRDB, unfit: "RDB"},
		{name: "required AOF is met by AOF everysec", policy: DurabilityPolicy{RequireAOF: true}, d: aof, persistence: PersistenceAOF},
		{name: "CONFIG refused is unfit and says what to do", readErr: denied, unfit: "--redis-durability-asserted"},
		{name: "CONFIG refused is trusted when asserted", policy: DurabilityPolicy{Asserted: true, RequireAOF: true}, readErr: denied, persistence: PersistenceAsserted},
		{name: "an unreachable Redis is unfit even when asserted", policy: DurabilityPolicy{Asserted: true}, readErr: errors.New("dial tcp: connection refused"),
			unfit: "connection refused"},
		{name: "Redis 7.0 is ready", d: with(func(d *Durability) { d.Version = "7.0.15" }), persistence: PersistenceAOF},
		{name: "Redis 8 is ready", d: with(func(d *Durability) { d.Version = "8.2.1" }), persistence: PersistenceAOF},
		{name: "an unknown version is not refused", d: with(func(d *Durability) { d.Version = "" }), persistence: PersistenceAOF},
		{name: "a version that is no release number is not refused", d: with(func(d *Durability) { d.Version = "unstable" }), persistence: PersistenceAOF},
		{name: "Redis 6.2 is unfit", d: with(func(d *Durability) { d.Version = "6.2.14" }), persistence: PersistenceAOF, unfit: "this Redis is 6.2.14, older than 7.0"},
		{name: "Redis 6.0 is unfit, and says why", d: with(func(d *Durability) { d.Version = "6.0.16" }), persistence: PersistenceAOF, unfit: "XTRIM MINID"},
		{name: "an old Redis is unfit even when asserted, and its warning gives way", policy: DurabilityPolicy{Asserted: true},
			d: with(func(d *Durability) { d.Version, d.AppendOnly = "5.0.7", false }), persistence: PersistenceNone, unfit: "this Redis is 5.0.7"},
		{name: "an old Redis is unfit when CONFIG is refused and asserted", policy: DurabilityPolicy{Asserted: true}, d: Durability{Version: "6.0.16"},
			readErr: denied, persistence: PersistenceAsserted, unfit: "upgrade Redis"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.policy.Judge(tc.d, tc.readErr)
			if v.Persistence != tc.persistence {
				t.Errorf("persistence %q, want %q", v.Persistence, tc.persistence)
			}
			switch {
			case tc.unfit == "" && v.Unfit != nil:
				t.Errorf("unfit: %v", v.Unfit)
			case tc.unfit != "" && (v.Unfit == nil || !strings.Contains(v.Unfit.Error(), tc.unfit)):
				t.Errorf("unfit %v, want it to say %q", v.Unfit, tc.unfit)
			}
			if tc.warning == "" && v.Warning != "" || !strings.Contains(v.Warning, tc.warning) {
				t.Errorf("warning %q, want %q", v.Warning, tc.warning)
			}
		})
	}
}

func TestInfoField(t *testing.T) {
	info := "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\n"
	if got := infoField(info, "redis_version"); got != "7.0.15" {
		t.Errorf("redis_version %q, want 7.0.15", got)
	}
	if got := infoField(info, "valkey_version"); got != "" {
		t.Errorf("an absent field: %q", got)
	}
}
