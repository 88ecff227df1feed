package readcache

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// The unique index maps each object's unique value (Config.UniqueIndex,
// lower-cased) to its key, so a list selecting one O2 id reads one object
// instead of scanning the resource. It relies on the store refusing
// duplicates: with one key per value, applying events in revision order
// keeps the map exact after every event.

// indexUnique records obj's value under key; callers hold c.mu.
func (c *Cache) indexUnique(byUnique map[string]string, obj runtime.Object, key string) error {
	if c.cfg.UniqueIndex == nil {
		return nil
	}
	value, err := c.cfg.UniqueIndex.KeyOf(obj)
	if err != nil {
		return fmt.Errorf("cache: indexing %q: %w", key, err)
	}
	if value != "" {
		byUnique[value] = key
	}
	return nil
}

// unindexUnique forgets obj's value if key still holds it; callers hold c.mu.
func (c *Cache) unindexUnique(obj runtime.Object, key string) error {
	if c.cfg.UniqueIndex == nil {
		return nil
	}
	value, err := c.cfg.UniqueIndex.KeyOf(obj)
	if err != nil {
		return fmt.Errorf("cache: unindexing %q: %w", key, err)
	}
	if c.byUnique[value] == key {
		delete(c.byUnique, value)
	}
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

// keysForUnique returns the (zero or one) keys under keyPrefix whose object
// holds value; callers hold c.mu. The predicate still runs on the result,
// so a case-only mismatch is filtered exactly as a scan would filter it.
func (c *Cache) keysForUnique(value, keyPrefix string, recursive bool) []string {
	key, ok := c.byUnique[unique.Key(value)]
	if !ok {
		return nil
	}
	if recursive && strings.HasPrefix(key, keyPrefix) || !recursive && key == keyPrefix {
		return []string{key}
	}
	return nil
}
