package notify

import (
	"encoding/json"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

func nfDeployment(rv string, phase dmsv1alpha1.NfDeploymentPhase, revision int64, mutate ...func(*dmsv1alpha1.NfDeployment)) *dmsv1alpha1.NfDeployment {
	d := &dmsv1alpha1.NfDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "upf-1", UID: "nf-uid", ResourceVersion: rv},
		Spec: dmsv1alpha1.NfDeploymentSpec{DescriptorRef: dmsv1alpha1.DescriptorReference{Name: "upf", Namespace: "o2ims-system"},
			DeploymentManagerID: dmID, TargetNamespace: "tenant-a",
			Values: &dmsv1alpha1.JSON{Raw: []byte(`{"replicas":2,"auth":{"password":"hunter2"}}`)}},
		Status: dmsv1alpha1.NfDeploymentStatus{Phase: phase, ReleaseRevision: revision},
	}
	for _, m := range mutate {
		m(d)
	}
	return d
}

func compileNf(t *testing.T, filter string) *Subscription {
	t.Helper()
	s, err := CompileNfDeployment(&dmsv1alpha1.NfDeploymentSubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "s", UID: "nfsub-uid"},
		Spec: dmsv1alpha1.NfDeploymentSubscriptionSpec{SubscriptionID: "69253c4b-8398-4602-855d-783865f5f25c",
			ConsumerSubscriptionID: consumerID, Filter: filter, Callback: "https://smo.example.com/cb",
			Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
	}, "o2ims-system")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNfDeploymentChanges(t *testing.T) {
	base := nfDeployment("10", dmsv1alpha1.NfDeploymentDeployed, 1)
	cases := []struct {
		name    string
		ev      *Event
		notify  bool
		changes []string
	}{
		{"created", event(Create, nil, nfDeployment("10", "", 0)), true, nil},
		{"deleted", event(Delete, base, nil), true, nil},
		{"phase", event(Modify, base, nfDeployment("11", dmsv1alpha1.NfDeploymentUpgrading, 1)), true, []string{ChangePhase}},
		{"revision", event(Modify, base, nfDeployment("11", dmsv1alpha1.NfDeploymentDeployed, 2)), true, []string{ChangeReleaseRevision}},
		{"both", event(Modify, base, nfDeployment("11", dmsv1alpha1.NfDeploymentFailed, 2)), true, []string{ChangePhase, ChangeReleaseRevision}},
		{"workloads only", event(Modify, base, nfDeployment("11", dmsv1alpha1.NfDeploymentDeployed, 1, func(d *dmsv1alpha1.NfDeployment) {
			d.Status.Workloads = []dmsv1alpha1.WorkloadStatus{{APIVersion: "apps/v1", Kind: "Deployment", Name: "upf", Ready: true}}
		})), false, nil},
		{"condition time only", event(Modify, base, nfDeployment("11", dmsv1alpha1.NfDeploymentDeployed, 1, func(d *dmsv1alpha1.NfDeployment) {
			d.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Deployed", LastTransitionTime: metav1.Now()}}
			d.Status.Message = "all ready"
			d.Status.ObservedGeneration = 3
		})), false, nil},
		{"spec only", event(Modify, base, nfDeployment("11", dmsv1alpha1.NfDeploymentDeployed, 1, func(d *dmsv1alpha1.NfDeployment) {
			d.Spec.Values = &dmsv1alpha1.JSON{Raw: []byte(`{"replicas":3}`)}
			d.Labels = map[string]string{"a": "b"}
			d.Finalizers = []string{"o2dms.oran.org/release"}
		})), false, nil},
	}
	for _, c := range cases {
		notify, changes := NfDeploymentChanges(c.ev)
		if notify != c.notify || !reflect.DeepEqual(changes, c.changes) {
			t.Errorf("%s: got %v %v, want %v %v", c.name, notify, changes, c.notify, c.changes)
		}
		_, _, ok, err := BuildNfDeploymentBody(compileNf(t, ""), c.ev)
		if err != nil || ok != c.notify {
			t.Errorf("%s: body built %v (%v), want %v", c.name, ok, err, c.notify)
		}
	}
}

