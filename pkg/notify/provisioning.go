package notify

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// ProvisioningRequestChangeNotification is the body POSTed to a
// ProvisioningRequestSubscription's callback (beyond the O2-IMS specification, which defines no
// provisioning notifications; docs/o2ims.md, "Provisioning notifications"). It has the shape of
// an InventoryChangeNotification whose states are ProvisioningRequestInfo documents.
type ProvisioningRequestChangeNotification struct {
	NotificationID         string    `json:"notificationId"`
	ConsumerSubscriptionID string    `json:"consumerSubscriptionId,omitempty"`
	NotificationEventType  EventType `json:"notificationEventType"`
	// ObjectRef is the request's URI below the subscription's apiRoot (ProvisioningRequestObjectRef).
	ObjectRef        string         `json:"objectRef"`
	PriorObjectState map[string]any `json:"priorObjectState,omitempty"`
	PostObjectState  map[string]any `json:"postObjectState,omitempty"`
}

// ProvisioningRequestChanges tells whether a change of a ProvisioningRequest is notified:
//
//	created (or found by a re-list without a recorded state)   CREATE
//	provisioningPhase changed, as ProvisioningRequestInfo
//	  shows it (a deletion timestamp shows DELETING)             MODIFY
//	provisionedResourceSet changed                               MODIFY
//	anything else: the spec (until the controller acts on it),
//	  message, conditions, per-resource status, metadata          nothing
//	deleted                                                      DELETE
//
// One write that changes both is one MODIFY.
func ProvisioningRequestChanges(ev *Event) bool {
	switch ev.Type {
	case Create, Delete:
		return true
	}
	prior, ok1 := ev.Prior.(*v1alpha1.ProvisioningRequest)
	post, ok2 := ev.Post.(*v1alpha1.ProvisioningRequest)
	if !ok1 || !ok2 {
		return false
	}
	if model.ProvisioningPhaseOf(prior) != model.ProvisioningPhaseOf(post) {
		return true
	}
	return !reflect.DeepEqual(resourceSet(prior), resourceSet(post))
}

// resourceSet is the provisionedResourceSet a request shows (an absent one equals an empty one).
func resourceSet(pr *v1alpha1.ProvisioningRequest) v1alpha1.ProvisionedResourceSet {
	s := pr.Status.ProvisionedResourceSet
	if s == nil {
		return v1alpha1.ProvisionedResourceSet{}
	}
	out := *s
	if len(out.InfrastructureResourceIDs) == 0 {
		out.InfrastructureResourceIDs = nil
	}
	return out
}

// ProvisioningRequestDocument is the state a notification carries (and a subscription's filter
// is evaluated against): the request's ProvisioningRequestInfo, extensions included, redacted
// as every O2 document (credential-like keys of templateParameters).
func ProvisioningRequestDocument(pr *v1alpha1.ProvisioningRequest) map[string]any {
	doc, _ := model.Redact(model.ProvisioningRequestInfo(pr))
	return doc
}

// ProvisioningRequestObjectRef is the request's URI below the apiRoot of the subscription
// that receives it: /o2ims-infrastructureProvisioning/v1/provisioningRequests/{id} for a
// subscription of a tenant apiRoot (/tenants/{namespace}, which receives its own namespace's
// requests only) and, for a subscription of the default apiRoot (defaultRoot), for a request
// of the inventory namespace, the one whose requests the default apiRoot serves; prefixed with
// /tenants/{namespace} for a request of any other namespace a default-apiRoot subscription
// receives (ids are unique per namespace only). An SMO resolves it against its own apiRoot, as
// it does an inventory objectRef.
func ProvisioningRequestObjectRef(inventoryNamespace, namespace, id string, defaultRoot bool) string {
	ref := fmt.Sprintf("/%s/v%d/provisioningRequests/%s", model.ProvisioningAPIName, model.Version1, id)
	if defaultRoot && namespace != inventoryNamespace {
		ref = "/tenants/" + namespace + ref
	}
	return ref
}

// provisioningDocs renders the notifications of one ProvisioningRequest change: classified and
// rendered once, the shared body spliced with each subscription's ids.
type provisioningDocs struct {
	ev          *Event
	inventoryNS string
	notify      bool
	prior, post map[string]any
	// tails are the encoded bodies without their ids, per apiRoot the objectRef is relative
	// to: [0] a tenant apiRoot's, [1] the default apiRoot's.
	tails [2][]byte
}

func newProvisioningDocs(ev *Event, inventoryNamespace string) *provisioningDocs {
	d := &provisioningDocs{ev: ev, inventoryNS: inventoryNamespace, notify: ProvisioningRequestChanges(ev)}
	if !d.notify {
		return d
	}
	if o, ok := ev.Prior.(*v1alpha1.ProvisioningRequest); ok && o != nil {
		d.prior = ProvisioningRequestDocument(o)
	}
	if o, ok := ev.Post.(*v1alpha1.ProvisioningRequest); ok && o != nil {
		d.post = ProvisioningRequestDocument(o)
	}
	return d
}

// BuildProvisioningRequestBody returns the encoded notification of ev for sub, or ok false
// when sub is not to receive it (a change that is not notified, or the filter matches neither
// state). Visibility (tenancy) is checked by the caller.
func BuildProvisioningRequestBody(sub *Subscription, ev *Event, inventoryNamespace string) (body []byte, id string, ok bool, err error) {
	err = newProvisioningDocs(ev, inventoryNamespace).render(sub, access{}, func(i string, b []byte) { body, id, ok = b, i, true })
	return body, id, ok, err
}

// render implements renderer.
func (d *provisioningDocs) render(sub *Subscription, _ access, add func(id string, body []byte)) error {
	if !d.notify || !sub.Matches(d.ev.Kind, d.prior, d.post) {
		return nil
	}
	root := 0
	if sub.AllNamespaces {
		root = 1
	}
	if d.tails[root] == nil {
		t, err := json.Marshal(&ProvisioningRequestChangeNotification{
			NotificationEventType: d.ev.Type,
			ObjectRef:             ProvisioningRequestObjectRef(d.inventoryNS, d.ev.Namespace, d.ev.Name, sub.AllNamespaces),
			PriorObjectState:      d.prior,
			PostObjectState:       d.post,
		})
		if err != nil {
			return fmt.Errorf("encode ProvisioningRequest notification: %w", err)
		}
		// Without its ids (set below): {"notificationId":"", is cut off.
		const empty = `{"notificationId":"",`
		d.tails[root] = append([]byte{'{'}, t[len(empty):]...)
	}
	id := NotificationID(sub.UID, d.ev)
	add(id, withIDs(d.tails[root], id, sub.ConsumerID))
	return nil
}
