package o2rest

import (
	"context"
	"sync"
)

// keyLocks serialises work per exact key, and a wait for a key ends with the waiter's
// context. Subscription POSTs hold their key across the callback's DNS lookups and the
// create: with a hashed set of locks, one tenant's slow callback host would hold up every
// other caller whose key shares its slot, past their own request's end.
type keyLocks struct {
	mu   sync.Mutex
	held map[string]*keyLock
}

// keyLock is one key's lock: a token in ch is the lock held; refs counts its holder and
// waiters, and the entry goes when it drops to zero.
type keyLock struct {
	ch   chan struct{}
	refs int
}

func newKeyLocks() *keyLocks { return &keyLocks{held: map[string]*keyLock{}} }

// lock takes key's lock, or returns ctx's error once ctx ends first; unlock releases it.
func (l *keyLocks) lock(ctx context.Context, key string) (unlock func(), err error) {
	l.mu.Lock()
	k := l.held[key]
	if k == nil {
		k = &keyLock{ch: make(chan struct{}, 1)}
		l.held[key] = k
	}
	k.refs++
	l.mu.Unlock()
	select {
	case k.ch <- struct{}{}:
		return func() {
			<-k.ch
			l.release(key, k)
		}, nil
	case <-ctx.Done():
		l.release(key, k)
		return nil, ctx.Err()
	}
}

func (l *keyLocks) release(key string, k *keyLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k.refs--
	if k.refs == 0 {
		delete(l.held, key)
	}
}
