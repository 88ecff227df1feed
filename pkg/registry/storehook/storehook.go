// Package storehook runs a check ahead of a generic registry store's create and update hooks.
// netweave's write rules that need the request's user (who may name a Secret, remove a
// controller's finalizer, redirect a subscription, exceed a subscription cap) cannot be
// strategy validation, which sees no authorizer; they run as the store's BeginCreate and
// BeginUpdate instead, before the hooks installed earlier (the kind's own reference and id
// checks), so a refused write never reaches them.
package storehook

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic/registry"
)

// Check is a write rule. Create is asked before every create (including a PUT or a server-side
// apply that creates), Update before every update with the stored object as old; either may be
// nil. A non-nil error refuses the write as it is.
type Check struct {
	Create func(ctx context.Context, obj runtime.Object) error
	Update func(ctx context.Context, obj, old runtime.Object) error
}

// Install makes store run c before the hooks it already has. Dry-run requests are checked
// alike, so a dry run promises nothing the real request refuses.
func (c Check) Install(store *registry.Store) {
	if c.Create != nil {
		next := store.BeginCreate
		store.BeginCreate = func(ctx context.Context, obj runtime.Object, options *metav1.CreateOptions) (registry.FinishFunc, error) {
			if err := c.Create(ctx, obj); err != nil {
				return nil, err
			}
			if next == nil {
				return finishNothing, nil
			}
			return next(ctx, obj, options)
		}
	}
	if c.Update != nil {
		next := store.BeginUpdate
		store.BeginUpdate = func(ctx context.Context, obj, old runtime.Object, options *metav1.UpdateOptions) (registry.FinishFunc, error) {
			if err := c.Update(ctx, obj, old); err != nil {
				return nil, err
			}
			if next == nil {
				return finishNothing, nil
			}
			return next(ctx, obj, old, options)
		}
	}
}

func finishNothing(context.Context, bool) {}
