package validation

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
)

// The regressions below were found by the registry's strategy fuzz test
// (pkg/registry/o2ims/strategies_fuzz_test.go); each test fails on the code before its fix.

// TestRegressionUUIDErrorIsDeterministic: the example in a bad UUID's error was a fresh random
// UUID, so the same object got a different 422 on every try (a dry run disagreed with the
// real write, and clients comparing errors saw a change where there was none).
func TestRegressionUUIDErrorIsDeterministic(t *testing.T) {
	path := field.NewPath("spec", "oCloudId")
	first, second := ValidateUUID("not-a-uuid", path), ValidateUUID("not-a-uuid", path)
	if len(first) != 1 || !reflect.DeepEqual(first, second) {
		t.Errorf("one bad id, two answers:\n%v\n%v", first, second)
	}
}

// TestRegressionMapKeyErrorsInOrder: the keys of a free-form map were checked in Go's random
// map order, so an object with several bad keys got its errors in a different order on every
// try.
func TestRegressionMapKeyErrorsInOrder(t *testing.T) {
	ext := o2ims.Extensions{}
	fields := map[string]string{}
	for _, c := range "abcdefgh" {
		key := strings.Repeat(string(c), maxExtensionKeyLength+1)
		ext[key] = o2ims.JSON{Raw: []byte("1")}
		fields[key] = "v"
	}
	dict := func() *o2ims.AlarmDictionary {
		return &o2ims.AlarmDictionary{Spec: o2ims.AlarmDictionarySpec{
			AlarmDefinitions: []o2ims.AlarmDefinition{{AlarmAdditionalFields: fields}},
		}}
	}
	path := field.NewPath("spec", "extensions")
	firstExt, firstDict := validateExtensions(ext, path), ValidateAlarmDictionary(dict())
	for i := 0; i < 20; i++ {
		if got := validateExtensions(ext, path); !reflect.DeepEqual(got, firstExt) {
			t.Fatalf("extensions: errors in another order:\n%v\n%v", firstExt, got)
		}
		if got := ValidateAlarmDictionary(dict()); !reflect.DeepEqual(got, firstDict) {
			t.Fatalf("alarmAdditionalFields: errors in another order:\n%v\n%v", firstDict, got)
		}
	}
}

// TestRegressionCappedKeepsFirstErrorsInOrder: Capped bounds the errors, keeps the same ones
// whatever order they came in, and says how many it left out.
func TestRegressionCappedKeepsFirstErrorsInOrder(t *testing.T) {
	var errs field.ErrorList
	for i := 0; i < 3*MaxErrors; i++ {
		errs = append(errs, field.Required(field.NewPath("spec", "tags").Index(i), ""))
	}
	reversed := slices.Clone(errs)
	slices.Reverse(reversed)
	got, again := Capped(errs), Capped(reversed)
	if len(got) != MaxErrors || !reflect.DeepEqual(got, again) {
		t.Fatalf("capped to %d and %d errors, or to different ones", len(got), len(again))
	}
	if last := got[len(got)-1]; last.Field == "" || !strings.Contains(last.Detail, fmt.Sprintf("%d more errors", 2*MaxErrors)) {
		t.Errorf("last error %v does not say how many were left out", last)
	}
	if short := errs[:MaxErrors]; !reflect.DeepEqual(Capped(short), short) {
		t.Error("a list within the cap was changed")
	}
}

// TestRegressionNodeSelectorErrorsInOrder: a pool's nodeSelector.matchLabels were checked in
// apimachinery's map order, so several bad labels came back in a different order each try.
func TestRegressionNodeSelectorErrorsInOrder(t *testing.T) {
	labels := map[string]string{}
	for _, c := range "abcdefgh" {
		labels[string(c)+"!"] = "v"
	}
	pool := &o2ims.ResourcePool{Spec: o2ims.ResourcePoolSpec{NodeSelector: &metav1.LabelSelector{MatchLabels: labels}}}
	first := ValidateResourcePool(pool)
	for i := 0; i < 20; i++ {
		if got := ValidateResourcePool(pool); !reflect.DeepEqual(got, first) {
			t.Fatalf("errors in another order:\n%v\n%v", first, got)
		}
	}
}
