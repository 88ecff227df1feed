package o2rest

import (
	"context"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/o2rest/filterschema"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// subscriptionKind is what differs between the inventory's and the monitoring API's
// subscriptions; the create/list/get/delete path and the owner rule are shared.
type subscriptionKind struct {
	source source.Kind
	// create makes the subscription described by meta and body, as the client's user.
	create func(ctx context.Context, c versioned.Interface, meta metav1.ObjectMeta, body *subscriptionRequest) (runtime.Object, error)
	delete func(ctx context.Context, c versioned.Interface, ns, name string, opts metav1.DeleteOptions) error
	// checkFilter refuses a filter the version does not accept.
	checkFilter func(version int, filter string) error
	// freeConsumerID: the version's contract declares consumerSubscriptionId without a
	// format (netweave's monitoring v2 description); everywhere else it is a uuid.
	freeConsumerID func(version int) bool
}

var subscriptionKinds = map[model.Kind]*subscriptionKind{
	model.KindSubscription: {
		source: source.InventorySubscription,
		create: func(ctx context.Context, c versioned.Interface, meta metav1.ObjectMeta, b *subscriptionRequest) (runtime.Object, error) {
			return c.O2imsV1alpha1().InventorySubscriptions(meta.Namespace).Create(ctx, &v1alpha1.InventorySubscription{ObjectMeta: meta,
				Spec: v1alpha1.InventorySubscriptionSpec{ConsumerSubscriptionID: b.ConsumerSubscriptionID, Filter: b.Filter, Callback: b.Callback}},
				metav1.CreateOptions{})
		},
		delete: func(ctx context.Context, c versioned.Interface, ns, name string, opts metav1.DeleteOptions) error {
			return c.O2imsV1alpha1().InventorySubscriptions(ns).Delete(ctx, name, opts)
		},
		checkFilter: func(_ int, filter string) error {
			f, err := query.ParseFilter(filter)
			if err != nil {
				return err
			}
			return filterschema.Subscription(model.KindSubscription, f)
		},
	},
	model.KindAlarmSubscription: {
		source: source.AlarmSubscription,
		create: func(ctx context.Context, c versioned.Interface, meta metav1.ObjectMeta, b *subscriptionRequest) (runtime.Object, error) {
			return c.O2imsV1alpha1().AlarmSubscriptions(meta.Namespace).Create(ctx, &v1alpha1.AlarmSubscription{ObjectMeta: meta,
				Spec: v1alpha1.AlarmSubscriptionSpec{ConsumerSubscriptionID: b.ConsumerSubscriptionID, Filter: b.Filter, Callback: b.Callback}},
				metav1.CreateOptions{})
		},
		delete: func(ctx context.Context, c versioned.Interface, ns, name string, opts metav1.DeleteOptions) error {
			return c.O2imsV1alpha1().AlarmSubscriptions(ns).Delete(ctx, name, opts)
		},
		checkFilter:    checkAlarmFilter,
		freeConsumerID: func(version int) bool { return version != model.Version1 },
	},
	model.KindProvisioningSubscription: {
		source: source.ProvisioningRequestSubscription,
		create: func(ctx context.Context, c versioned.Interface, meta metav1.ObjectMeta, b *subscriptionRequest) (runtime.Object, error) {
			return c.O2imsV1alpha1().ProvisioningRequestSubscriptions(meta.Namespace).Create(ctx, &v1alpha1.ProvisioningRequestSubscription{ObjectMeta: meta,
				Spec: v1alpha1.ProvisioningRequestSubscriptionSpec{ConsumerSubscriptionID: b.ConsumerSubscriptionID, Filter: b.Filter, Callback: b.Callback}},
				metav1.CreateOptions{})
		},
		delete: func(ctx context.Context, c versioned.Interface, ns, name string, opts metav1.DeleteOptions) error {
			return c.O2imsV1alpha1().ProvisioningRequestSubscriptions(ns).Delete(ctx, name, opts)
		},
		checkFilter: checkProvisioningFilter,
	},
}

// checkProvisioningFilter accepts a filter that parses and names attributes of
// ProvisioningRequestInfo only: the notifier evaluates it against that one document.
func checkProvisioningFilter(_ int, filter string) error {
	f, err := query.ParseFilter(filter)
	if err != nil {
		return err
	}
	return filterschema.Subscription(model.KindProvisioningSubscription, f)
}

// alarmFilterEvents are the values of a monitoring 1.0.0 filter. The filter names the one
// notification event type NOT to report ("criteria for events which do not need to be
// reported"): "ACKNOWLEDGE" subscribes to everything but acknowledgements.
var alarmFilterEvents = []string{"NEW", "CHANGE", "CLEAR", "ACKNOWLEDGE"}

// checkAlarmFilter accepts, in v1, one of alarmFilterEvents; spec v10 makes the filter a free
// exclusion criterion, stored as given.
func checkAlarmFilter(version int, filter string) error {
	if version == model.Version1 && !slices.Contains(alarmFilterEvents, filter) {
		return fmt.Errorf("%q is not one of %v, the event type not to report", filter, alarmFilterEvents)
	}
	return nil
}

// isSubscription reports whether kind is a subscription kind.
func isSubscription(kind model.Kind) bool { return subscriptionKinds[kind] != nil }

// isSubscriptionResource reports whether resource is a subscription kind's resource.
func isSubscriptionResource(resource string) bool {
	for kind := range subscriptionKinds {
		if kind.KubernetesResource() == resource {
			return true
		}
	}
	return false
}

// subscriptionFields are what the shared subscription code reads of either kind.
type subscriptionFields struct {
	name, id, callback string
	subscriber         *v1alpha1.SubscriberInfo
}

// subscriptionOf reads the fields of a subscription object (zero for any other object).
func subscriptionOf(obj runtime.Object) subscriptionFields {
	switch s := obj.(type) {
	case *v1alpha1.InventorySubscription:
		return subscriptionFields{s.Name, s.Spec.SubscriptionID, s.Spec.Callback, s.Spec.Subscriber}
	case *v1alpha1.AlarmSubscription:
		return subscriptionFields{s.Name, s.Spec.AlarmSubscriptionID, s.Spec.Callback, s.Spec.Subscriber}
	case *v1alpha1.ProvisioningRequestSubscription:
		return subscriptionFields{s.Name, s.Spec.SubscriptionID, s.Spec.Callback, s.Spec.Subscriber}
	}
	return subscriptionFields{}
}

// collectionOf is the URI segment of kind's collection.
func collectionOf(kind model.Kind) string {
	for _, c := range collections {
		if c.kind == kind {
			return c.path
		}
	}
	return ""
}
