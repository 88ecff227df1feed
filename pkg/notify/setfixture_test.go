package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/test/redisserver"
)

// setFixture is what a subscription set runs on in the tests of one set: a real Redis and its
// store, a real sender that allows loopback callbacks, and a callback backoff no test outlasts
// (an hour), so that only what the test does can end a wait between attempts.
type setFixture struct {
	rc       *goredis.Client
	store    *Store
	delivery *deliveryConfig
}

func newSetFixture(t *testing.T) *setFixture {
	t.Helper()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rc.Close() })
	store := NewStore(rc, "t")
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &setFixture{rc: rc, store: store, delivery: &deliveryConfig{store: store, metrics: m, sender: hostileSender(t, time.Minute, nil),
		backoff: Backoff{Base: time.Hour, Max: time.Hour}, depth: new(atomic.Int64), batch: 32, idlePoll: time.Hour,
		storeRetry: storeRetry(), acks: newAcker(store, storeRetry()), changed: func(string, bool) {}}}
}

// set returns a subscription set of kind, in which authz decides what subscribers may get; its
// queues are shut down when the test ends.
func (f *setFixture) set(t *testing.T, kind *subscriptionKind, authz authorizer.Authorizer) *subscriptions {
	s := newSubscriptions(kind, "o2ims-system", *f.delivery, newVisibility(authz, nil), time.Second)
	t.Cleanup(func() {
		s.syncs.ShutDown()
		s.statuses.ShutDown()
	})
	return s
}

// refusingCallback is a callback that answers every notification 503, and tells refused of each.
func refusingCallback(t *testing.T, refused chan<- struct{}) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		if refused != nil {
			refused <- struct{}{}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// storedSubscriptions stands for the InventorySubscriptions in the store: the kind a set reads
// them through (kind) gets them by name, and a test puts, edits and removes them meanwhile.
type storedSubscriptions struct {
	mu   sync.Mutex
	objs map[string]*v1alpha1.InventorySubscription
}

func newStoredSubscriptions(objs ...*v1alpha1.InventorySubscription) *storedSubscriptions {
	s := &storedSubscriptions{objs: map[string]*v1alpha1.InventorySubscription{}}
	for _, o := range objs {
		s.put(o)
	}
	return s
}

func (s *storedSubscriptions) put(obj *v1alpha1.InventorySubscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objs[obj.Name] = obj
}

func (s *storedSubscriptions) remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objs, name)
}

// edit changes the stored subscription name (which must be there).
func (s *storedSubscriptions) edit(name string, change func(*v1alpha1.InventorySubscription)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(s.objs[name])
}

// kind is an InventorySubscription kind over s; status writes succeed and are dropped.
func (s *storedSubscriptions) kind(queues string) *subscriptionKind {
	return &subscriptionKind{family: inventoryFamily, name: "InventorySubscription", queues: queues,
		get: func(_, name string) (*subscriptionObject, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if o := s.objs[name]; o != nil {
				return inventorySubscription(o.DeepCopy()), nil
			}
			return nil, nil
		},
		list: func() ([]*subscriptionObject, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			out := make([]*subscriptionObject, 0, len(s.objs))
			for _, o := range s.objs {
				out = append(out, inventorySubscription(o.DeepCopy()))
			}
			return out, nil
		},
		updateStatus: func(context.Context, *subscriptionObject, v1alpha1.InventorySubscriptionStatus) error { return nil }}
}

// unansweredSubscription is the InventorySubscription ns/name (uid "uid-<name>") of smo, whose
// callback is a documentation address that never answers.
func unansweredSubscription(ns, name string) *v1alpha1.InventorySubscription {
	return &v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name), ResourceVersion: "10"},
		Spec:       v1alpha1.InventorySubscriptionSpec{Callback: "http://192.0.2.1/cb", Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
	}
}
