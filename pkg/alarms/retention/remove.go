package retention

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// purgeable reports whether an alarm record may be purged at all: cleared and acknowledged.
func purgeable(r *v1alpha1.AlarmEventRecord) bool {
	s := r.Status
	return s.PerceivedSeverity == v1alpha1.PerceivedSeverityCleared && s.AlarmClearedTime != nil && s.AlarmAcknowledged
}

// remove deletes rec if it still is what eligible accepts. The delete is conditional on the
// resourceVersion rec was judged on: when the record changed meanwhile (acknowledged, cleared,
// re-raised), the live record is judged again and, if still eligible, deleted at its new
// version. It reports whether this call deleted the record; one already gone is not an error.
func (c *Controller) remove(ctx context.Context, rec *v1alpha1.AlarmEventRecord, eligible func(*v1alpha1.AlarmEventRecord) bool) (bool, error) {
	client := c.client.O2imsV1alpha1().AlarmEventRecords(rec.Namespace)
	for judged := 0; ; judged++ {
		uid, rv := rec.UID, rec.ResourceVersion
		err := client.Delete(ctx, rec.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}})
		switch {
		case err == nil:
			klog.V(2).InfoS("Purged alarm record", "alarm", klog.KObj(rec), "id", rec.Spec.AlarmEventRecordID)
			return true, nil
		case apierrors.IsNotFound(err):
			return false, nil
		case !apierrors.IsConflict(err) || judged > 0:
			return false, fmt.Errorf("delete alarm record %s: %w", klog.KObj(rec), err)
		}
		live, err := client.Get(ctx, rec.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("get alarm record %s: %w", klog.KObj(rec), err)
		}
		if !eligible(live) {
			klog.V(3).InfoS("Alarm record changed before its purge; kept", "alarm", klog.KObj(rec))
			return false, nil
		}
		rec = live
	}
}
