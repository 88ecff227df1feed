package notify

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	informers "github.com/netweave-io/netweave/generated/informers/externalversions"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// family is what a subscription subscribes to: inventory changes (InventorySubscription),
// alarm events (AlarmSubscription), NfDeployment changes (NfDeploymentSubscription) or
// ProvisioningRequest changes (ProvisioningRequestSubscription). Each
// family has its own set of subscriptions; a change goes to the set of its kind's family only.
type family int

const (
	inventoryFamily family = iota
	alarmFamily
	nfDeploymentFamily
	provisioningFamily
	numFamilies
)

// familyOf is the family of the subscriptions that receive changes of kind.
func familyOf(kind model.Kind) family {
	switch kind {
	case model.KindAlarmEventRecord:
		return alarmFamily
	case model.KindNfDeployment:
		return nfDeploymentFamily
	case model.KindProvisioningRequest:
		return provisioningFamily
	}
	return inventoryFamily
}

// subscriptionObject is what the notifier reads of a subscription object of either kind.
type subscriptionObject struct {
	// obj is the typed object (the lister's: never modified).
	obj                              any
	meta                             *metav1.ObjectMeta
	family                           family
	id, consumerID, filter, callback string
	secret                           *v1alpha1.SecretKeyRef
	subscriber                       *v1alpha1.SubscriberInfo
	status                           v1alpha1.InventorySubscriptionStatus
	// spec is the typed spec, compared to tell spec changes from the notifier's status writes.
	spec any
}

// deleting reports whether the subscription is being deleted (held by a finalizer, someone's
// or a foreground deletion's): deleted for its owner, and served no more.
func (o *subscriptionObject) deleting() bool { return o.meta.DeletionTimestamp != nil }

func inventorySubscription(o *v1alpha1.InventorySubscription) *subscriptionObject {
	return &subscriptionObject{obj: o, meta: &o.ObjectMeta, family: inventoryFamily,
		id: o.Spec.SubscriptionID, consumerID: o.Spec.ConsumerSubscriptionID, filter: o.Spec.Filter, callback: o.Spec.Callback,
		secret: o.Spec.SigningSecretRef, subscriber: o.Spec.Subscriber, status: o.Status, spec: &o.Spec}
}

func alarmSubscription(o *v1alpha1.AlarmSubscription) *subscriptionObject {
	return &subscriptionObject{obj: o, meta: &o.ObjectMeta, family: alarmFamily,
		id: o.Spec.AlarmSubscriptionID, consumerID: o.Spec.ConsumerSubscriptionID, filter: o.Spec.Filter, callback: o.Spec.Callback,
		secret: o.Spec.SigningSecretRef, subscriber: o.Spec.Subscriber, status: o.Status, spec: &o.Spec}
}

func nfDeploymentSubscription(o *dmsv1alpha1.NfDeploymentSubscription) *subscriptionObject {
	return &subscriptionObject{obj: o, meta: &o.ObjectMeta, family: nfDeploymentFamily,
		id: o.Spec.SubscriptionID, consumerID: o.Spec.ConsumerSubscriptionID, filter: o.Spec.Filter, callback: o.Spec.Callback,
		secret: o.Spec.SigningSecretRef, subscriber: o.Spec.Subscriber, status: o.Status, spec: &o.Spec}
}

func provisioningRequestSubscription(o *v1alpha1.ProvisioningRequestSubscription) *subscriptionObject {
	return &subscriptionObject{obj: o, meta: &o.ObjectMeta, family: provisioningFamily,
		id: o.Spec.SubscriptionID, consumerID: o.Spec.ConsumerSubscriptionID, filter: o.Spec.Filter, callback: o.Spec.Callback,
		secret: o.Spec.SigningSecretRef, subscriber: o.Spec.Subscriber, status: o.Status, spec: &o.Spec}
}

// subscriptionOf reads an informer's object.
func subscriptionOf(obj any) (*subscriptionObject, bool) {
	switch o := obj.(type) {
	case *v1alpha1.InventorySubscription:
		return inventorySubscription(o), true
	case *v1alpha1.AlarmSubscription:
		return alarmSubscription(o), true
	case *dmsv1alpha1.NfDeploymentSubscription:
		return nfDeploymentSubscription(o), true
	case *v1alpha1.ProvisioningRequestSubscription:
		return provisioningRequestSubscription(o), true
	}
	return nil, false
}

// subscriptionKind is one kind of subscription object, as a subscription set uses it.
type subscriptionKind struct {
	family family
	// name is the kind's name (metric label).
	name string
	// queues prefixes the names of the set's work queues (their metrics).
	queues   string
	informer cache.SharedIndexInformer
	// get returns nil, nil when the object does not exist.
	get  func(namespace, name string) (*subscriptionObject, error)
	list func() ([]*subscriptionObject, error)
	// updateStatus writes status to a copy of the object.
	updateStatus func(ctx context.Context, obj *subscriptionObject, status v1alpha1.InventorySubscriptionStatus) error
}

