// Package subscription is the registry machinery every subscription kind shares
// (InventorySubscription, AlarmSubscription, and o2dms.oran.org's NfDeploymentSubscription):
// the subscriber stamped from the request, ids the server assigns, the signing Secret its creator must be allowed to read, and the owner rule of
// the shared subscription namespace (pkg/tenancy). Each kind declares a Kind; its registry is
// NewREST of it.
package subscription

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/fieldvalue"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
)

// Kind describes one subscription kind to the shared code: the registry's Kind plus where its
// objects keep the fields the subscription rules read. Functions receive internal objects.
type Kind struct {
	*kind.Kind
	// Subscriber returns a pointer to the object's spec.subscriber.
	Subscriber func(obj runtime.Object) **o2ims.SubscriberInfo
	// SigningSecretRef returns the object's spec.signingSecretRef (nil when none).
	SigningSecretRef func(obj runtime.Object) *o2ims.SecretKeyRef
	// SOL013Filter returns the object's spec.filter, for the kinds whose filter the notifier
	// evaluates in the SOL013 grammar; nil for AlarmSubscription, whose filter is a lenient
	// grammar of its own (an unread part excludes nothing and is reported in its status).
	SOL013Filter func(obj runtime.Object) string
	// FilterOf is the O2 subscription kind whose documents the filter is evaluated against
	// (filterschema.Subscription): the attributes it names must be theirs. "" checks only that
	// the filter parses (NfDeploymentSubscription: no O2 schema describes its documents).
	FilterOf model.Kind
	// ConsumerID returns the object's spec.consumerSubscriptionId, for the kinds whose O2
	// contract declares it a uuid (validateChanged); nil leaves it free (AlarmSubscription:
	// netweave's monitoring v2 description declares no format).
	ConsumerID func(obj runtime.Object) string
}

// RegistryKind is the registry's Kind completed with the subscription rules: the server
// assigns the ids and stamps the subscriber, which no update changes; every subscription kind
// shows the same columns.
func (k *Kind) RegistryKind() *kind.Kind {
	out := *k.Kind
	out.ServerAssignsIDs = true
	out.PrepareForCreate = k.stampSubscriber
	out.PrepareForUpdate = k.keepSubscriber
	out.ValidateChanged = k.validateChanged
	out.Columns = []kind.Column{
		column("O2 ID", "O2 identifier ("+k.IDPath.String()+")", 0, k.IDPath.String()),
		column("Callback", "URI notifications are POSTed to", 0, "spec.callback"),
		column("Subscriber", "user who created the subscription (spec.subscriber.username)", 1, "spec.subscriber.username"),
		column("Consumer ID", "SMO's own subscription id", 1, "spec.consumerSubscriptionId"),
	}
	return &out
}

// column shows the string at a JSON path of the object.
func column(name, description string, priority int32, path string) kind.Column {
	return kind.Column{Name: name, Type: "string", Description: description, Priority: priority, Cell: func(obj runtime.Object) interface{} {
		v, err := fieldvalue.Value(obj, path)
		if err != nil {
			return "<" + err.Error() + ">"
		}
		return v
	}}
}
