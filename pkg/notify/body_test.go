package notify

import (
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

const (
	poolID     = "d3b27e14-4589-4d93-ae76-ddca559193ea"
	poolID2    = "7d1e2a7b-54b6-4a41-9c2b-1f4ad0e3e001"
	resourceID = "39c85e74-2e98-4e3d-8fec-e5a849d967c6"
	dmID       = "65221564-8b05-416a-bfc3-c250bc64e1aa"
	consumerID = "16d5fc54-cee0-4532-9826-2369f8240e1b"
)

func pool(desc string) *v1alpha1.ResourcePool {
	return &v1alpha1.ResourcePool{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "pool-uid", ResourceVersion: "7"},
		Spec:       v1alpha1.ResourcePoolSpec{ResourcePoolID: poolID, Name: "pool", Description: desc},
	}
}

func resourceIn(pool, desc string) *v1alpha1.O2Resource {
	return &v1alpha1.O2Resource{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r", UID: "res-uid", ResourceVersion: "9"},
		Spec:       v1alpha1.ResourceSpec{ResourceID: resourceID, ResourcePoolID: pool, Description: desc},
	}
}

func event(t EventType, prior, post runtime.Object) *Event {
	obj := post
	if obj == nil {
		obj = prior
	}
	kind, _ := KindOf(obj)
	m, _ := obj.(metav1.Object)
	return &Event{Type: t, Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName(), UID: string(m.GetUID()), ResourceVersion: m.GetResourceVersion(), Prior: prior, Post: post}
}

func compile(t *testing.T, filter string, version int) *Subscription {
	t.Helper()
	obj := &v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s", UID: "sub-uid",
			Annotations: map[string]string{v1alpha1.AnnotationNotificationVersion: string(rune('0' + version))}},
		Spec: v1alpha1.InventorySubscriptionSpec{SubscriptionID: "69253c4b-8398-4602-855d-783865f5f25c",
			ConsumerSubscriptionID: consumerID, Filter: filter, Callback: "https://smo.example.com/cb",
			Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
	}
	s, err := Compile(obj, "o2ims-system")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBodyValidatesAgainstSchema(t *testing.T) {
	v := modeltest.New(t)
	dm := &v1alpha1.DeploymentManager{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "dm", UID: "dm-uid", ResourceVersion: "3"},
		Spec: v1alpha1.DeploymentManagerSpec{DeploymentManagerID: dmID, Name: "dm", ServiceURI: "https://k8s",
			Extensions: v1alpha1.Extensions{
				"profileData": {Raw: []byte(`{"admin_client_cert":"PEM","cluster_api_endpoint":"https://k8s"}`)},
				"site":        {Raw: []byte(`{"name":"a","apiToken":"t0k"}`)},
			}},
	}
	for _, version := range model.Versions() {
		sub := compile(t, "", version)
		for _, ev := range []*Event{
			event(Create, nil, pool("a")),
			event(Modify, pool("a"), pool("b")),
			event(Delete, pool("b"), nil),
			event(Create, nil, resourceIn(poolID, "r")),
			event(Modify, dm, withDescription(dm, "changed")),
		} {
			body, id, ok, err := BuildBody(sub, access{}, ev, nil)
			if err != nil || !ok {
				t.Fatalf("v%d %s %s: ok=%v err=%v", version, ev.Type, ev.Kind, ok, err)
			}
			v.Validate(t, version, "InventoryChangeNotification", body)
			var n map[string]any
			if err := json.Unmarshal(body, &n); err != nil {
				t.Fatal(err)
			}
			if n["notificationId"] != id || n["consumerSubscriptionId"] != consumerID || n["notificationEventType"] != float64(ev.Type) {
				t.Errorf("v%d %s: header fields %v", version, ev.Type, n)
			}
			if (ev.Prior != nil) != (n["priorObjectState"] != nil) || (ev.Post != nil) != (n["postObjectState"] != nil) {
				t.Errorf("v%d %s: states %v", version, ev.Type, n)
			}
			for _, state := range []string{"priorObjectState", "postObjectState"} {
				if doc, ok := n[state].(map[string]any); ok {
					v.Validate(t, version, string(ev.Kind), doc)
				}
			}
			if ev.Kind == model.KindDeploymentManager {
				ext := n["postObjectState"].(map[string]any)["extensions"].(map[string]any)
				if ext["profileData"] != model.Redacted || ext["site"].(map[string]any)["apiToken"] != model.Redacted || ext["site"].(map[string]any)["name"] != "a" {
					t.Errorf("v%d: deployment manager extensions not redacted: %v", version, ext)
				}
			}
		}
	}
}

