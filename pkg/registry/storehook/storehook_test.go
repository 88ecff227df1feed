package storehook

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic/registry"
)

// A check runs before the hooks installed earlier, and a refusal never reaches them: the
// kind's own hooks (reference resolution, the dry-run id check) must not answer for a write
// the rule refuses, or their errors would tell the caller what the rule hides.
func TestCheckRunsFirstAndRefusalStops(t *testing.T) {
	var calls []string
	store := &registry.Store{
		BeginCreate: func(context.Context, runtime.Object, *metav1.CreateOptions) (registry.FinishFunc, error) {
			calls = append(calls, "kind create")
			return func(context.Context, bool) {}, nil
		},
	}
	refuse := errors.New("refused")
	allow := true
	Check{
		Create: func(context.Context, runtime.Object) error {
			calls = append(calls, "rule create")
			if allow {
				return nil
			}
			return refuse
		},
		Update: func(context.Context, runtime.Object, runtime.Object) error {
			calls = append(calls, "rule update")
			return refuse
		},
	}.Install(store)

	if _, err := store.BeginCreate(context.Background(), nil, nil); err != nil {
		t.Fatalf("allowed create: %v", err)
	}
	allow = false
	if _, err := store.BeginCreate(context.Background(), nil, nil); !errors.Is(err, refuse) {
		t.Fatalf("refused create: got %v", err)
	}
	// No BeginUpdate was installed before: the check alone answers, and refuses.
	if _, err := store.BeginUpdate(context.Background(), nil, nil, nil); !errors.Is(err, refuse) {
		t.Fatalf("refused update: got %v", err)
	}
	want := []string{"rule create", "kind create", "rule create", "rule update"}
	if len(calls) != len(want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Fatalf("calls %v, want %v", calls, want)
		}
	}
}

// A check of one verb leaves the other's hook as it was, and an allowed write with no hook
// before it still gets a finish function the store can call.
func TestCheckLeavesOtherVerbAlone(t *testing.T) {
	store := &registry.Store{}
	Check{Update: func(context.Context, runtime.Object, runtime.Object) error { return nil }}.Install(store)
	if store.BeginCreate != nil {
		t.Fatal("an update check installed a create hook")
	}
	finish, err := store.BeginUpdate(context.Background(), nil, nil, nil)
	if err != nil || finish == nil {
		t.Fatalf("allowed update: finish %v, err %v", finish != nil, err)
	}
	finish(context.Background(), true)
}
