package o2rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// maxPurgeBody bounds a purge request: room for some thousands of alarm ids.
const maxPurgeBody = 256 << 10

// purgeRequest is the spec v10 PurgeRequest.
type purgeRequest struct {
	AlarmRecordID   []string                  `json:"alarmRecordId,omitempty"`
	PurgeConditions *v1alpha1.PurgeConditions `json:"purgeConditions,omitempty"`
}

// purgeAlarms starts a purge task (spec v10): an AlarmPurge object, created as the caller in
// the tenant's namespace, or on the default apiRoot in the inventory namespace, where the
// O-Cloud's own alarms are. The purge worker carries it out; the answer is 202 with the task's
// Location. One purge per namespace runs at a time: 409 while another is PROCESSING (or not yet
// picked up). The API server validates the request (ids, window) and holds it to the tenant
// boundary: a purge names alarms of its own namespace only, the same 422 for an id held
// elsewhere as for an unknown one.
func (h *handler) purgeAlarms(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindTaskOperation)
	if p != nil {
		return nil, p
	}
	ns := req.tenant
	if ns == "" {
		ns = h.cfg.InventoryNamespace
	}
	ctx := r.Context()
	// Authorisation first, as for every O2 write: a caller who may not purge here gets 403
	// whatever it sent, not a 415 or 400 that depends on its body.
	allowed, err := h.access.allowed(ctx, "create", s.resource, ns, "")
	if err != nil {
		return nil, authorizerProblem(err)
	}
	if !allowed {
		return nil, newProblem(http.StatusForbidden, "not allowed to purge alarms")
	}
	// A write takes no query (parseQuery).
	if _, p := parseQuery(r); p != nil {
		return nil, p
	}
	if p := checkMediaType(r, "application/json"); p != nil {
		return nil, p
	}
	body, p := decodePurgeRequest(r)
	if p != nil {
		return nil, p
	}
	// One purge per namespace at a time: on this replica the check and the create (until the
	// cache shows it) are made one POST after the other per namespace, or two POSTs at once
	// (two SMOs, or a retry racing the original) would both find none in progress.
	unlock, err := h.purgeLocks.lock(ctx, ns)
	if err != nil {
		return nil, cancelledProblem(err)
	}
	defer unlock()
	switch running, err := h.purgeRunning(ctx, s.resource, ns); {
	case errors.Is(err, errStoreUnreadable):
		return nil, newProblem(http.StatusServiceUnavailable, "the inventory store cannot be read now; could not check for an alarm purge in progress").setHeader("Retry-After", "1")
	case err != nil:
		return nil, internalProblem(err, "check for an alarm purge in progress")
	case running:
		return nil, newProblem(http.StatusConflict, "another alarm purge is in progress; see taskOperations")
	}
	client, err := h.clientAs(ctx)
	if err != nil {
		return nil, internalProblem(err, "start the purge")
	}
	created, err := client.O2imsV1alpha1().AlarmPurges(ns).Create(ctx, &v1alpha1.AlarmPurge{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "purge-", Namespace: ns},
		Spec:       v1alpha1.AlarmPurgeSpec{AlarmRecordIDs: body.AlarmRecordID, PurgeConditions: body.PurgeConditions},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, apiProblem(err, "start the purge")
	}
	id := created.Spec.TaskID
	h.awaitCache(ctx, source.AlarmPurge, id, present)
	a := &answer{status: http.StatusAccepted, doc: model.TaskOperationInfoV2(created)}
	return a.setHeader("Location", req.apiRoot+"/"+model.MonitoringAPIName+"/v"+strconv.Itoa(req.version)+"/"+collectionOf(model.KindTaskOperation)+"/"+id), nil
}

// decodePurgeRequest reads the body as strictly as every O2 write body (decodeMembers: one
// JSON object, UTF-8, no member given twice, 413 over maxPurgeBody), with no member but
// alarmRecordId and purgeConditions, and nothing unknown inside purgeConditions.
func decodePurgeRequest(r *http.Request) (*purgeRequest, *problem) {
	members, p := decodeMembers(r, maxPurgeBody, "purge request")
	if p != nil {
		return nil, p
	}
	body := &purgeRequest{}
	for name, raw := range members {
		var err error
		switch name {
		case "alarmRecordId":
			err = json.Unmarshal(raw, &body.AlarmRecordID)
		case "purgeConditions":
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			err = dec.Decode(&body.PurgeConditions)
		default:
			return nil, newProblem(http.StatusBadRequest, "unknown field "+name+": a purge request has alarmRecordId and purgeConditions").attr("field", name)
		}
		if err != nil {
			return nil, newProblem(http.StatusBadRequest, "malformed purge request: "+name+": "+err.Error()).attr("field", name)
		}
	}
	if c := body.PurgeConditions; c != nil && !c.EndWindowTime.IsZero() {
		wasAfter := c.StartWindowTime != nil && c.StartWindowTime.After(c.EndWindowTime.Time)
		c.StartWindowTime, c.EndWindowTime = validation.PurgeWindowInward(c.StartWindowTime, c.EndWindowTime)
		if !wasAfter && c.StartWindowTime != nil && c.StartWindowTime.After(c.EndWindowTime.Time) {
			return nil, newProblem(http.StatusBadRequest, "purgeConditions: no whole second lies between startWindowTime and endWindowTime, and alarm times are whole seconds").
				attr("field", "purgeConditions")
		}
	}
	return body, nil
}

// errStoreUnreadable: the store's current state could not be read.
var errStoreUnreadable = errors.New("the inventory store cannot be read")

// purgeRunning reports whether a purge of namespace ns is in progress (or not yet picked
// up). The informers may trail a purge another replica created a moment ago (an SMO's retry
// of a POST that timed out, reaching another replica), so when they hold none the store's
// current state is asked too (Config.FreshList). An error is not "none": one purge at a time
// is the rule, so the caller refuses.
func (h *handler) purgeRunning(ctx context.Context, resource, ns string) (bool, error) {
	objs, err := h.cfg.Source.List(source.AlarmPurge, ns, nil)
	if err != nil {
		return false, err
	}
	if running := anyPurgeRunning(objs, ns); running || h.cfg.FreshList == nil {
		return running, nil
	}
	current, err := h.cfg.FreshList(ctx, resource)
	if err != nil {
		klog.V(2).InfoS("O2 purge POST could not check the store for a purge in progress", "resource", resource, "err", err)
		return false, errStoreUnreadable
	}
	return anyPurgeRunning(current, ns), nil
}

// anyPurgeRunning reports whether objs hold a purge of namespace ns not yet finished.
func anyPurgeRunning(objs []runtime.Object, ns string) bool {
	for _, obj := range objs {
		p, ok := obj.(*v1alpha1.AlarmPurge)
		if !ok || p.Namespace != ns {
			continue
		}
		switch p.Status.OperationState {
		case "", v1alpha1.PurgeOperationStateProcessing:
			return true
		}
	}
	return false
}
