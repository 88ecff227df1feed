package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/notify"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

// TestAlarmNotifications runs alarm records and AlarmSubscriptions through the notifier on the
// real stack: alice (o2ims-subscriber in tenant-a) and bob (in tenant-b) subscribe as
// themselves; the admin raises, clears and acknowledges alarms as the alarm recorder and an
// operator would.
func TestAlarmNotifications(t *testing.T) {
	t.Parallel()
	s := startStack(t, notifierArgs...)
	schemas := modeltest.New(t)
	const tenantA, tenantB = "alarm-tenant-a", "alarm-tenant-b"
	admin := s.admin(t)
	for ns, u := range map[string]string{tenantA: localstack.Alice, tenantB: localstack.Bob} {
		s.kubectl(t, localstack.Admin, "create", "namespace", ns)
		s.kubectl(t, localstack.Admin, "create", "rolebinding", u+"-subscriber", "-n", ns, "--clusterrole=o2ims-subscriber", "--user="+u)
	}
	ra, rb, rs := newReceiver(t), newReceiver(t), newReceiver(t)
	subscribeAlarms(t, s, localstack.Alice, tenantA, "alice", ra.srv.URL+"/alice", nil)
	subscribeAlarms(t, s, localstack.Bob, tenantB, "bob", rb.srv.URL+"/bob", nil)
	// The operator's SMO on the default apiRoot, on monitoring v2, signed: it sees both tenants.
	s.kubectl(t, localstack.Admin, "create", "secret", "generic", "alarm-key", "-n", localstack.APIServiceNamespace,
		"--type=o2ims.oran.org/signing-key", "--from-literal=key=s3cret")
	subscribeAlarms(t, s, localstack.Admin, localstack.APIServiceNamespace, "operator", rs.srv.URL+"/operator", func(sub *v1alpha1.AlarmSubscription) {
		sub.Annotations = map[string]string{v1alpha1.AnnotationNotificationVersion: "2"}
		sub.Spec.SigningSecretRef = &v1alpha1.SecretKeyRef{Name: "alarm-key", Key: "key"}
	})

	// Raised, cleared through the status (as the alarm recorder does), acknowledged through
	// spec.acknowledged (as an operator does).
	rec := raise(t, admin, tenantA, "node-down")
	id := rec.Spec.AlarmEventRecordID
	rec.Status.PerceivedSeverity = v1alpha1.PerceivedSeverityCleared
	now := metav1.Now()
	rec.Status.AlarmClearedTime, rec.Status.AlarmChangedTime = &now, &now
	rec, err := admin.O2imsV1alpha1().AlarmEventRecords(tenantA).UpdateStatus(context.Background(), rec, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec.Spec.Acknowledged = true
	if _, err := admin.O2imsV1alpha1().AlarmEventRecords(tenantA).Update(context.Background(), rec, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Tenant-b's own alarm comes after: once bob has it, every tenant-a change was decided for
	// him (one watcher, one order; his queue is delivered in order).
	other := raise(t, admin, tenantB, "disk-full")

	wantTypes := []notify.AlarmEventType{notify.AlarmNew, notify.AlarmClear, notify.AlarmAcknowledge}
	eventually(t, 30*time.Second, "alice receives NEW, CLEAR, ACKNOWLEDGE", func() error {
		if n := len(ra.all()); n < len(wantTypes) {
			return errorf("%d notifications", n)
		}
		return nil
	})
	eventually(t, 30*time.Second, "bob receives his own alarm", func() error {
		if len(rb.all()) == 0 {
			return errorf("nothing yet")
		}
		return nil
	})
	eventually(t, 30*time.Second, "the operator receives both tenants' alarms", func() error {
		if n := len(rs.all()); n < len(wantTypes)+1 {
			return errorf("%d notifications", n)
		}
		return nil
	})

	got := ra.all()
	if len(got) != len(wantTypes) {
		t.Fatalf("alice received %d notifications, want %d", len(got), len(wantTypes))
	}
	ids := map[string]bool{}
	for i, n := range got {
		schemas.Validate(t, 1, "AlarmEventNotification", n.raw)
		if notify.AlarmEventType(eventType(n)) != wantTypes[i] {
			t.Errorf("notification %d: %s, want %s", i, notify.AlarmEventType(eventType(n)), wantTypes[i])
		}
		if n.body["alarmEventRecordId"] != id || n.body["objectRef"] != "/o2ims-infrastructureMonitoring/v1/alarms/"+id ||
			n.body["consumerSubscriptionId"] != consumerOf("alice") {
			t.Errorf("notification %d is not about alice's alarm for her subscription: %s", i, n.raw)
		}
		ids[n.id] = true
	}
	if len(ids) != len(got) {
		t.Errorf("notification ids repeat: %v", ids)
	}
	if got[1].body["perceivedSeverity"] != float64(v1alpha1.PerceivedSeverityCleared) || got[2].body["alarmAcknowledged"] != true {
		t.Errorf("CLEAR and ACKNOWLEDGE do not carry the new state: %s / %s", got[1].raw, got[2].raw)
	}

	for _, n := range rb.all() {
		if n.body["alarmEventRecordId"] != other.Spec.AlarmEventRecordID {
			t.Errorf("bob received an alarm of another tenant: %s", n.raw)
		}
	}

	for _, n := range rs.all() {
		schemas.Validate(t, 2, "AlarmEventNotification", n.raw)
		if !notify.VerifySignature([]byte("s3cret"), n.raw, n.sig) {
			t.Errorf("signature %q does not verify", n.sig)
		}
		if _, v1 := n.body["resourceID"]; v1 || n.body["objectClass"] != "OCloud" || n.body["objectRef"] != "/o2ims-infrastructureMonitoring/v2/alarms/"+n.body["alarmEventRecordId"].(string) {
			t.Errorf("the v2 subscription received a body that is not v2: %s", n.raw)
		}
	}
}

func consumerOf(name string) string {
	return map[string]string{"alice": "6a3f0d4e-6c8b-4e62-8c1e-2b6f5b1f0a11", "bob": "7b4e1e5f-7d9c-4f73-9d2f-3c7a6c2e1b22", "operator": "8c5f2f60-8e0d-4084-8e30-4d8b7d3f2c33"}[name]
}

// subscribeAlarms creates an AlarmSubscription as user, retrying while the user's role binding
// is not yet in effect.
func subscribeAlarms(t *testing.T, s *stack, user, ns, name, callback string, mutate func(*v1alpha1.AlarmSubscription)) {
	t.Helper()
	client, err := versioned.NewForConfig(s.cp.RESTConfig(user))
	if err != nil {
		t.Fatal(err)
	}
	sub := &v1alpha1.AlarmSubscription{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       v1alpha1.AlarmSubscriptionSpec{Callback: callback, ConsumerSubscriptionID: consumerOf(name)},
	}
	if mutate != nil {
		mutate(sub)
	}
	eventually(t, 30*time.Second, fmt.Sprintf("%s subscribes to alarms in %s", user, ns), func() error {
		_, err := client.O2imsV1alpha1().AlarmSubscriptions(ns).Create(context.Background(), sub, metav1.CreateOptions{})
		return err
	})
}

// raise creates an active MAJOR alarm about the O-Cloud in ns.
func raise(t *testing.T, admin versioned.Interface, ns, key string) *v1alpha1.AlarmEventRecord {
	t.Helper()
	now := metav1.Now()
	rec, err := admin.O2imsV1alpha1().AlarmEventRecords(ns).Create(context.Background(), &v1alpha1.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Name: key, Namespace: ns},
		Spec: v1alpha1.AlarmEventRecordSpec{Source: v1alpha1.AlarmSource{Name: "e2e", Key: key},
			ObjectClass: "OCloud", ObjectID: "2f0d8a3c-1b4e-4c5d-8e6f-7a8b9c0d1e2f", AlarmName: "CLUSTER_MAJOR"},
		Status: v1alpha1.AlarmEventRecordStatus{PerceivedSeverity: v1alpha1.PerceivedSeverityMajor, AlarmRaisedTime: &now, Text: key},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
