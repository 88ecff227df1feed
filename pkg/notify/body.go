package notify

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// Notification is the InventoryChangeNotification body.
type Notification struct {
	NotificationID         string         `json:"notificationId"`
	ConsumerSubscriptionID string         `json:"consumerSubscriptionId,omitempty"`
	NotificationEventType  EventType      `json:"notificationEventType"`
	ObjectRef              string         `json:"objectRef,omitempty"`
	PriorObjectState       map[string]any `json:"priorObjectState,omitempty"`
	PostObjectState        map[string]any `json:"postObjectState,omitempty"`
}

// docs renders an event's prior and post documents once per view (inventory version, and
// whether the related ids are shown), for every subscription of that view to share.
type docs struct {
	ev     *Event
	rel    Related
	byView map[view][2]map[string]any
	// unchanged: the view's prior and post documents of a MODIFY are equal.
	unchanged map[view]bool
	failed    map[int]error
	refByVr   map[int]string
	tails     map[view][]byte
}

// view is what a subscription's documents depend on besides the change.
type view struct {
	version int
	access
}

// access is what a subscription's owner may read beyond the changed object, as far as its
// notifications show it (see the package documentation, Tenancy).
type access struct {
	// related: the owner may list the objects whose ids the document lists (a location's
	// sites, a site's pools) in the object's namespace.
	related bool
}

func newDocs(ev *Event, rel Related) *docs {
	if rel == nil {
		rel = noRelated{}
	}
	return &docs{ev: ev, rel: rel, byView: map[view][2]map[string]any{}, unchanged: map[view]bool{}, failed: map[int]error{}, refByVr: map[int]string{}, tails: map[view][]byte{}}
}

// get returns prior and post as v shows them; an error means the kind does not exist in v's
// version.
func (d *docs) get(v view) (prior, post map[string]any, err error) {
	if pp, ok := d.byView[v]; ok {
		return pp[0], pp[1], nil
	}
	if err, ok := d.failed[v.version]; ok {
		return nil, nil, err
	}
	if !model.Supports(d.ev.Kind, v.version) {
		err = fmt.Errorf("%s does not exist in inventory version %d", d.ev.Kind, v.version)
	}
	rel := d.rel
	if !v.related {
		rel = noRelated{}
	}
	if err == nil && d.ev.Prior != nil {
		prior, err = Document(d.ev.Prior, v.version, rel)
	}
	if err == nil && d.ev.Post != nil {
		post, err = Document(d.ev.Post, v.version, rel)
	}
	if err != nil {
		d.failed[v.version] = err
		return nil, nil, err
	}
	d.byView[v] = [2]map[string]any{prior, post}
	d.unchanged[v] = d.ev.Type == Modify && prior != nil && post != nil && reflect.DeepEqual(prior, post)
	return prior, post, nil
}

func (d *docs) objectRef(version int) string {
	if ref, ok := d.refByVr[version]; ok {
		return ref
	}
	obj := d.ev.Post
	if obj == nil {
		obj = d.ev.Prior
	}
	ref := ObjectRef(obj, version)
	d.refByVr[version] = ref
	return ref
}

// BuildBody returns the encoded notification of ev for sub, whose owner may read what may
// says, or ok false when sub is not to receive it (kind not in its version, filter matches
// neither state, a MODIFY whose documents in sub's view are equal). Visibility (tenancy) is
// checked by the caller.
func BuildBody(sub *Subscription, may access, ev *Event, rel Related) (body []byte, id string, ok bool, err error) {
	return buildBody(sub, may, newDocs(ev, rel))
}

// render implements renderer.
func (d *docs) render(sub *Subscription, may access, add func(id string, body []byte)) error {
	body, id, ok, err := buildBody(sub, may, d)
	if ok {
		add(id, body)
	}
	return err
}

func buildBody(sub *Subscription, may access, d *docs) ([]byte, string, bool, error) {
	v := view{version: sub.Version, access: may}
	prior, post, err := d.get(v)
	if err != nil {
		return nil, "", false, nil
	}
	// A write the O2 document does not show (status the O2 face leaves out, such as the
	// OCloud's smoRegistration at every announcement attempt; labels, finalizers) is no
	// inventory change to the SMO: a MODIFY with equal states is not sent.
	if d.unchanged[v] {
		return nil, "", false, nil
	}
	if !sub.Matches(d.ev.Kind, prior, post) {
		return nil, "", false, nil
	}
	tail, err := d.tail(v, prior, post)
	if err != nil {
		return nil, "", false, err
	}
	// The encoding of Notification, the shared part encoded once per version.
	id := NotificationID(sub.UID, d.ev)
	return withIDs(tail, id, sub.ConsumerID), id, true, nil
}

// withIDs returns the encoded object tail (a notification encoded without its ids, see
// docs.tail) with notificationId and, when set, consumerSubscriptionId as its first members.
func withIDs(tail []byte, id, consumerID string) []byte {
	qid, _ := json.Marshal(id)
	body := make([]byte, 0, len(tail)+len(qid)+len(consumerID)+64)
	body = append(body, `{"notificationId":`...)
	body = append(body, qid...)
	if consumerID != "" {
		qc, _ := json.Marshal(consumerID)
		body = append(body, `,"consumerSubscriptionId":`...)
		body = append(body, qc...)
	}
	body = append(body, ',')
	return append(body, tail[1:]...)
}

// tail returns the encoding of what every subscription of version shares: Notification without
// its first two fields, as a JSON object.
func (d *docs) tail(v view, prior, post map[string]any) ([]byte, error) {
	if t, ok := d.tails[v]; ok {
		return t, nil
	}
	t, err := json.Marshal(&Notification{
		NotificationEventType: d.ev.Type,
		ObjectRef:             d.objectRef(v.version),
		PriorObjectState:      prior,
		PostObjectState:       post,
	})
	if err != nil {
		return nil, fmt.Errorf("encode notification: %w", err)
	}
	// Without an id and consumer id (omitted when empty, and the id is set below), the
	// encoding starts with {"notificationId":"", which is cut off.
	const empty = `{"notificationId":"",`
	t = append([]byte{'{'}, t[len(empty):]...)
	d.tails[v] = t
	return t, nil
}
