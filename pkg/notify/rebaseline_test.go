package notify

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

func poolAt(name, uid, rv, desc string) *v1alpha1.ResourcePool {
	return &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + uid), ResourceVersion: rv,
			CreationTimestamp: metav1.NewTime(time.Unix(int64(len(uid)), 0))},
		Spec: v1alpha1.ResourcePoolSpec{ResourcePoolID: "id-" + name, Description: desc},
	}
}

// TestRebaselineDiff: after a wipe, each object the notifier last processed is compared by name
// with what the store holds now; store-assigned fields (uid, resourceVersion, creation time) do
// not make a change.
func TestRebaselineDiff(t *testing.T) {
	prior := map[string]runtime.Object{
		"ns/vanished":  poolAt("vanished", "a", "40", "x"),
		"ns/changed":   poolAt("changed", "b", "41", "old"),
		"ns/unchanged": poolAt("unchanged", "c", "42", "same"),
	}
	items := []runtime.Object{
		poolAt("unchanged", "c-recreated", "3", "same"),
		poolAt("changed", "b-recreated", "4", "new"),
		poolAt("new", "d", "5", "fresh"),
	}
	now := time.Now()
	evs, err := rebaselineDiff(model.KindResourcePool, prior, items, "6", now)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		name string
		typ  EventType
		rv   string
	}
	wants := []want{{"changed", Modify, "4"}, {"new", Create, "5"}, {"vanished", Delete, "6-gone-40"}}
	if len(evs) != len(wants) {
		t.Fatalf("got %d events, want %d: %+v", len(evs), len(wants), evs)
	}
	for i, w := range wants {
		ev := evs[i]
		if ev.Name != w.name || ev.Type != w.typ || ev.ResourceVersion != w.rv {
			t.Errorf("event %d: %s %s at %s, want %s %s at %s", i, ev.Type, ev.Name, ev.ResourceVersion, w.typ, w.name, w.rv)
		}
	}
	if evs[0].Prior != prior["ns/changed"] || evs[0].Post != items[1] {
		t.Errorf("MODIFY carries prior %v and post %v, want the remembered and the listed object", evs[0].Prior, evs[0].Post)
	}
	if evs[2].Prior != prior["ns/vanished"] || evs[2].Post != nil {
		t.Errorf("DELETE carries prior %v and post %v, want the remembered object only", evs[2].Prior, evs[2].Post)
	}

	// The same re-baseline (a redelivery, another notifier instance) gives the same ids, and
	// every change its own.
	again, err := rebaselineDiff(model.KindResourcePool, prior, items, "6", now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i, ev := range evs {
		id := NotificationID("sub", ev)
		if id != NotificationID("sub", again[i]) {
			t.Errorf("%s %s: id differs between two identical re-baselines", ev.Type, ev.Name)
		}
		ids[id] = true
	}
	if len(ids) != len(evs) {
		t.Errorf("ids not distinct: %v", ids)
	}
	// The DELETE's id differs from the one a live deletion of that object at its last
	// resourceVersion would have had, and from a plain re-list's (at a list of the store before
	// the wipe, so after 40).
	live := &Event{Type: Delete, Kind: model.KindResourcePool, UID: "uid-a", ResourceVersion: "40"}
	relisted := &Event{Type: Delete, Kind: model.KindResourcePool, UID: "uid-a", ResourceVersion: "41-gone-40"}
	if id := NotificationID("sub", evs[2]); id == NotificationID("sub", live) || id == NotificationID("sub", relisted) {
		t.Error("the re-baseline DELETE reuses the id of another deletion")
	}
	// The MODIFY's id differs from the one of the change that made the object's
	// resourceVersion: after a rollback that change was notified with other content.
	made := &Event{Type: Modify, Kind: model.KindResourcePool, UID: "uid-b-recreated", ResourceVersion: "4"}
	if evs[0].Rebaseline != "6" || NotificationID("sub", evs[0]) == NotificationID("sub", made) {
		t.Errorf("the re-baseline MODIFY (rebaseline %q) reuses the id of the change at its resourceVersion", evs[0].Rebaseline)
	}
}

// TestRegressionRollbackPastTheCursorIsNoticed: a failover to a replica that lacked the last
// writes, which other writes carried past the notifier's cursor before it relisted, went by as
// an ordinary relist: the list's resourceVersion is above the cursor. A pool the discarded
// writes had changed was then told reverted under the notificationId of its earlier change at
// that resourceVersion (a receiver deduplicating by id drops it), and a pool whose
// resourceVersion the new writes made again with other content was not told at all. The
// objects show it: an object's resourceVersion only grows.
func TestRegressionRollbackPastTheCursorIsNoticed(t *testing.T) {
	ctx := context.Background()
	w := newWatcher(kindSource{kind: model.KindResourcePool}, nil, &recordingEmitter{}, Backoff{})
	for _, p := range []*v1alpha1.ResourcePool{poolAt("p", "a", "100", "c0"), poolAt("q", "b", "101", "q0"), poolAt("p", "a", "103", "c1")} {
		if err := w.changed(ctx, p, true); err != nil {
			t.Fatal(err)
		}
	}
	typed := poolAt("p", "a", "103", "c1")
	typed.SetGroupVersionKind(v1alpha1.SchemeGroupVersion.WithKind("ResourcePool"))
	for _, tc := range []struct {
		name  string
		items []runtime.Object
		want  bool
	}{
		{"an object back at an older resourceVersion", []runtime.Object{poolAt("q", "b", "101", "q0"), poolAt("p", "a", "100", "c0")}, true},
		{"an object's resourceVersion made again with other content", []runtime.Object{poolAt("p", "a", "103", "c2")}, true},
		{"the recorded state, listed with its apiVersion and kind", []runtime.Object{typed, poolAt("q", "b", "101", "q0")}, false},
		{"ordinary changes", []runtime.Object{poolAt("p", "a", "104", "c3"), poolAt("q", "b", "105", "q1"), poolAt("r", "c", "106", "new")}, false},
		{"a namesake at a lower resourceVersion (a replacement)", []runtime.Object{poolAt("p", "other", "50", "x")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.regressed(tc.items)
			if err != nil || got != tc.want {
				t.Errorf("regressed: %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestRebaselineDiffNothingChanged: a store re-created exactly as it was tells nothing.
func TestRebaselineDiffNothingChanged(t *testing.T) {
	prior := map[string]runtime.Object{"ns/p": poolAt("p", "a", "40", "x")}
	evs, err := rebaselineDiff(model.KindResourcePool, prior, []runtime.Object{poolAt("p", "a2", "2", "x")}, "3", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 0 {
		t.Errorf("got %+v, want nothing", evs)
	}
}
