package retention

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// checkpointEvery is how many removals a purge task records in status.purged at a time, so a
// restart in the middle of a large purge loses at most that many from the count.
const checkpointEvery = 100

func finished(p *v1alpha1.AlarmPurge) bool {
	switch p.Status.OperationState {
	case "", v1alpha1.PurgeOperationStateProcessing:
		return false
	}
	return true
}

// syncPurge carries out one AlarmPurge task: PROCESSING (with startTime) first, then the
// removals, then COMPLETED with the count, or FAILED once the attempts are spent. It is
// idempotent: a task found PROCESSING (after a restart) is resumed, records already gone are
// skipped.
func (c *Controller) syncPurge(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return fmt.Errorf("alarm purge key %q: %w", key, err)
	}
	p, err := c.purges.AlarmPurges(ns).Get(name)
	if apierrors.IsNotFound(err) {
		delete(c.unrecorded, key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("get alarm purge %s: %w", key, err)
	}
	if finished(p) {
		delete(c.unrecorded, key)
		return nil
	}
	if p.Status.OperationState == "" || p.Status.StartTime == nil {
		if p, err = c.setPurgeStatus(ctx, p, func(s *v1alpha1.AlarmPurgeStatus) {
			s.OperationState = v1alpha1.PurgeOperationStateProcessing
			s.StartTime = c.now()
		}); err != nil {
			return err
		}
		klog.V(2).InfoS("Alarm purge started", "purge", klog.KObj(p), "taskId", p.Spec.TaskID)
	}
	// What an earlier attempt removed and could not record counts with this one's removals.
	var carried int32
	if u := c.unrecorded[key]; u.uid == p.UID {
		carried = u.n
	}
	delete(c.unrecorded, key)
	p, pending, err := c.execute(ctx, p, carried)
	uid := p.UID
	carry := func(err error) error {
		if err != nil && pending > 0 {
			c.unrecorded[key] = unrecordedRemovals{uid: uid, n: pending}
		}
		return err
	}
	if err != nil {
		if c.purgeQ.NumRequeues(key)+1 < c.cfg.MaxPurgeAttempts {
			return carry(err)
		}
		klog.ErrorS(err, "Alarm purge failed", "purge", klog.KObj(p), "attempts", c.cfg.MaxPurgeAttempts)
		_, serr := c.setPurgeStatus(ctx, p, func(s *v1alpha1.AlarmPurgeStatus) {
			s.OperationState = v1alpha1.PurgeOperationStateFailed
			s.Purged += pending
			s.Message = validation.Truncate(err.Error(), maxMessage)
		})
		return carry(serr)
	}
	p, err = c.setPurgeStatus(ctx, p, func(s *v1alpha1.AlarmPurgeStatus) {
		s.OperationState = v1alpha1.PurgeOperationStateCompleted
		s.Purged += pending
		s.Message = ""
	})
	if err == nil {
		klog.InfoS("Alarm purge completed", "purge", klog.KObj(p), "taskId", p.Spec.TaskID, "purged", p.Status.Purged)
	}
	return carry(err)
}

// unrecordedRemovals is how many alarms the task uid removed without recording the count.
type unrecordedRemovals struct {
	uid types.UID
	n   int32
}

// selects is the task's selection: the records it names and those cleared in its window, of
// its own namespace, and only cleared and acknowledged ones.
func selects(p *v1alpha1.AlarmPurge) func(*v1alpha1.AlarmEventRecord) bool {
	// Ids are UUIDs, which name the same alarm in either case; admission accepts either.
	ids := sets.New[string]()
	for _, id := range p.Spec.AlarmRecordIDs {
		ids.Insert(strings.ToLower(id))
	}
	window := p.Spec.PurgeConditions
	return func(r *v1alpha1.AlarmEventRecord) bool {
		if r.Namespace != p.Namespace || !purgeable(r) {
			return false
		}
		if ids.Has(strings.ToLower(r.Spec.AlarmEventRecordID)) {
			return true
		}
		if window == nil {
			return false
		}
		t := r.Status.AlarmClearedTime.Time
		return (window.StartWindowTime == nil || !t.Before(window.StartWindowTime.Time)) && !t.After(window.EndWindowTime.Time)
	}
}

// execute removes what the task selects, counting them after carried (removals of an earlier
// attempt not recorded yet). It records the count in status.purged every checkpointEvery
// removals, and returns the task as last written with the removals not recorded yet, for the
// final status write to add. After an error it tries to record them itself, and returns those
// it could not.
func (c *Controller) execute(ctx context.Context, p *v1alpha1.AlarmPurge, carried int32) (*v1alpha1.AlarmPurge, int32, error) {
	pending := carried
	records, err := c.records.AlarmEventRecords(p.Namespace).List(labels.Everything())
	if err != nil {
		return p, pending, fmt.Errorf("list alarm records of %s: %w", p.Namespace, err)
	}
	selected := selects(p)
	checkpoint := func() error {
		n := pending
		updated, err := c.setPurgeStatus(ctx, p, func(s *v1alpha1.AlarmPurgeStatus) { s.Purged += n })
		if err != nil {
			return err
		}
		p, pending = updated, 0
		return nil
	}
	for _, r := range records {
		if !selected(r) {
			continue
		}
		deleted, err := c.remove(ctx, r, selected)
		if err != nil {
			if pending > 0 {
				if cerr := checkpoint(); cerr != nil {
					return p, pending, errors.Join(err, cerr)
				}
			}
			return p, 0, err
		}
		if !deleted {
			continue
		}
		pending++
		c.cfg.Metrics.purged(reasonPurge)
		if pending >= checkpointEvery {
			if err := checkpoint(); err != nil {
				return p, pending, err
			}
		}
	}
	return p, pending, nil
}

// setPurgeStatus writes the task's status as change makes it, stamping stateEnteredTime when
// the state changes.
func (c *Controller) setPurgeStatus(ctx context.Context, p *v1alpha1.AlarmPurge, change func(*v1alpha1.AlarmPurgeStatus)) (*v1alpha1.AlarmPurge, error) {
	u := p.DeepCopy()
	change(&u.Status)
	if u.Status.OperationState != p.Status.OperationState {
		u.Status.StateEnteredTime = c.now()
	}
	updated, err := c.client.O2imsV1alpha1().AlarmPurges(p.Namespace).UpdateStatus(ctx, u, metav1.UpdateOptions{FieldManager: c.cfg.FieldManager})
	if err != nil {
		return p, fmt.Errorf("update status of alarm purge %s: %w", klog.KObj(p), err)
	}
	return updated, nil
}

func (c *Controller) now() *metav1.Time {
	t := metav1.NewTime(c.cfg.Clock.Now())
	return &t
}

// maxMessage is the longest status.message the API accepts.
const maxMessage = 4096
