package o2rest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// maxPatchBody bounds a PATCH body; a modification is a few dozen bytes.
const maxPatchBody = 4 << 10

const mergePatchType = "application/merge-patch+json"

// The two modifications an alarm PATCH may ask for, one per request.
const (
	fieldAcknowledged = "alarmAcknowledged"
	fieldSeverity     = "perceivedSeverity"
)

// getAlarm serves one alarm with its ETag, the value a PATCH's If-Match names.
func (h *handler) getAlarm(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindAlarmEventRecord)
	if p != nil {
		return nil, p
	}
	obj, sc, p := h.lookup(r, req, s, pathVars(r).get("id"))
	if p != nil {
		return nil, p
	}
	a, p := h.serveObject(r, req, s, sc, obj)
	if p != nil {
		return nil, p
	}
	return a.setHeader("ETag", etag(obj.(*v1alpha1.AlarmEventRecord))), nil
}

// patchAlarm acknowledges or clears an alarm (AlarmEventRecordModifications, the same in both
// versions). The change is an update of the AlarmEventRecord's spec made as the caller, so RBAC
// "update" on alarmeventrecords in the alarm's namespace decides, exactly as for kubectl; the
// API server records who acknowledged and when. Clearing is allowed whatever the definition's
// clearingType: for an AUTOMATIC one whose fault is still present, the recorder raises a new
// alarm.
func (h *handler) patchAlarm(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindAlarmEventRecord)
	if p != nil {
		return nil, p
	}
	// The alarm first: a caller who may not see it gets 404 whatever it sent.
	obj, _, p := h.lookup(r, req, s, pathVars(r).get("id"))
	if p != nil {
		return nil, p
	}
	// A write takes no query (parseQuery).
	if _, p := parseQuery(r); p != nil {
		return nil, p
	}
	field, p := decodeAlarmModification(r)
	if p != nil {
		return nil, p
	}
	cur := obj.(*v1alpha1.AlarmEventRecord)
	ctx := r.Context()
	client, err := h.clientAs(ctx)
	if err != nil {
		return nil, internalProblem(err, "modify the alarm")
	}
	alarms := client.O2imsV1alpha1().AlarmEventRecords(cur.Namespace)
	w := &conditionalWrite[*v1alpha1.AlarmEventRecord]{
		ifMatch: ifMatchHeader(r),
		fresh: func(ctx context.Context) (*v1alpha1.AlarmEventRecord, error) {
			return alarms.Get(ctx, cur.Name, metav1.GetOptions{})
		},
		change: func(cur *v1alpha1.AlarmEventRecord) (*v1alpha1.AlarmEventRecord, *problem) {
			next := cur.DeepCopy()
			switch field {
			case fieldAcknowledged:
				if model.AlarmAcknowledged(cur) {
					return nil, newProblem(http.StatusConflict, "the alarm is already acknowledged")
				}
				next.Spec.Acknowledged = true
			case fieldSeverity:
				if model.AlarmCleared(cur) {
					return nil, newProblem(http.StatusConflict, "the alarm is already cleared")
				}
				next.Spec.ClearRequested = true
			}
			return next, nil
		},
		write: func(ctx context.Context, a *v1alpha1.AlarmEventRecord) (*v1alpha1.AlarmEventRecord, error) {
			return alarms.Update(ctx, a, metav1.UpdateOptions{})
		},
	}
	updated, p := w.run(ctx, cur, "modify the alarm")
	if p != nil {
		return nil, p
	}
	// The caller's own version or a later one: the lookup may have been stale and the write
	// retried on another writer's version, which the cache may show first and which does not
	// hold this change.
	h.awaitWritten(ctx, source.AlarmEventRecord, updated)
	echo := map[string]any{fieldAcknowledged: true}
	if field == fieldSeverity {
		echo = map[string]any{fieldSeverity: int64(v1alpha1.PerceivedSeverityCleared)}
	}
	return okJSON(echo).setHeader("ETag", etag(updated)), nil
}

// decodeAlarmModification reads the PATCH body and returns the one field it sets: exactly one
// of {"alarmAcknowledged": true} (acknowledge) or {"perceivedSeverity": 5} (clear). Anything
// else is a 400 naming the field at fault (or the Content-Type, for a body that is not a merge
// patch).
func decodeAlarmModification(r *http.Request) (string, *problem) {
	if p := checkMediaType(r, mergePatchType); p != nil {
		return "", p
	}
	members, p := decodeMembers(r, maxPatchBody, "modification")
	if p != nil {
		return "", p
	}
	names := make([]string, 0, len(members))
	for name := range members {
		if name != fieldAcknowledged && name != fieldSeverity {
			return "", newProblem(http.StatusBadRequest, "unknown field "+name+": only "+fieldAcknowledged+" or "+fieldSeverity+" can be modified").attr("field", name)
		}
		names = append(names, name)
	}
	if len(names) != 1 {
		slices.Sort(names)
		return "", newProblem(http.StatusBadRequest, "exactly one of "+fieldAcknowledged+" or "+fieldSeverity+" must be modified per request, got ["+strings.Join(names, ", ")+"]").
			attr("field", strings.Join(names, ","))
	}
	name := names[0]
	switch name {
	case fieldAcknowledged:
		var ack bool
		if err := json.Unmarshal(members[name], &ack); err != nil || !ack {
			return "", newProblem(http.StatusBadRequest, fieldAcknowledged+" can only be set to true: an acknowledgement cannot be withdrawn").attr("field", name)
		}
	case fieldSeverity:
		var severity int
		if err := json.Unmarshal(members[name], &severity); err != nil || severity != int(v1alpha1.PerceivedSeverityCleared) {
			return "", newProblem(http.StatusBadRequest, fieldSeverity+" can only be set to 5 (CLEARED)").attr("field", name)
		}
	}
	return name, nil
}
