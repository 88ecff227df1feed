package notify

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

func TestStatusOnly(t *testing.T) {
	base := &v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns", UID: "u1", Annotations: map[string]string{v1alpha1.AnnotationNotificationVersion: "1"}},
		Spec:       v1alpha1.InventorySubscriptionSpec{Callback: "http://127.0.0.1/cb", Filter: "(eq,name,x)"},
	}
	cases := []struct {
		name   string
		change func(*v1alpha1.InventorySubscription)
		want   bool
	}{
		{"status", func(s *v1alpha1.InventorySubscription) { s.Status.Delivered = 7; s.ResourceVersion = "9" }, true},
		{"label", func(s *v1alpha1.InventorySubscription) { s.Labels = map[string]string{"a": "b"} }, true},
		{"filter", func(s *v1alpha1.InventorySubscription) { s.Spec.Filter = "" }, false},
		{"callback", func(s *v1alpha1.InventorySubscription) { s.Spec.Callback = "http://127.0.0.1/other" }, false},
		{"version", func(s *v1alpha1.InventorySubscription) { s.Annotations[v1alpha1.AnnotationNotificationVersion] = "2" }, false},
		{"subscriber", func(s *v1alpha1.InventorySubscription) { s.Spec.Subscriber = &v1alpha1.SubscriberInfo{Username: "a"} }, false},
		{"uid", func(s *v1alpha1.InventorySubscription) { s.UID = "u2" }, false},
		{"deleted", func(s *v1alpha1.InventorySubscription) { now := metav1.Now(); s.DeletionTimestamp = &now }, false},
	}
	for _, c := range cases {
		n := base.DeepCopy()
		c.change(n)
		if got := statusOnly(base, n); got != c.want {
			t.Errorf("%s: statusOnly = %v, want %v", c.name, got, c.want)
		}
	}
	alarm := &v1alpha1.AlarmSubscription{ObjectMeta: base.ObjectMeta, Spec: v1alpha1.AlarmSubscriptionSpec{Callback: "http://127.0.0.1/cb", Filter: "CLEAR"}}
	delivered := alarm.DeepCopy()
	delivered.Status.Delivered = 3
	refiltered := alarm.DeepCopy()
	refiltered.Spec.Filter = "NEW"
	if !statusOnly(alarm, delivered) || statusOnly(alarm, refiltered) {
		t.Error("an AlarmSubscription's status write and filter change are not told apart")
	}
	if statusOnly(base, alarm) {
		t.Error("statusOnly across subscription kinds")
	}
	if statusOnly("not a subscription", base) {
		t.Error("statusOnly of a foreign object")
	}
}

func TestStatsDepthAccounting(t *testing.T) {
	s := &stats{st: v1alpha1.InventorySubscriptionStatus{QueueDepth: 3}}
	if d := s.setDepth(5); d != 2 {
		t.Errorf("setDepth(5) from 3 = %d, want 2", d)
	}
	if d := s.retire(); d != 5 {
		t.Errorf("retire = %d, want 5", d)
	}
	if d := s.setDepth(9); d != 0 {
		t.Errorf("setDepth after retire = %d, want 0", d)
	}
	if d := s.retire(); d != 0 {
		t.Errorf("second retire = %d, want 0", d)
	}
}
