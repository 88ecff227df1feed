package integration

import (
	"context"
	"testing"
	"time"

	guuid "github.com/google/uuid"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/apiserver"
)

// clusterWideDeleter is the only user, besides cluster superusers, allowed to delete
// alarmeventrecords in all namespaces (what a ClusterRoleBinding grants: the operator, the
// namespace controller); everything else is allowed, as RBAC in the namespace would.
const clusterWideDeleter = "root-ops"

func clusterWideDeletes(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.GetVerb() == "delete" && a.GetNamespace() == "" && a.GetUser().GetName() != clusterWideDeleter {
		return authorizer.DecisionNoOpinion, "", nil
	}
	return authorizer.DecisionAllow, "", nil
}

// oCloudAlarm is an active alarm the recorder raises in ns about the Resource id: named by its
// id, a UUIDv5 in the O-Cloud's id space.
func oCloudAlarm(ns, key, resourceID string) *o2ims.AlarmEventRecord {
	id := guuid.NewSHA1(guuid.NameSpaceOID, []byte(ns+"/"+key)).String()
	return &o2ims.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Name: id},
		Spec: o2ims.AlarmEventRecordSpec{
			AlarmEventRecordID: id,
			Source:             o2ims.AlarmSource{Name: "node-conditions", Key: key},
			ObjectClass:        "Resource", ObjectID: resourceID, AlarmName: "CLUSTERNODE_CRITICAL",
		},
		Status: o2ims.AlarmEventRecordStatus{PerceivedSeverity: o2ims.PerceivedSeverityCritical, Text: "node not ready",
			AlarmRaisedTime: &metav1.Time{Time: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}},
	}
}

func (r *registry) deleteAlarm(c caller, name string) error {
	_, _, err := r.storage["alarmeventrecords"].(rest.GracefulDeleter).Delete(c.ctx(), name, rest.ValidateAllObjectFunc, &metav1.DeleteOptions{})
	return err
}

func (r *registry) alarmExists(c caller, name string) bool {
	r.t.Helper()
	_, err := r.storage["alarmeventrecords"].(rest.Getter).Get(c.ctx(), name, &metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		r.t.Fatalf("get alarm %s/%s: %v", c.ns, name, err)
	}
	return err == nil
}

// TestRegressionNodePoolAdminDeletedOperatorsActiveAlarm: the O-Cloud's alarms about the nodes a
// node pool namespace's pools claim are stored in that namespace, whose admin holds delete there
// (o2ims-admin). Deleting an active one hid a present fault from the operator's SMO, which lists
// every namespace's alarms, with no notification, until its source restated it (up to 10
// minutes) and raised it as NEW again. Now such a record is deleted only once cleared and
// acknowledged (as the retention and AlarmPurge delete), or by a cluster superuser or whoever
// may delete alarm records in all namespaces (the namespace controller deleting the namespace).
// The namespace's own records stay its admin's to delete, one by one or as a collection.
func TestRegressionNodePoolAdminDeletedOperatorsActiveAlarm(t *testing.T) {
	r := newRegistry(t, func(c *apiserver.TenancyConfig) { c.Authorizer = authorizer.AuthorizerFunc(clusterWideDeletes) })
	inv := setUp(r)
	recorder := caller{user.APIServerUser, "ran", []string{user.SystemPrivilegedGroup}}
	poolAdmin := caller{"ran-admin", "ran", nil}

	pool := r.mustCreate(poolAdmin, "resourcepools", newPool("ran-pool", "")).(*o2ims.ResourcePool).Spec.ResourcePoolID
	res := r.mustCreate(poolAdmin, "resources", newResource("node-1", "", pool, inv.invType)).(*o2ims.O2Resource).Spec.ResourceID
	active := r.mustCreate(recorder, "alarmeventrecords", oCloudAlarm("ran", "uid-1/Ready", res)).(*o2ims.AlarmEventRecord)
	own := &o2ims.AlarmEventRecord{ObjectMeta: metav1.ObjectMeta{Name: "mine"}, Spec: o2ims.AlarmEventRecordSpec{
		Source: o2ims.AlarmSource{Name: "ran-probe", Key: "k"}, ObjectClass: "Resource", ObjectID: res, AlarmName: "RAN_PROBE"}}
	r.mustCreate(poolAdmin, "alarmeventrecords", own)

	if err := r.deleteAlarm(poolAdmin, active.Name); !apierrors.IsForbidden(err) {
		t.Fatalf("the node pool namespace's admin deletes the O-Cloud's active alarm: %v, want 403 Forbidden", err)
	}
	collection := r.storage["alarmeventrecords"].(rest.CollectionDeleter)
	_, err := collection.DeleteCollection(poolAdmin.ctx(), rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}, &metainternalversion.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("the admin's delete of the namespace's alarms: %v, want 403 Forbidden for the O-Cloud's", err)
	}
	if !r.alarmExists(recorder, active.Name) {
		t.Fatal("the O-Cloud's active alarm is gone")
	}
	if err := r.deleteAlarm(poolAdmin, own.Name); err != nil {
		t.Errorf("the admin deletes the namespace's own alarm record: %v", err)
	}

	// Cleared but not acknowledged: still the O-Cloud's to keep. Acknowledged too (by the
	// admin, through the spec): purgeable, so the admin may delete it, as an AlarmPurge would.
	cleared := active.DeepCopy()
	cleared.Status.PerceivedSeverity = o2ims.PerceivedSeverityCleared
	cleared.Status.AlarmClearedTime = &metav1.Time{Time: active.Status.AlarmRaisedTime.Add(time.Minute)}
	status := r.storage["alarmeventrecords/status"].(rest.Updater)
	updated, _, err := status.Update(recorder.ctx(), cleared.Name, rest.DefaultUpdatedObjectInfo(cleared), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("the recorder clears its alarm: %v", err)
	}
	if err := r.deleteAlarm(poolAdmin, active.Name); !apierrors.IsForbidden(err) {
		t.Fatalf("the admin deletes the O-Cloud's cleared, unacknowledged alarm: %v, want 403 Forbidden", err)
	}
	acked := updated.(*o2ims.AlarmEventRecord).DeepCopy()
	acked.Spec.Acknowledged = true
	if err := r.update(poolAdmin, "alarmeventrecords", acked, nil); err != nil {
		t.Fatalf("the admin acknowledges the alarm: %v", err)
	}
	if err := r.deleteAlarm(poolAdmin, active.Name); err != nil {
		t.Errorf("the admin deletes the O-Cloud's cleared and acknowledged alarm: %v", err)
	}

	// The operator's cluster-wide role (and the namespace controller) delete active ones too.
	again := r.mustCreate(recorder, "alarmeventrecords", oCloudAlarm("ran", "uid-1/MemoryPressure", res)).(*o2ims.AlarmEventRecord)
	if err := r.deleteAlarm(caller{clusterWideDeleter, "ran", nil}, again.Name); err != nil {
		t.Errorf("a cluster-wide deleter deletes the O-Cloud's active alarm: %v", err)
	}
}
