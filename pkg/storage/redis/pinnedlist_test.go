package redis

import (
	"context"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestRegressionPinnedListHoldsOneChangePerKey: a list pinned to an old revision (an exact
// resourceVersion, a continue token) collected every change since that revision before it
// rewound its window, and read them all again for each window: up to the whole retained
// history (64 MiB by default) per request. A rewind needs only each key's first change after
// the revision and the type of its last, which is all a window keeps now, and the list still
// reads the object as it was.
func TestRegressionPinnedListHoldsOneChangePerKey(t *testing.T) {
	env := newTestEnv(t)
	s := env.newStore(t)
	ctx := context.Background()
	pinned := createPod(ctx, t, s, "ns", "p")
	for i := range 2*historyReadChunk + 1 {
		err := s.GuaranteedUpdate(ctx, "/pods/ns/p", &example.Pod{}, false, nil, storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			p := obj.(*example.Pod)
			p.Labels = map[string]string{"i": fmt.Sprint(i)}
			return p, nil
		}), nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	rev, err := s.versioner.ParseResourceVersion(pinned.ResourceVersion)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.readWindow(ctx, "list", keyRange{start: "/pods/", end: prefixRangeEnd("/pods/")}, maxWindow, int64(rev))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.touched) != 1 {
		t.Fatalf("one pinned list window of one key holds %d keys' changes, want 1", len(w.touched))
	}
	list := &example.PodList{}
	if err := s.GetList(ctx, "/pods/", storage.ListOptions{ResourceVersion: pinned.ResourceVersion, ResourceVersionMatch: "Exact",
		Predicate: storage.Everything, Recursive: true}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Labels["i"] != "" || list.Items[0].ResourceVersion != pinned.ResourceVersion {
		t.Fatalf("list at %s: %+v, want p as it was created", pinned.ResourceVersion, list.Items)
	}
}