// withDescription is a copy of dm with another description.
func withDescription(dm *v1alpha1.DeploymentManager, desc string) *v1alpha1.DeploymentManager {
	c := dm.DeepCopy()
	c.Spec.Description = desc
	return c
}

func TestObjectRef(t *testing.T) {
	for _, tc := range []struct {
		obj     runtime.Object
		version int
		want    string
	}{
		{pool("a"), 1, "/o2ims-infrastructureInventory/v1/resourcePools/" + poolID},
		{resourceIn(poolID, "x"), 2, "/o2ims-infrastructureInventory/v2/resourcePools/" + poolID + "/resources/" + resourceID},
		{&v1alpha1.OCloud{}, 1, "/o2ims-infrastructureInventory/v1"},
		{&v1alpha1.DeploymentManager{Spec: v1alpha1.DeploymentManagerSpec{DeploymentManagerID: dmID}}, 2, "/o2ims-infrastructureInventory/v2/deploymentManagers/" + dmID},
	} {
		if got := ObjectRef(tc.obj, tc.version); got != tc.want {
			t.Errorf("ObjectRef(%T, %d) = %q, want %q", tc.obj, tc.version, got, tc.want)
		}
	}
}

func TestNotificationIDStableAndUnique(t *testing.T) {
	ev := event(Modify, pool("a"), pool("b"))
	a, b := NotificationID("s1", ev), NotificationID("s1", ev)
	if a != b {
		t.Fatalf("same change, different ids: %s %s", a, b)
	}
	other := *ev
	other.ResourceVersion = "8"
	seen := map[string]bool{a: true}
	for _, id := range []string{NotificationID("s2", ev), NotificationID("s1", &other), NotificationID("s1", event(Delete, pool("b"), nil))} {
		if seen[id] {
			t.Errorf("id %s reused", id)
		}
		seen[id] = true
	}
	if err := modeltest.New(t).Check(1, "InventoryChangeNotification", map[string]any{"notificationId": a, "notificationEventType": 1}); err != nil {
		t.Errorf("id %s is not a uuid: %v", a, err)
	}
}

func TestKindsOutsideTheVersionAreNotSent(t *testing.T) {
	site := &v1alpha1.OCloudSite{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s"}}
	if _, _, ok, _ := BuildBody(compile(t, "", 1), access{}, event(Create, nil, site), nil); ok {
		t.Error("an O-Cloud site was sent to a v1 subscription")
	}
	if _, _, ok, _ := BuildBody(compile(t, "", 2), access{}, event(Create, nil, site), nil); !ok {
		t.Error("an O-Cloud site was not sent to a v2 subscription")
	}
}

func TestBodyEncodingSameAsMarshal(t *testing.T) {
	for _, ev := range []*Event{event(Modify, pool("a<b>&"), pool("b\u2028")), event(Create, nil, pool("x")), event(Delete, pool("x"), nil)} {
		for _, v := range []int{1, 2} {
			sub := compile(t, "", v)
			for _, cid := range []string{consumerID, ""} {
				sub.ConsumerID = cid
				d := newDocs(ev, nil)
				body, id, ok, err := buildBody(sub, access{}, d)
				if err != nil || !ok {
					t.Fatal(err, ok)
				}
				prior, post, _ := d.get(view{version: v})
				want, _ := json.Marshal(&Notification{NotificationID: id, ConsumerSubscriptionID: cid, NotificationEventType: ev.Type,
					ObjectRef: d.objectRef(v), PriorObjectState: prior, PostObjectState: post})
				if string(body) != string(want) {
					t.Fatalf("got %s\nwant %s", body, want)
				}
			}
		}
	}
}

// TestRegressionNotificationRedactsResourceElementExtensions: notifications are redacted
// whoever the subscriber is, but a credential in a Resource element's extensions reached the
// callback verbatim: the redaction looked at the document's top-level free-form objects only.
func TestRegressionNotificationRedactsResourceElementExtensions(t *testing.T) {
	res := &v1alpha1.O2Resource{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "bmc", UID: "u1", ResourceVersion: "7"},
		Spec: v1alpha1.ResourceSpec{ResourceID: "c0000000-0000-4000-8000-0000000000d1", ResourcePoolID: "39c85e74-2e98-4e3d-8fec-e5a849d967c6",
			Elements: []v1alpha1.ResourceElement{{ResourceID: "c0000000-0000-4000-8000-0000000000d2",
				Extensions: v1alpha1.Extensions{"bmcPassword": {Raw: []byte(`"element-s3cret"`)}}}}}}
	for _, v := range []int{1, 2} {
		doc, err := Document(res, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "element-s3cret") || !strings.Contains(string(b), model.Redacted) {
			t.Errorf("v%d: the notification document: %s", v, b)
		}
	}
}
