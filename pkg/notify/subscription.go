package notify

import (
	"fmt"
	"strconv"

	"k8s.io/apiserver/pkg/authentication/user"

	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/filterschema"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
)

// Subscription is an InventorySubscription, an AlarmSubscription or an
// NfDeploymentSubscription compiled for matching and delivery.
type Subscription struct {
	Namespace, Name string
	UID             string
	// ID is the O2 subscriptionId or alarmSubscriptionId.
	ID         string
	ConsumerID string
	Callback   string
	Version    int
	// Filter is an InventorySubscription's filter.
	Filter query.Filter
	// AlarmExclusion is the event types an AlarmSubscription's filter excludes.
	AlarmExclusion alarmExclusion
	// FilterNote says why the filter is not applied ("" when it is); the status reports it.
	FilterNote string
	// AllNamespaces is true for subscriptions of the default subscription namespace.
	AllNamespaces bool
	// Subscriber is the user who created the subscription (spec.subscriber, stamped by the
	// server); it receives only what this user may get. Nil means nothing is delivered.
	Subscriber user.Info
	Secret     *v1alpha1.SecretKeyRef

	family family
}

// Key is namespace/name.
func (s *Subscription) Key() string { return s.Namespace + "/" + s.Name }

// Compile turns an InventorySubscription into a Subscription. defaultNamespace is the
// namespace of the subscriptions made on the default apiRoot.
func Compile(obj *v1alpha1.InventorySubscription, defaultNamespace string) (*Subscription, error) {
	return compileObject(inventorySubscription(obj), defaultNamespace)
}

// CompileNfDeployment turns an NfDeploymentSubscription into a Subscription, as Compile does:
// its filter has the inventory grammar, evaluated against NfDeploymentDocuments.
func CompileNfDeployment(obj *dmsv1alpha1.NfDeploymentSubscription, defaultNamespace string) (*Subscription, error) {
	return compileObject(nfDeploymentSubscription(obj), defaultNamespace)
}

// CompileProvisioning turns a ProvisioningRequestSubscription into a Subscription, as Compile
// does: its filter has the inventory grammar, evaluated against ProvisioningRequestInfo
// documents.
func CompileProvisioning(obj *v1alpha1.ProvisioningRequestSubscription, defaultNamespace string) (*Subscription, error) {
	return compileObject(provisioningRequestSubscription(obj), defaultNamespace)
}

// CompileAlarm turns an AlarmSubscription into a Subscription, as Compile does.
func CompileAlarm(obj *v1alpha1.AlarmSubscription, defaultNamespace string) (*Subscription, error) {
	return compileObject(alarmSubscription(obj), defaultNamespace)
}

func compileObject(obj *subscriptionObject, defaultNamespace string) (*Subscription, error) {
	s := &Subscription{
		Namespace: obj.meta.Namespace, Name: obj.meta.Name, UID: string(obj.meta.UID),
		ID: obj.id, ConsumerID: obj.consumerID,
		Callback: obj.callback, Version: model.Version1,
		AllNamespaces: obj.meta.Namespace == defaultNamespace,
		Secret:        obj.secret,
		family:        obj.family,
	}
	if v, ok := obj.meta.Annotations[v1alpha1.AnnotationNotificationVersion]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || model.VersionString(n) == "" {
			return nil, fmt.Errorf("annotation %s=%q is not a served version", v1alpha1.AnnotationNotificationVersion, v)
		}
		s.Version = n
	}
	if o := obj.subscriber; o != nil && o.Username != "" {
		info := &user.DefaultInfo{Name: o.Username, UID: o.UID, Groups: o.Groups}
		if len(o.Extra) > 0 {
			info.Extra = make(map[string][]string, len(o.Extra))
			for k, v := range o.Extra {
				info.Extra[k] = v
			}
		}
		s.Subscriber = info
	}
	switch {
	case obj.filter == "":
	case obj.family == alarmFamily:
		x, err := parseAlarmFilter(obj.filter, s.Version)
		if err != nil {
			s.FilterNote = filterNote(err)
		}
		s.AlarmExclusion = x
	default:
		f, err := query.ParseFilter(obj.filter)
		if err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
		s.Filter = f
	}
	return s, nil
}

// objectTypeAttr is the pseudo-attribute naming the O2 schema of the object in filters.
const objectTypeAttr = filterschema.ObjectType

// Matches applies the filter rule: the change is sent when the filter matches the prior or the
// post document (either may be nil).
func (s *Subscription) Matches(kind model.Kind, prior, post map[string]any) bool {
	if len(s.Filter) == 0 {
		return true
	}
	return s.matchOne(kind, prior) || s.matchOne(kind, post)
}

func (s *Subscription) matchOne(kind model.Kind, doc map[string]any) bool {
	if doc == nil {
		return false
	}
	if _, taken := doc[objectTypeAttr]; !taken {
		// A shallow copy: the document itself is shared by every subscription.
		withType := make(map[string]any, len(doc)+1)
		for k, v := range doc {
			withType[k] = v
		}
		withType[objectTypeAttr] = string(kind)
		doc = withType
	}
	return s.Filter.Holds(doc)
}
