package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	fakerest "k8s.io/client-go/rest/fake"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned/scheme"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/test/redisserver"
)

// storeEmitter is the notifier's side of a watcher reduced to what matters for the recorded
// state: every change is committed to Redis as Notifier.emit does (state and cursor), and
// recorded; the emit numbered failAt (1-based) fails, as it does when the leader's context ends
// (leadership lost, process stopping).
type storeEmitter struct {
	store  *Store
	gen    uint64
	failAt int
	n      int
	events []*Event
}

func (e *storeEmitter) emit(ctx context.Context, ev *Event, state []byte, cursor string) error {
	e.n++
	if e.n == e.failAt {
		return context.Canceled
	}
	_, err := e.store.Commit(ctx, Change{Kind: string(ev.Kind), Key: ev.Namespace + "/" + ev.Name, State: state, Forget: state == nil, Cursor: cursor})
	if err != nil {
		return err
	}
	e.events = append(e.events, ev)
	return nil
}
func (e *storeEmitter) resumed(string)                           {}
func (e *storeEmitter) epoch(context.Context) (uint64, error)    { return e.gen, nil }
func (e *storeEmitter) wentBack(context.Context) (uint64, error) { return 0, errors.New("unexpected") }
func (e *storeEmitter) rebaselined(model.Kind)                   {}

// listSource is a kindSource of resource pools whose list answers items at rv.
func listSource(t *testing.T, rv string, items ...*v1alpha1.ResourcePool) kindSource {
	t.Helper()
	list := &v1alpha1.ResourcePoolList{}
	list.APIVersion, list.Kind = v1alpha1.SchemeGroupVersion.String(), "ResourcePoolList"
	list.ResourceVersion = rv
	for _, p := range items {
		list.Items = append(list.Items, *p)
	}
	body, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	c := &fakerest.RESTClient{
		NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		GroupVersion:         v1alpha1.SchemeGroupVersion,
		Client: fakerest.CreateHTTPClient(func(*http.Request) (*http.Response, error) {
			h := http.Header{}
			h.Set("Content-Type", "application/json")
			return &http.Response{StatusCode: http.StatusOK, Header: h, Body: io.NopCloser(bytes.NewReader(body))}, nil
		}),
	}
	var ri rest.Interface = c
	return kindSource{kind: model.KindResourcePool, client: ri, resource: "resourcepools", gvk: gvkOf(model.KindResourcePool)}
}

// TestRegressionInterruptedRebaselineDoesNotNotifyEverythingAsCreated: a re-baseline after a
// Redis wipe commits each change it tells (with the object's state) before it records the list
// as the kind's baseline and cursor. A leader stopped between the two left a partial state and
// no cursor; the next leader compared the list with that partial state and notified every
// object the inventory sync had re-created unchanged as a CREATE, to every subscription. Now a
// state without a cursor is a fresh baseline, as documented for a leader without the pre-wipe
// state.
func TestRegressionInterruptedRebaselineDoesNotNotifyEverythingAsCreated(t *testing.T) {
	ctx := context.Background()
	srv := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	store := NewStore(rc, "t")

	// The first leader processed three pools before the wipe.
	first := &storeEmitter{store: store}
	w1 := newWatcher(kindSource{kind: model.KindResourcePool}, store, first, Backoff{})
	for _, p := range []*v1alpha1.ResourcePool{poolAt("a-unchanged", "a", "10", "same"), poolAt("b-changed", "b", "11", "old"),
		poolAt("z-gone", "z", "12", "x")} {
		if err := w1.changed(ctx, p, true); err != nil {
			t.Fatal(err)
		}
	}
	// Wipe; the inventory sync re-creates a as it was and b changed; z is gone.
	if err := rc.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	listed := []*v1alpha1.ResourcePool{poolAt("a-unchanged", "a2", "2", "same"), poolAt("b-changed", "b2", "3", "new")}
	items := []runtime.Object{listed[0], listed[1]}
	// The re-baseline tells b's MODIFY, then the leader stops before z's DELETE.
	first.failAt, first.n = 2, 0
	if err := w1.rebaseline(ctx, items, "4"); err == nil {
		t.Fatal("the interrupted re-baseline did not fail")
	}

	// The next leader (same epoch: the wipe happened before it started).
	next := &storeEmitter{store: store}
	w2 := newWatcher(listSource(t, "4", listed...), store, next, Backoff{})
	if err := w2.load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w2.relist(ctx); err != nil {
		t.Fatal(err)
	}
	for _, ev := range next.events {
		if ev.Name == "a-unchanged" {
			t.Errorf("the next leader notified %s of %s, which the inventory sync re-created unchanged (loaded state %d objects, cursor %q)",
				ev.Type, ev.Name, len(w2.state), w2.cursor)
		}
	}
}