func inventorySubscriptionKind(c versioned.Interface, f informers.SharedInformerFactory) *subscriptionKind {
	inf := f.O2ims().V1alpha1().InventorySubscriptions()
	lister := inf.Lister()
	return &subscriptionKind{
		family: inventoryFamily, name: "InventorySubscription", queues: "notifier", informer: inf.Informer(),
		get: func(ns, name string) (*subscriptionObject, error) {
			obj, err := lister.InventorySubscriptions(ns).Get(name)
			return viewOrNil(obj, err, inventorySubscription)
		},
		list: func() ([]*subscriptionObject, error) {
			objs, err := lister.List(labels.Everything())
			return viewAll(objs, err, inventorySubscription)
		},
		updateStatus: func(ctx context.Context, obj *subscriptionObject, status v1alpha1.InventorySubscriptionStatus) error {
			updated := obj.obj.(*v1alpha1.InventorySubscription).DeepCopy()
			updated.Status = status
			_, err := c.O2imsV1alpha1().InventorySubscriptions(updated.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
			return err
		},
	}
}

func alarmSubscriptionKind(c versioned.Interface, f informers.SharedInformerFactory) *subscriptionKind {
	inf := f.O2ims().V1alpha1().AlarmSubscriptions()
	lister := inf.Lister()
	return &subscriptionKind{
		family: alarmFamily, name: "AlarmSubscription", queues: "notifier_alarm", informer: inf.Informer(),
		get: func(ns, name string) (*subscriptionObject, error) {
			obj, err := lister.AlarmSubscriptions(ns).Get(name)
			return viewOrNil(obj, err, alarmSubscription)
		},
		list: func() ([]*subscriptionObject, error) {
			objs, err := lister.List(labels.Everything())
			return viewAll(objs, err, alarmSubscription)
		},
		updateStatus: func(ctx context.Context, obj *subscriptionObject, status v1alpha1.InventorySubscriptionStatus) error {
			updated := obj.obj.(*v1alpha1.AlarmSubscription).DeepCopy()
			updated.Status = status
			_, err := c.O2imsV1alpha1().AlarmSubscriptions(updated.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
			return err
		},
	}
}

func nfDeploymentSubscriptionKind(c versioned.Interface, f informers.SharedInformerFactory) *subscriptionKind {
	inf := f.O2dms().V1alpha1().NfDeploymentSubscriptions()
	lister := inf.Lister()
	return &subscriptionKind{
		family: nfDeploymentFamily, name: "NfDeploymentSubscription", queues: "notifier_nfdeployment", informer: inf.Informer(),
		get: func(ns, name string) (*subscriptionObject, error) {
			obj, err := lister.NfDeploymentSubscriptions(ns).Get(name)
			return viewOrNil(obj, err, nfDeploymentSubscription)
		},
		list: func() ([]*subscriptionObject, error) {
			objs, err := lister.List(labels.Everything())
			return viewAll(objs, err, nfDeploymentSubscription)
		},
		updateStatus: func(ctx context.Context, obj *subscriptionObject, status v1alpha1.InventorySubscriptionStatus) error {
			updated := obj.obj.(*dmsv1alpha1.NfDeploymentSubscription).DeepCopy()
			updated.Status = status
			_, err := c.O2dmsV1alpha1().NfDeploymentSubscriptions(updated.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
			return err
		},
	}
}

func provisioningRequestSubscriptionKind(c versioned.Interface, f informers.SharedInformerFactory) *subscriptionKind {
	inf := f.O2ims().V1alpha1().ProvisioningRequestSubscriptions()
	lister := inf.Lister()
	return &subscriptionKind{
		family: provisioningFamily, name: "ProvisioningRequestSubscription", queues: "notifier_provisioning", informer: inf.Informer(),
		get: func(ns, name string) (*subscriptionObject, error) {
			obj, err := lister.ProvisioningRequestSubscriptions(ns).Get(name)
			return viewOrNil(obj, err, provisioningRequestSubscription)
		},
		list: func() ([]*subscriptionObject, error) {
			objs, err := lister.List(labels.Everything())
			return viewAll(objs, err, provisioningRequestSubscription)
		},
		updateStatus: func(ctx context.Context, obj *subscriptionObject, status v1alpha1.InventorySubscriptionStatus) error {
			updated := obj.obj.(*v1alpha1.ProvisioningRequestSubscription).DeepCopy()
			updated.Status = status
			_, err := c.O2imsV1alpha1().ProvisioningRequestSubscriptions(updated.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
			return err
		},
	}
}

// viewOrNil adapts a lister's Get: not found is nil, nil.
func viewOrNil[T any](obj *T, err error, view func(*T) *subscriptionObject) (*subscriptionObject, error) {
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return view(obj), nil
}

func viewAll[T any](objs []*T, err error, view func(*T) *subscriptionObject) ([]*subscriptionObject, error) {
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	out := make([]*subscriptionObject, len(objs))
	for i, o := range objs {
		out[i] = view(o)
	}
	return out, nil
}
