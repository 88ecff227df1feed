package notify

import (
	"fmt"
	"strconv"

	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
)

// Subscription is an InventorySubscription compiled for matching and delivery.
type Subscription struct {
	Namespace, Name string
	UID             string
	ID              string
	ConsumerID      string
	Callback        string
	Version         int
	Filter          query.Filter
	// AllNamespaces is true for subscriptions of the default subscription namespace.
	AllNamespaces bool
	// Subscriber is the user who created the subscription (spec.subscriber, stamped by the
	// server); it receives only what this user may get. Nil means nothing is delivered.
	Subscriber user.Info
	Secret     *v1alpha1.SecretKeyRef
}

// Key is namespace/name.
func (s *Subscription) Key() string { return s.Namespace + "/" + s.Name }

// Compile turns an InventorySubscription into a Subscription. defaultNamespace is the
// namespace of the subscriptions made on the default apiRoot.
func Compile(obj *v1alpha1.InventorySubscription, defaultNamespace string) (*Subscription, error) {
	s := &Subscription{
		Namespace: obj.Namespace, Name: obj.Name, UID: string(obj.UID),
		ID: obj.Spec.SubscriptionID, ConsumerID: obj.Spec.ConsumerSubscriptionID,
		Callback: obj.Spec.Callback, Version: model.Version1,
		AllNamespaces: obj.Namespace == defaultNamespace,
		Secret:        obj.Spec.SigningSecretRef,
	}
	if v, ok := obj.Annotations[v1alpha1.AnnotationNotificationVersion]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || model.VersionString(n) == "" {
			return nil, fmt.Errorf("annotation %s=%q is not a served inventory version", v1alpha1.AnnotationNotificationVersion, v)
		}
		s.Version = n
	}
	if o := obj.Spec.Subscriber; o != nil && o.Username != "" {
		info := &user.DefaultInfo{Name: o.Username, UID: o.UID, Groups: o.Groups}
		if len(o.Extra) > 0 {
			info.Extra = make(map[string][]string, len(o.Extra))
			for k, v := range o.Extra {
				info.Extra[k] = v
			}
		}
		s.Subscriber = info
	}
	if obj.Spec.Filter != "" {
		f, err := query.ParseFilter(obj.Spec.Filter)
		if err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
		s.Filter = f
	}
	return s, nil
}

// objectTypeAttr is the pseudo-attribute naming the O2 schema of the object in filters.
const objectTypeAttr = "objectType"

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
	ok, err := s.Filter.Match(doc)
	return err == nil && ok
}
