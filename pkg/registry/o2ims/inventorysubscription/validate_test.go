package inventorysubscription

import (
	"testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionUnservableSubscriptionIsRefused: a filter the notifier cannot parse, or a
// notification-version annotation that is not a served version, was stored through kubectl
// without a word; the notifier then served nothing to the subscription (and, on an update,
// deleted its queue). Now the write is refused, naming the field; a stored subscription that
// fails either keeps working for updates that leave the field alone.
func TestRegressionUnservableSubscriptionIsRefused(t *testing.T) {
	k := Kind()
	if k.ValidateChanged == nil {
		t.Fatal("InventorySubscription has no ValidateChanged")
	}
	for _, tc := range []struct {
		name, filter, version, field string
	}{
		{name: "filter typo", filter: "(eq,name,a", field: "spec.filter"},
		{name: "unknown operator", filter: "(like,name,a)", field: "spec.filter"},
		// TestRegressionMisspeltSubscriptionFilterAccepted (pkg/o2rest), through kubectl: an
		// attribute no inventory document has matched nothing (or, negated, everything).
		{name: "misspelt attribute", filter: "(eq,resourcePoolID,x)", field: "spec.filter"},
		{name: "extension key", filter: "(eq,extensions/rack,r1)"},
		{name: "version spelled v2", version: "v2", field: "metadata.annotations[o2ims.oran.org/notification-version]"},
		{name: "version 3", version: "3", field: "metadata.annotations[o2ims.oran.org/notification-version]"},
		{name: "valid", filter: "(eq,objectType,ResourcePool);(neq,name,x)", version: "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := newSubscription("")
			sub.Spec.Filter = tc.filter
			if tc.version != "" {
				sub.Annotations = map[string]string{v1alpha1.AnnotationNotificationVersion: tc.version}
			}
			errs := k.ValidateChanged(sub, nil)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("create refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tc.field {
				t.Fatalf("create: %v, want one error at %s", errs, tc.field)
			}
			// Stored before the check: an update that leaves the field as it was passes, one
			// that changes it to another bad value does not.
			upd := sub.DeepCopy()
			upd.Labels = map[string]string{"team": "a"}
			if errs := k.ValidateChanged(upd, sub); len(errs) != 0 {
				t.Errorf("update leaving the field alone refused: %v", errs)
			}
			if tc.filter != "" {
				upd.Spec.Filter += ")("
			}
			if tc.version != "" {
				upd.Annotations[v1alpha1.AnnotationNotificationVersion] = tc.version + "x"
			}
			if errs := k.ValidateChanged(upd, sub); len(errs) != 1 || errs[0].Field != tc.field {
				t.Errorf("update to another bad value: %v, want one error at %s", errs, tc.field)
			}
		})
	}
}

// TestRegressionKubectlConsumerSubscriptionIdNotAUUID: the O2 POST refuses a
// consumerSubscriptionId that is not a UUID (TestRegressionConsumerSubscriptionIdNotAUUID in
// pkg/o2rest), but kubectl stored one, which every O2 GET and notification then echoed, and
// clients decoding the contract's uuid failed on. Refused now on create and when changed; a
// subscription stored before keeps taking updates that leave it alone.
func TestRegressionKubectlConsumerSubscriptionIdNotAUUID(t *testing.T) {
	k := Kind()
	sub := newSubscription("")
	sub.Spec.ConsumerSubscriptionID = "smo-sub-42"
	if errs := k.ValidateChanged(sub, nil); len(errs) != 1 || errs[0].Field != "spec.consumerSubscriptionId" {
		t.Fatalf("create: %v, want one error at spec.consumerSubscriptionId", errs)
	}
	upd := sub.DeepCopy()
	upd.Labels = map[string]string{"team": "a"}
	if errs := k.ValidateChanged(upd, sub); len(errs) != 0 {
		t.Errorf("update of a stored subscription leaving it alone refused: %v", errs)
	}
	upd.Spec.ConsumerSubscriptionID = "3F20D850-AF4F-A84F-FB5A-0AD585410361"
	if errs := k.ValidateChanged(upd, sub); len(errs) != 0 {
		t.Errorf("a UUID of any case and version refused: %v", errs)
	}
}
