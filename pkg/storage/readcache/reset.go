package readcache

// resetNotifier is implemented by stores that notice when they were wiped
// or rolled back (the Redis store's install epoch); fn runs before the
// operation that noticed returns.
type resetNotifier interface {
	OnReset(fn func())
}

// storeWentBack drops everything the cache knew about a store that was
// wiped or rolled back: its objects (the watch ends with 410 by itself and
// the cache relists) and the revision of this process's last write, which
// the new store may not reach for a long time, so reads would wait for it
// and fall back to the store until then.
func (c *Cache) storeWentBack() {
	c.resets.Add(1)
	c.lastWrite.Store(0)
	c.setUnready()
}
