package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// SubscriptionV1 is an inventory Subscription of spec 7; the schema is the same in both
// versions.
func SubscriptionV1(s *v1alpha1.InventorySubscription) map[string]any { return subscription(s) }

// SubscriptionV2 is an inventory Subscription of spec 11; the schema is the same in both
// versions.
func SubscriptionV2(s *v1alpha1.InventorySubscription) map[string]any { return subscription(s) }

// subscription maps the subscription. Only callback is required; the optional attributes are
// left out when unset (consumerSubscriptionId has format uuid, so "" would not validate).
func subscription(sub *v1alpha1.InventorySubscription) map[string]any {
	s := &sub.Spec
	m := make(map[string]any, 4)
	if s.SubscriptionID != "" {
		m["subscriptionId"] = s.SubscriptionID
	}
	if s.ConsumerSubscriptionID != "" {
		m["consumerSubscriptionId"] = s.ConsumerSubscriptionID
	}
	if s.Filter != "" {
		m["filter"] = s.Filter
	}
	m["callback"] = s.Callback
	return m
}
