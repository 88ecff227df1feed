package readcache

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// The unique index maps each object's unique value (Config.UniqueIndex,
// lower-cased) to its key, so a list selecting one O2 id reads one object
// instead of scanning the resource. The store refuses a second holder of a
// value, but objects stored before its index existed may share one (its
// backfill reports them and leaves them be): the index keeps every holder, or
// a list would miss the others, and all of them once the indexed one goes.

// uniqueKeys maps unique values to the keys holding them. Nearly every value has
// one holder, in one; the others of a value held more than once are in more.
type uniqueKeys struct {
	one  map[string]string
	more map[string][]string
}

func newUniqueKeys() uniqueKeys {
	return uniqueKeys{one: map[string]string{}, more: map[string][]string{}}
}

func (u uniqueKeys) add(value, key string) {
	first, ok := u.one[value]
	switch {
	case !ok:
		u.one[value] = key
	case first != key && !slices.Contains(u.more[value], key):
		u.more[value] = append(u.more[value], key)
	}
}

func (u uniqueKeys) remove(value, key string) {
	rest := u.more[value]
	if u.one[value] == key {
		if len(rest) == 0 {
			delete(u.one, value)
			return
		}
		u.one[value], rest = rest[0], rest[1:]
	} else {
		rest = slices.DeleteFunc(rest, func(k string) bool { return k == key })
	}
	if len(rest) == 0 {
		delete(u.more, value)
	} else {
		u.more[value] = rest
	}
}

// indexUnique records obj's value under key; callers hold c.mu.
func (c *Cache) indexUnique(byUnique uniqueKeys, obj runtime.Object, key string) error {
	if c.cfg.UniqueIndex == nil {
		return nil
	}
	value, err := c.cfg.UniqueIndex.KeyOf(obj)
	if err != nil {
		return fmt.Errorf("cache: indexing %q: %w", key, err)
	}
	if value != "" {
		byUnique.add(value, key)
	}
	return nil
}

// unindexUnique forgets that key holds obj's value; callers hold c.mu.
func (c *Cache) unindexUnique(obj runtime.Object, key string) error {
	if c.cfg.UniqueIndex == nil {
		return nil
	}
	value, err := c.cfg.UniqueIndex.KeyOf(obj)
	if err != nil {
		return fmt.Errorf("cache: unindexing %q: %w", key, err)
	}
	c.byUnique.remove(value, key)
	return nil
}

// uniqueSelection returns the unique value a list is restricted to, when its
// field selector requires an exact match on the indexed field.
func (c *Cache) uniqueSelection(pred storage.SelectionPredicate) (string, bool) {
	if c.cfg.UniqueIndex == nil || pred.Field == nil || pred.Field.Empty() {
		return "", false
	}
	value, ok := pred.Field.RequiresExactMatch(c.cfg.UniqueIndex.Field)
	// Objects without a value are not indexed: a selection of the empty value is a scan.
	return value, ok && value != ""
}

// keysForUnique returns the keys under keyPrefix whose object holds value, in
// order, as a scan would find them; callers hold c.mu. The predicate still runs
// on the result, so a case-only mismatch is filtered exactly as a scan would
// filter it.
func (c *Cache) keysForUnique(value, keyPrefix string, recursive bool) []string {
	value = unique.Key(value)
	first, ok := c.byUnique.one[value]
	if !ok {
		return nil
	}
	var keys []string
	for _, key := range append([]string{first}, c.byUnique.more[value]...) {
		if recursive && strings.HasPrefix(key, keyPrefix) || !recursive && key == keyPrefix {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}
