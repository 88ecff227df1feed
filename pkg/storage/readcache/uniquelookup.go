package readcache

import (
	"context"
	"errors"
)

// uniqueLookup is what a store with a unique index answers.
type uniqueLookup interface {
	KeyForUniqueValue(ctx context.Context, value string) (key string, found bool, err error)
}

// KeyForUniqueValue asks the store below which key holds value. It goes to the store rather
// than the in-memory index because callers use it to decide a write: the store is
// authoritative, the cache may lag.
func (c *Cache) KeyForUniqueValue(ctx context.Context, value string) (string, bool, error) {
	u, ok := c.Interface.(uniqueLookup)
	if !ok {
		return "", false, errors.New("cache: the store below has no unique index lookup")
	}
	return u.KeyForUniqueValue(ctx, value)
}
