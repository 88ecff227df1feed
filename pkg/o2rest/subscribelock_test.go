package o2rest

import (
	"context"
	"errors"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/util/wait"
)

// blockingChecker holds the callback check of one callback (an attacker's slow DNS) until
// released.
type blockingChecker struct {
	block   string
	entered chan struct{}
	once    sync.Once
	release chan struct{}
}

func (b *blockingChecker) CheckURL(ctx context.Context, callback string) error {
	if callback != b.block {
		return nil
	}
	b.once.Do(func() { close(b.entered) })
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return nil
}

// TestRegressionSubscribeLockDoesNotCoupleTenants: subscription POSTs were serialised per
// (kind, namespace, caller, callback) by 64 hashed locks, held across the callback's DNS check,
// the create and the wait for the cache, and a wait ignored the request's context: a tenant
// whose callback host resolves slowly held up another tenant's unrelated POST whose key shared
// its slot (the key here is chosen to share it under that hash), and 64 such POSTs every SMO's.
func TestRegressionSubscribeLockDoesNotCoupleTenants(t *testing.T) {
	const attackerCB = "https://slow.attacker.example/cb"
	slot := func(kind, ns, caller, cb string) uint32 {
		h := fnv.New32a()
		h.Write([]byte(kind + "\x00" + ns + "\x00" + caller + "\x00" + cb))
		return h.Sum32() % 64
	}
	want := slot("Subscription", "tenant-b", "admin", attackerCB)
	victimCB := ""
	for i := 0; i < 100000 && victimCB == ""; i++ {
		cb := "https://smo.example.net/cb-" + strconv.Itoa(i)
		if slot("Subscription", "tenant-a", "alice", cb) == want {
			victimCB = cb
		}
	}
	if victimCB == "" {
		t.Fatal("no colliding callback found")
	}
	bc := &blockingChecker{block: attackerCB, entered: make(chan struct{}), release: make(chan struct{})}
	e := newEnvWith(t, func(c *Config) { c.CallbackChecker = bc })
	post := func(ctx context.Context, token, path, callback string) (int, error) {
		return e.postJSON(ctx, token, path, `{"callback":"`+callback+`"}`)
	}
	attackerDone := make(chan struct{})
	go func() {
		defer close(attackerDone)
		_, _ = post(context.Background(), "admin-token", "/tenants/tenant-b"+inventory+"/v1/subscriptions", attackerCB)
	}()
	<-bc.entered
	// Bounded so that a POST stuck behind tenant-b's lock fails rather than hangs; long enough
	// for a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), wait.ForeverTestTimeout)
	defer cancel()
	status, err := post(ctx, "alice-token", "/tenants/tenant-a"+inventory+"/v1/subscriptions", victimCB)
	close(bc.release)
	<-attackerDone
	if err != nil || status != http.StatusCreated {
		t.Errorf("alice's POST of %s in tenant-a while tenant-b's POST of %s is in its callback check: status %d, err %v (want 201 without waiting)", victimCB, attackerCB, status, err)
	}
}

// TestKeyLocksWaitEndsWithTheContext: a second caller of one key waits for the first, and gives
// up when its context ends; a key no one holds or waits for is forgotten.
func TestKeyLocksWaitEndsWithTheContext(t *testing.T) {
	l := newKeyLocks()
	unlock, err := l.lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.lock(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("second lock of a held key with an ended context: %v, want context.Canceled", err)
	}
	unlock()
	again, err := l.lock(context.Background(), "k")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
	if n := len(l.held); n != 0 {
		t.Errorf("%d keys remembered after every lock was released, want 0", n)
	}
}
