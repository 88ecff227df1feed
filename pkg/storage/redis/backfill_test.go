package redis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestUniqueIndexBackfillsExistingObjects: objects written by a store without the index (an
// older netweave) are indexed when a store with the index starts, so a new object cannot take
// an id an existing one holds; objects that already share a value are kept, not deleted.
func TestUniqueIndexBackfillsExistingObjects(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	plain := env.newStore(t, withPathPrefix("registry"), withInstallPrefix("backfill"))
	for _, o := range []struct{ ns, id string }{{"a", "x1"}, {"b", "x2"}, {"c", "x1"}} {
		if _, err := createWithID(ctx, plain, o.ns, "p", o.id); err != nil {
			t.Fatal(err)
		}
	}

	idx := nodeNameIndex
	s := env.newStore(t, withUniqueIndex(&idx), withPathPrefix("registry"), withInstallPrefix("backfill"))
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		_, found1, err1 := s.KeyForUniqueValue(ctx, "x1")
		_, found2, err2 := s.KeyForUniqueValue(ctx, "x2")
		return found1 && found2 && err1 == nil && err2 == nil, nil
	})
	if err != nil {
		t.Fatal("existing objects were not indexed")
	}
	expectHolder(ctx, t, s, "x2", "/pods/b/p")
	_, err = createWithID(ctx, s, "d", "p", "X2")
	expectUniqueConflict(t, err, "spec.nodeName X2")

	// Both objects that shared x1 are still there.
	for _, ns := range []string{"a", "c"} {
		if err := s.Get(ctx, fmt.Sprintf("/pods/%s/p", ns), storage.GetOptions{}, &example.Pod{}); err != nil {
			t.Errorf("object %s/p after backfill: %v", ns, err)
		}
	}
}
