package unique

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

func TestKeyOfLowerCasesAndWrapsErrors(t *testing.T) {
	idx := Index{Field: "spec.id", Value: func(runtime.Object) (string, error) { return "39C85E74-AbC", nil }}
	got, err := idx.KeyOf(nil)
	if err != nil || got != "39c85e74-abc" {
		t.Fatalf("KeyOf = %q, %v; want lower-cased id", got, err)
	}
	broken := Index{Field: "spec.id", Value: func(runtime.Object) (string, error) { return "", errors.New("boom") }}
	if _, err := broken.KeyOf(nil); err == nil || !strings.Contains(err.Error(), "spec.id") {
		t.Fatalf("KeyOf error %v should name the field", err)
	}
}

func TestConflictMessageNamesFieldAndValueOnly(t *testing.T) {
	idx := Index{Field: "spec.resourcePoolId"}
	want := "spec.resourcePoolId 39c8 is already used by another object"
	if got := idx.ConflictMessage("39c8"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
