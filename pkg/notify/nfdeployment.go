package notify

import (
	"encoding/json"
	"fmt"

	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// The attributes an NfDeploymentChangeNotification's changes names.
const (
	ChangePhase           = "phase"
	ChangeReleaseRevision = "releaseRevision"
)

// NfDeploymentChangeNotification is the body POSTed to an NfDeploymentSubscription's callback
// (docs/o2dms.md, "Notifications").
type NfDeploymentChangeNotification struct {
	NotificationID         string    `json:"notificationId"`
	ConsumerSubscriptionID string    `json:"consumerSubscriptionId,omitempty"`
	NotificationEventType  EventType `json:"notificationEventType"`
	// ObjectRef is the NfDeployment's path on the Kubernetes face.
	ObjectRef string `json:"objectRef"`
	// NfDeploymentID is the NfDeployment's metadata.uid.
	NfDeploymentID string `json:"nfDeploymentId"`
	Name           string `json:"name"`
	Namespace      string `json:"namespace"`
	// Changes names what a MODIFY changed: phase, releaseRevision or both.
	Changes          []string       `json:"changes,omitempty"`
	PriorObjectState map[string]any `json:"priorObjectState,omitempty"`
	PostObjectState  map[string]any `json:"postObjectState,omitempty"`
}

// NfDeploymentChanges tells whether a change of an NfDeployment is notified and, for a
// MODIFY, what it changed:
//
//	created (or found by a re-list without a recorded state)   CREATE, no changes
//	status.phase changed                                         MODIFY, changes [phase]
//	status.releaseRevision changed                               MODIFY, changes [releaseRevision]
//	both                                                         MODIFY, changes [phase releaseRevision]
//	anything else: spec, metadata (labels, finalizers, the
//	  deletion timestamp), workloads, history, conditions,
//	  message, observedGeneration                                nothing
//	deleted                                                      DELETE, no changes
//
// A spec change is notified when the controller acts on it (UPGRADING, a new revision), not
// when it is written.
func NfDeploymentChanges(ev *Event) (notify bool, changes []string) {
	switch ev.Type {
	case Create, Delete:
		return true, nil
	}
	prior, ok1 := ev.Prior.(*dmsv1alpha1.NfDeployment)
	post, ok2 := ev.Post.(*dmsv1alpha1.NfDeployment)
	if !ok1 || !ok2 {
		return false, nil
	}
	if prior.Status.Phase != post.Status.Phase {
		changes = append(changes, ChangePhase)
	}
	if prior.Status.ReleaseRevision != post.Status.ReleaseRevision {
		changes = append(changes, ChangeReleaseRevision)
	}
	return len(changes) > 0, changes
}

// NfDeploymentDocument is the JSON state of an NfDeployment a notification carries (and its
// subscription's filter is evaluated against): its id, name and namespace, its spec and the
// status attributes notifications are about. Credential-like keys of values are redacted as
// in every O2 document (model.Redact).
func NfDeploymentDocument(d *dmsv1alpha1.NfDeployment) map[string]any {
	s := &d.Spec
	ref := map[string]any{"name": s.DescriptorRef.Name}
	if s.DescriptorRef.Namespace != "" {
		ref["namespace"] = s.DescriptorRef.Namespace
	}
	status := map[string]any{
		"phase":           string(d.Status.Phase),
		"releaseRevision": d.Status.ReleaseRevision,
	}
	if d.Status.Message != "" {
		status["message"] = d.Status.Message
	}
	doc := map[string]any{
		"nfDeploymentId":      string(d.UID),
		"name":                d.Name,
		"namespace":           d.Namespace,
		"descriptorRef":       ref,
		"deploymentManagerId": s.DeploymentManagerID,
		"targetNamespace":     s.TargetNamespace,
		"status":              status,
	}
	if s.DesiredRevision != nil {
		doc["desiredRevision"] = *s.DesiredRevision
	}
	if s.Values != nil && len(s.Values.Raw) > 0 {
		// Values are free-form like extensions: numbers exact (an id past 2^53 is not rounded),
		// redacted the same way.
		redacted, _ := model.Redact(map[string]any{"extensions": model.DecodeJSON(s.Values.Raw)})
		doc["values"] = redacted["extensions"]
	}
	return doc
}

// NfDeploymentObjectRef is the NfDeployment's path on the Kubernetes face (O2-DMS has no REST
// face in netweave): /apis/o2dms.oran.org/v1alpha1/namespaces/{namespace}/nfdeployments/{name}.
func NfDeploymentObjectRef(namespace, name string) string {
	return fmt.Sprintf("/apis/%s/namespaces/%s/nfdeployments/%s", dmsv1alpha1.SchemeGroupVersion, namespace, name)
}

// nfDocs renders the notifications of one NfDeployment change: classified and rendered once,
// the shared body spliced with each subscription's ids.
type nfDocs struct {
	ev          *Event
	notify      bool
	changes     []string
	prior, post map[string]any
	tail        []byte
}

func newNfDocs(ev *Event) *nfDocs {
	d := &nfDocs{ev: ev}
	d.notify, d.changes = NfDeploymentChanges(ev)
	if !d.notify {
		return d
	}
	if o, ok := ev.Prior.(*dmsv1alpha1.NfDeployment); ok && o != nil {
		d.prior = NfDeploymentDocument(o)
	}
	if o, ok := ev.Post.(*dmsv1alpha1.NfDeployment); ok && o != nil {
		d.post = NfDeploymentDocument(o)
	}
	return d
}

// BuildNfDeploymentBody returns the encoded notification of ev for sub, or ok false when sub
// is not to receive it (a change that is not notified, or the filter matches neither state).
// Visibility (tenancy) is checked by the caller.
func BuildNfDeploymentBody(sub *Subscription, ev *Event) (body []byte, id string, ok bool, err error) {
	err = newNfDocs(ev).render(sub, access{}, func(i string, b []byte) { body, id, ok = b, i, true })
	return body, id, ok, err
}

// render implements renderer.
func (d *nfDocs) render(sub *Subscription, _ access, add func(id string, body []byte)) error {
	if !d.notify || !sub.Matches(d.ev.Kind, d.prior, d.post) {
		return nil
	}
	if d.tail == nil {
		t, err := json.Marshal(&NfDeploymentChangeNotification{
			NotificationEventType: d.ev.Type,
			ObjectRef:             NfDeploymentObjectRef(d.ev.Namespace, d.ev.Name),
			NfDeploymentID:        d.ev.UID,
			Name:                  d.ev.Name,
			Namespace:             d.ev.Namespace,
			Changes:               d.changes,
			PriorObjectState:      d.prior,
			PostObjectState:       d.post,
		})
		if err != nil {
			return fmt.Errorf("encode NfDeployment notification: %w", err)
		}
		// Without its ids (set below): {"notificationId":"", is cut off.
		const empty = `{"notificationId":"",`
		d.tail = append([]byte{'{'}, t[len(empty):]...)
	}
	id := NotificationID(sub.UID, d.ev)
	add(id, withIDs(d.tail, id, sub.ConsumerID))
	return nil
}
