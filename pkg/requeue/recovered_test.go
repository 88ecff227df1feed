package requeue

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRecoveredTurnsAPanicIntoTheKeysError(t *testing.T) {
	err := Recovered(context.Background(), func() error {
		panic("index out of range [3] with length 2")
	})
	if err == nil || !strings.Contains(err.Error(), "reconcile panicked") || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("Recovered = %v, want the panic as an error", err)
	}
}

func TestRecoveredPassesTheReconcilesOwnAnswer(t *testing.T) {
	if err := Recovered(context.Background(), func() error { return nil }); err != nil {
		t.Fatalf("Recovered of a success = %v", err)
	}
	want := errors.New("conflict")
	if err := Recovered(context.Background(), func() error { return want }); !errors.Is(err, want) {
		t.Fatalf("Recovered of a failure = %v, want %v", err, want)
	}
}
