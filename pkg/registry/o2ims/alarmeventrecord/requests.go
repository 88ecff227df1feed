package alarmeventrecord

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2ims"
)

// The operator's requests, spec.acknowledged and spec.clearRequested, take effect in the
// strategy itself, so `kubectl patch` acknowledges or clears an alarm without any controller
// running. Who acknowledged comes from the authenticated request, never from the body: the
// status a client sends to the main endpoint is replaced by the stored one first.

// prepareForCreate records the requests a new record carries, whatever status the creator
// wrote about them.
func prepareForCreate(ctx context.Context, obj runtime.Object) {
	rec := obj.(*o2ims.AlarmEventRecord)
	rec.Status.AlarmAcknowledged, rec.Status.AlarmAcknowledgedTime, rec.Status.AcknowledgedBy = false, nil, ""
	apply(ctx, rec, &o2ims.AlarmEventRecord{})
}

// prepareForUpdate records the requests an update turns on; the status is old's at this point.
func prepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	apply(ctx, obj.(*o2ims.AlarmEventRecord), old.(*o2ims.AlarmEventRecord))
}

// apply records in rec's status the requests rec turns on that old had not. Turning one off is
// refused by validation.
func apply(ctx context.Context, rec, old *o2ims.AlarmEventRecord) {
	now := metav1.NewTime(time.Now().UTC())
	if rec.Spec.Acknowledged && !old.Spec.Acknowledged {
		rec.Status.AlarmAcknowledged = true
		rec.Status.AlarmAcknowledgedTime = &now
		rec.Status.AcknowledgedBy = requester(ctx)
	}
	if rec.Spec.ClearRequested && !old.Spec.ClearRequested && rec.Status.PerceivedSeverity != o2ims.PerceivedSeverityCleared {
		// Never cleared before it was raised: a source's clock (an alert's startsAt) may run
		// ahead of the server's.
		cleared := now
		if raised := rec.Status.AlarmRaisedTime; raised != nil && cleared.Before(raised) {
			cleared = *raised.DeepCopy()
		}
		rec.Status.PerceivedSeverity = o2ims.PerceivedSeverityCleared
		rec.Status.AlarmClearedTime = &cleared
		rec.Status.AlarmChangedTime = &now
	}
}

func requester(ctx context.Context) string {
	if u, ok := genericapirequest.UserFrom(ctx); ok && u != nil {
		return u.GetName()
	}
	return ""
}

// keepAcknowledgement keeps the acknowledgement out of the status endpoint's reach: only the
// request that sets spec.acknowledged records it, with the requester's identity.
func keepAcknowledgement(_ context.Context, obj, old runtime.Object) {
	rec, prev := obj.(*o2ims.AlarmEventRecord), old.(*o2ims.AlarmEventRecord)
	rec.Status.AlarmAcknowledged = prev.Status.AlarmAcknowledged
	rec.Status.AlarmAcknowledgedTime = prev.Status.AlarmAcknowledgedTime.DeepCopy()
	rec.Status.AcknowledgedBy = prev.Status.AcknowledgedBy
}
