package kindtest

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// OnlyCause returns the field and the message of a 422's only cause, failing t when err is
// not a 422 Invalid with exactly one cause.
func OnlyCause(t *testing.T, err error) (string, string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("want 422 Invalid, got %v", err)
	}
	causes := err.(apierrors.APIStatus).Status().Details.Causes
	if len(causes) != 1 {
		t.Fatalf("want one cause, got %+v", causes)
	}
	return causes[0].Field, causes[0].Message
}