func TestNfDeploymentBody(t *testing.T) {
	prior := nfDeployment("10", dmsv1alpha1.NfDeploymentUpgrading, 1)
	post := nfDeployment("11", dmsv1alpha1.NfDeploymentDeployed, 2)
	ev := event(Modify, prior, post)
	sub := compileNf(t, "")
	body, id, ok, err := BuildNfDeploymentBody(sub, ev)
	if err != nil || !ok {
		t.Fatalf("not built: %v", err)
	}
	if id != NotificationID(sub.UID, ev) {
		t.Errorf("id %s", id)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"notificationId":         id,
		"consumerSubscriptionId": consumerID,
		"notificationEventType":  1.0,
		"objectRef":              "/apis/o2dms.oran.org/v1alpha1/namespaces/tenant-a/nfdeployments/upf-1",
		"nfDeploymentId":         "nf-uid",
		"name":                   "upf-1",
		"namespace":              "tenant-a",
		"changes":                []any{"phase", "releaseRevision"},
		"priorObjectState":       doc("UPGRADING", 1),
		"postObjectState":        doc("DEPLOYED", 2),
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("body\n%s\nwant\n%s", g, w)
	}
	// The shared part is encoded once: a second subscription gets its own ids only.
	other := compileNf(t, "")
	other.UID, other.ConsumerID = "other-uid", ""
	d := newNfDocs(ev)
	var bodies [][]byte
	for _, s := range []*Subscription{sub, other} {
		if err := d.render(s, access{}, func(_ string, b []byte) { bodies = append(bodies, b) }); err != nil {
			t.Fatal(err)
		}
	}
	var second map[string]any
	if err := json.Unmarshal(bodies[1], &second); err != nil || second["consumerSubscriptionId"] != nil || second["notificationId"] == id {
		t.Errorf("second body %s (%v)", bodies[1], err)
	}
	// CREATE has no prior state, DELETE no post state, neither lists changes.
	body, _, _, _ = BuildNfDeploymentBody(sub, event(Delete, post, nil))
	var del map[string]any
	_ = json.Unmarshal(body, &del)
	if del["notificationEventType"] != 2.0 || del["postObjectState"] != nil || del["priorObjectState"] == nil || del["changes"] != nil {
		t.Errorf("delete body %s", body)
	}
}

func doc(phase string, revision float64) map[string]any {
	return map[string]any{
		"nfDeploymentId": "nf-uid", "name": "upf-1", "namespace": "tenant-a",
		"descriptorRef":       map[string]any{"name": "upf", "namespace": "o2ims-system"},
		"deploymentManagerId": dmID, "targetNamespace": "tenant-a",
		"values": map[string]any{"replicas": 2.0, "auth": map[string]any{"password": model.Redacted}},
		"status": map[string]any{"phase": phase, "releaseRevision": revision},
	}
}

func TestNfDeploymentFilter(t *testing.T) {
	failed := event(Modify, nfDeployment("10", dmsv1alpha1.NfDeploymentUpgrading, 1), nfDeployment("11", dmsv1alpha1.NfDeploymentFailed, 1))
	deployed := event(Modify, nfDeployment("10", dmsv1alpha1.NfDeploymentUpgrading, 1), nfDeployment("11", dmsv1alpha1.NfDeploymentDeployed, 2))
	for _, c := range []struct {
		filter           string
		failed, deployed bool
	}{
		{"(eq,status/phase,FAILED)", true, false},
		{"(eq,deploymentManagerId," + dmID + ")", true, true},
		{"(eq,deploymentManagerId,7d1e2a7b-54b6-4a41-9c2b-1f4ad0e3e001)", false, false},
		{"(gt,status/releaseRevision,1)", false, true},
		{"(eq,objectType,NfDeployment)", true, true},
	} {
		sub := compileNf(t, c.filter)
		_, _, okF, _ := BuildNfDeploymentBody(sub, failed)
		_, _, okD, _ := BuildNfDeploymentBody(sub, deployed)
		if okF != c.failed || okD != c.deployed {
			t.Errorf("%s: failed %v deployed %v, want %v %v", c.filter, okF, okD, c.failed, c.deployed)
		}
	}
}
