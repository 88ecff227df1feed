package alarmeventrecord

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// REST is the storage of alarmeventrecords: the kind's storage, with deletes of the O-Cloud's
// alarm records held to deletable.
type REST struct {
	*kind.REST
	tenancy *kind.Tenancy
}

// Delete deletes the record name if the requester may (deletable), after deleteValidation.
func (r *REST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	return r.REST.Delete(ctx, name, r.guard(deleteValidation), options)
}

// DeleteCollection deletes the records listOptions select, each only if the requester may: a
// `kubectl delete alarms --all` by a namespace's admin deletes that namespace's own records and
// is refused the O-Cloud's active ones.
func (r *REST) DeleteCollection(ctx context.Context, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions, listOptions *metainternalversion.ListOptions) (runtime.Object, error) {
	return r.REST.DeleteCollection(ctx, r.guard(deleteValidation), options, listOptions)
}

// guard runs deletable ahead of next. The store runs it on the record as stored, and again on
// the latest record inside its conditional delete, so a record re-raised meanwhile is judged
// as it is then.
func (r *REST) guard(next rest.ValidateObjectFunc) rest.ValidateObjectFunc {
	return func(ctx context.Context, obj runtime.Object) error {
		rec, ok := obj.(*o2ims.AlarmEventRecord)
		if !ok {
			return apierrors.NewInternalError(fmt.Errorf("check the delete of a %T as an alarm record", obj))
		}
		if err := r.deletable(ctx, rec); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return next(ctx, obj)
	}
}

// deletable refuses the delete of an O-Cloud alarm record (the recorder's) that is not yet
// cleared and acknowledged, outside the inventory namespace, to anyone but a cluster superuser or
// whoever may delete alarmeventrecords in all namespaces (the operator's cluster-wide role,
// Kubernetes' namespace controller when the namespace itself is deleted). Such records are kept
// in the namespace of the node or cluster they are about (a node pool namespace, a tenant
// cluster's), whose admin holds delete there through o2ims-admin: deleting an active one hid a
// present fault from the operator's SMO, which lists every namespace's alarms, without any
// notification, until the source restated it up to 10 minutes later and raised it as NEW
// again. The retention and an AlarmPurge delete a record once cleared and acknowledged; so may
// the namespace's admin. A tenant's own records (their ids are the server's random UUIDs) are
// theirs to delete.
func (r *REST) deletable(ctx context.Context, rec *o2ims.AlarmEventRecord) error {
	if r.tenancy == nil || rec.Namespace == r.tenancy.InventoryNamespace() || !validation.IsOCloudAlarmRecord(rec.Name, rec.Spec.AlarmEventRecordID) || clearedAndAcknowledged(rec) {
		return nil
	}
	ok, err := r.tenancy.MayEverywhere(ctx, "delete", Kind().Resource)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("authorize the delete of alarm record %s/%s: %w", rec.Namespace, rec.Name, err))
	}
	if ok {
		return nil
	}
	return apierrors.NewForbidden(o2ims.Resource(Kind().Resource), rec.Name, fmt.Errorf(
		"the O-Cloud's alarm records are deleted once cleared and acknowledged (by the retention period, an AlarmPurge or this namespace's admin); this one is %s",
		pendingState(rec)))
}

// clearedAndAcknowledged is what the retention and AlarmPurge require of a record they delete.
func clearedAndAcknowledged(rec *o2ims.AlarmEventRecord) bool {
	s := rec.Status
	return s.PerceivedSeverity == o2ims.PerceivedSeverityCleared && s.AlarmClearedTime != nil && s.AlarmAcknowledged
}

// pendingState says what a record still lacks to be deleted.
func pendingState(rec *o2ims.AlarmEventRecord) string {
	cleared := rec.Status.PerceivedSeverity == o2ims.PerceivedSeverityCleared && rec.Status.AlarmClearedTime != nil
	switch {
	case !cleared && !rec.Status.AlarmAcknowledged:
		return "neither cleared nor acknowledged"
	case !cleared:
		return "not cleared (it reports a present fault)"
	default:
		return "not acknowledged (set spec.acknowledged)"
	}
}
