package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/alarms/standard"
)

// TestNodeAlarms drives the built-in alarm source on the real stack: a Node going NotReady
// raises a critical CLUSTERNODE alarm on its Resource that a subscriber is told about (NEW),
// Ready again clears it (CLEAR), the standard dictionary is served as an object, and a wiped
// Redis re-synced from the cluster gives the still-active alarm its old id.
func TestNodeAlarms(t *testing.T) {
	t.Parallel()
	s := startStack(t, append(invArgs("replica-a"), notifierArgs...)...)
	cfg := s.cp.RESTConfig(localstack.Admin)
	c := invClients{kube: kubernetes.NewForConfigOrDie(cfg), o2: versioned.NewForConfigOrDie(cfg)}
	ctx := context.Background()
	smo := newReceiver(t)
	subscribeAlarms(t, s, localstack.Admin, invNS, "operator", smo.srv.URL+"/operator", nil)

	c.createNode(t, "alarm-n1", "zone-a", "small", true)
	c.waitResource(t, invNS, "alarm-n1", nil)
	res := c.resource(t, invNS, "alarm-n1")

	t.Run("the standard O-Cloud dictionary is an object", func(t *testing.T) {
		eventually(t, syncWait, "the standard dictionary", func() error {
			list, err := c.o2.O2imsV1alpha1().AlarmDictionaries(invNS).List(ctx, metav1.ListOptions{})
			if err != nil {
				return err
			}
			for _, d := range list.Items {
				if d.Spec.ResourceTypeID == "" && definesAlarm(&d, "CLUSTERNODE_CRITICAL") {
					return nil
				}
			}
			return fmt.Errorf("%d dictionaries, none is the standard one", len(list.Items))
		})
	})

	var raised *o2v1.AlarmEventRecord
	t.Run("NotReady raises a critical node alarm and the subscriber gets NEW", func(t *testing.T) {
		setReady(t, c.kube, "alarm-n1", corev1.ConditionFalse, "KubeletNotReady")
		raised = waitAlarm(t, c.o2, res.Spec.ResourceID, func(a *o2v1.AlarmEventRecord) error {
			if a.Status.PerceivedSeverity != o2v1.PerceivedSeverityCritical {
				return fmt.Errorf("severity %d", a.Status.PerceivedSeverity)
			}
			if a.Spec.AlarmName != "CLUSTERNODE_CRITICAL" || a.Spec.AlarmDefinitionID != standard.DefinitionID("CLUSTERNODE_CRITICAL") ||
				a.Spec.ProbableCauseID != standard.ProbableCauseID("NODE_DOWN") || a.Spec.ObjectClass != "Resource" || a.Spec.ObjectTypeID != res.Spec.ResourceTypeID {
				return fmt.Errorf("spec %+v", a.Spec)
			}
			return nil
		})
		waitEvent(t, smo, raised.Spec.AlarmEventRecordID, 0)
	})

	t.Run("a wiped Redis re-synced gives the active alarm its old id", func(t *testing.T) {
		if err := s.netweave.Stop(); err != nil {
			t.Fatal(err)
		}
		s.redis.Wipe()
		if err := s.netweave.Start(); err != nil {
			t.Fatal(err)
		}
		again := waitAlarm(t, c.o2, res.Spec.ResourceID, nil)
		if again.Spec.AlarmEventRecordID != raised.Spec.AlarmEventRecordID {
			t.Errorf("after the wipe the alarm is %s, was %s", again.Spec.AlarmEventRecordID, raised.Spec.AlarmEventRecordID)
		}
		// The wipe took the subscription with it: subscribe again for the clear.
		subscribeAlarms(t, s, localstack.Admin, invNS, "operator", smo.srv.URL+"/operator", nil)
	})

	t.Run("Ready again clears the alarm and the subscriber gets CLEAR", func(t *testing.T) {
		setReady(t, c.kube, "alarm-n1", corev1.ConditionTrue, "KubeletReady")
		waitAlarm(t, c.o2, res.Spec.ResourceID, func(a *o2v1.AlarmEventRecord) error {
			if a.Status.PerceivedSeverity != o2v1.PerceivedSeverityCleared || a.Status.AlarmClearedTime == nil {
				return fmt.Errorf("severity %d, cleared %v", a.Status.PerceivedSeverity, a.Status.AlarmClearedTime)
			}
			return nil
		})
		waitEvent(t, smo, raised.Spec.AlarmEventRecordID, 2)
	})
}

func definesAlarm(d *o2v1.AlarmDictionary, name string) bool {
	for _, def := range d.Spec.AlarmDefinitions {
		if def.AlarmName == name {
			return true
		}
	}
	return false
}

func setReady(t *testing.T, kube kubernetes.Interface, name string, status corev1.ConditionStatus, reason string) {
	t.Helper()
	eventually(t, 10*time.Second, "set "+name+" Ready="+string(status), func() error {
		node, err := kube.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for i := range node.Status.Conditions {
			if node.Status.Conditions[i].Type == corev1.NodeReady {
				node.Status.Conditions[i] = corev1.NodeCondition{Type: corev1.NodeReady, Status: status, Reason: reason, Message: "e2e", LastTransitionTime: metav1.Now()}
			}
		}
		_, err = kube.CoreV1().Nodes().UpdateStatus(context.Background(), node, metav1.UpdateOptions{})
		return err
	})
}

// waitAlarm waits for the one node-conditions alarm about resource id in the inventory
// namespace that is its newest, and for check to accept it.
func waitAlarm(t *testing.T, o2 versioned.Interface, resourceID string, check func(*o2v1.AlarmEventRecord) error) *o2v1.AlarmEventRecord {
	t.Helper()
	var got *o2v1.AlarmEventRecord
	eventually(t, syncWait, "the alarm of resource "+resourceID, func() error {
		list, err := o2.O2imsV1alpha1().AlarmEventRecords(invNS).List(context.Background(), metav1.ListOptions{FieldSelector: "spec.objectId=" + resourceID})
		if err != nil {
			return err
		}
		if len(list.Items) != 1 {
			return fmt.Errorf("%d alarms, want 1", len(list.Items))
		}
		got = &list.Items[0]
		if check != nil {
			return check(got)
		}
		return nil
	})
	return got
}

// waitEvent waits until r received notificationEventType event about alarm id.
func waitEvent(t *testing.T, r *receiver, id string, event float64) {
	t.Helper()
	eventually(t, syncWait, fmt.Sprintf("notification %v about %s", event, id), func() error {
		for _, n := range r.all() {
			if n.body["alarmEventRecordId"] == id && n.body["notificationEventType"] == event {
				return nil
			}
		}
		return fmt.Errorf("%d notifications, none of event %v about %s", len(r.all()), event, id)
	})
}
