package redis

import (
	"path"
	"strings"

	"k8s.io/apiserver/pkg/storage"
)

// redisKeys names the Redis keys of one store. The install prefix is wrapped
// in braces so that Redis Cluster would hash every key of an install to one
// slot, which the multi-key Lua scripts need.
type redisKeys struct {
	rev   string
	epoch string
	// revIDs holds the fingerprints of the latest revisions (see
	// revisionRingSlots): which write made each revision, so a reader can tell a
	// revision it saw from the same number reused after a rollback.
	revIDs    string
	objPrefix string
	index     string
	stream    string
	compacted string
	size      string
	ttl       string
	unique    string
	// historyBytes is the approximate byte total of the change stream.
	historyBytes string
}

func newRedisKeys(installPrefix, resourceKey string) redisKeys {
	base := "{" + installPrefix + "}:"
	return redisKeys{
		rev:          base + "rev",
		epoch:        base + "epoch",
		revIDs:       base + "revid",
		objPrefix:    base + "o:",
		index:        base + "idx:" + resourceKey,
		stream:       base + "ev:" + resourceKey,
		compacted:    base + "cmp:" + resourceKey,
		size:         base + "sz:" + resourceKey,
		ttl:          base + "ttl:" + resourceKey,
		unique:       base + "uniq:" + resourceKey,
		historyBytes: base + "evb:" + resourceKey,
	}
}

func (k redisKeys) object(storageKey string) string { return k.objPrefix + storageKey }

// normalizePathPrefix mirrors etcd3 so keys look the same in both backends:
// "registry" and "/registry/" both become "/registry/".
func normalizePathPrefix(prefix string) string {
	p := path.Join("/", prefix)
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// prepareKey validates a caller key against the resource prefix and roots it
// under the path prefix.
func (s *Store) prepareKey(key string, recursive bool) (string, error) {
	key, err := storage.PrepareKey(s.resourcePrefix, key, recursive)
	if err != nil {
		return "", err
	}
	return s.pathPrefix + strings.TrimPrefix(key, "/"), nil
}

// prefixRangeEnd returns the smallest string greater than every string with
// the given prefix, like etcd's GetPrefixRangeEnd.
func prefixRangeEnd(prefix string) string {
	end := []byte(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return string(end[:i+1])
		}
	}
	// All 0xff: no upper bound; "+" in ZRANGEBYLEX terms.
	return ""
}
