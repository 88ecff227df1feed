package kind

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
)

// patchTypeKey holds a PATCH request's patch type in its context.
type patchTypeKey struct{}

// WithPatchType records the patch type of a PATCH request (its Content-Type) in ctx, so that
// PatchErrorsAsBadRequest advises what fits the patch sent: the generic handler keeps the
// type to itself.
func WithPatchType(ctx context.Context, pt types.PatchType) context.Context {
	return context.WithValue(ctx, patchTypeKey{}, pt)
}

// patchTypeFrom is the patch type WithPatchType recorded in ctx ("" when none).
func patchTypeFrom(ctx context.Context) types.PatchType {
	pt, _ := ctx.Value(patchTypeKey{}).(types.PatchType)
	return pt
}
