package notify

import (
	"encoding/json"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

const provID = "123e4567-e89b-12d3-a456-426614174000"

func provisioningRequest(rv string, phase v1alpha1.ProvisioningPhase, mutate ...func(*v1alpha1.ProvisioningRequest)) *v1alpha1.ProvisioningRequest {
	pr := &v1alpha1.ProvisioningRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: provID, UID: "822eca7c-54cd-4cbe-a01f-8b4ccb4bb3cf", ResourceVersion: rv},
		Spec: v1alpha1.ProvisioningRequestSpec{ProvisioningRequestID: provID, Name: "edge-1", TemplateName: "demo", TemplateVersion: "v1.31.0",
			TemplateParameters: &v1alpha1.JSON{Raw: []byte(`{"workers":2,"registryPassword":"hunter2"}`)}},
		Status: v1alpha1.ProvisioningRequestStatus{ProvisioningPhase: phase},
	}
	for _, m := range mutate {
		m(pr)
	}
	return pr
}

func compileProvisioning(t *testing.T, namespace, filter string) *Subscription {
	t.Helper()
	s, err := CompileProvisioning(&v1alpha1.ProvisioningRequestSubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "s", UID: "provsub-uid"},
		Spec: v1alpha1.ProvisioningRequestSubscriptionSpec{SubscriptionID: "69253c4b-8398-4602-855d-783865f5f25c",
			ConsumerSubscriptionID: consumerID, Filter: filter, Callback: "https://smo.example.com/cb",
			Subscriber: &v1alpha1.SubscriberInfo{Username: "smo"}},
	}, "o2ims-system")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestProvisioningRequestChanges(t *testing.T) {
	base := provisioningRequest("10", v1alpha1.ProvisioningPhaseProgressing)
	now := metav1.Now()
	for _, c := range []struct {
		name   string
		ev     *Event
		notify bool
	}{
		{"created", event(Create, nil, provisioningRequest("10", "")), true},
		{"deleted", event(Delete, base, nil), true},
		{"phase", event(Modify, base, provisioningRequest("11", v1alpha1.ProvisioningPhaseFulfilled)), true},
		{"PENDING stored after none", event(Modify, provisioningRequest("10", ""), provisioningRequest("11", v1alpha1.ProvisioningPhasePending)), false},
		{"deletion timestamp shows DELETING", event(Modify, base, provisioningRequest("11", v1alpha1.ProvisioningPhaseProgressing, func(pr *v1alpha1.ProvisioningRequest) {
			pr.DeletionTimestamp = &now
		})), true},
		{"controller's DELETING after the timestamp", event(Modify,
			provisioningRequest("11", v1alpha1.ProvisioningPhaseProgressing, func(pr *v1alpha1.ProvisioningRequest) { pr.DeletionTimestamp = &now }),
			provisioningRequest("12", v1alpha1.ProvisioningPhaseDeleting, func(pr *v1alpha1.ProvisioningRequest) { pr.DeletionTimestamp = &now })), false},
		{"resource set", event(Modify, base, provisioningRequest("11", v1alpha1.ProvisioningPhaseProgressing, func(pr *v1alpha1.ProvisioningRequest) {
			pr.Status.ProvisionedResourceSet = &v1alpha1.ProvisionedResourceSet{NodeClusterID: dmID}
		})), true},
		{"empty resource set", event(Modify, base, provisioningRequest("11", v1alpha1.ProvisioningPhaseProgressing, func(pr *v1alpha1.ProvisioningRequest) {
			pr.Status.ProvisionedResourceSet = &v1alpha1.ProvisionedResourceSet{InfrastructureResourceIDs: []string{}}
		})), false},
		{"conditions, message, spec", event(Modify, base, provisioningRequest("11", v1alpha1.ProvisioningPhaseProgressing, func(pr *v1alpha1.ProvisioningRequest) {
			pr.Status.Message = "waiting for the control plane"
			pr.Status.Conditions = []metav1.Condition{{Type: "ControlPlaneReady", Status: metav1.ConditionFalse, Reason: "Waiting", LastTransitionTime: now}}
			pr.Spec.TemplateVersion = "v1.32.0"
			pr.Finalizers = []string{"o2ims.oran.org/provisioning"}
		})), false},
	} {
		if got := ProvisioningRequestChanges(c.ev); got != c.notify {
			t.Errorf("%s: notify %v, want %v", c.name, got, c.notify)
		}
		_, _, ok, err := BuildProvisioningRequestBody(compileProvisioning(t, "tenant-a", ""), c.ev, "o2ims-system")
		if err != nil || ok != c.notify {
			t.Errorf("%s: body built %v (%v), want %v", c.name, ok, err, c.notify)
		}
	}
}

func TestProvisioningRequestBody(t *testing.T) {
	v := modeltest.New(t)
	prior := provisioningRequest("10", v1alpha1.ProvisioningPhaseProgressing)
	post := provisioningRequest("11", v1alpha1.ProvisioningPhaseFulfilled)
	sub := compileProvisioning(t, "o2ims-system", "")
	for _, c := range []struct {
		ev        *Event
		eventType float64
	}{
		{event(Create, nil, prior), 0},
		{event(Modify, prior, post), 1},
		{event(Delete, post, nil), 2},
	} {
		body, id, ok, err := BuildProvisioningRequestBody(sub, c.ev, "o2ims-system")
		if err != nil || !ok {
			t.Fatalf("not built: %v", err)
		}
		v.Validate(t, 1, "ProvisioningRequestChangeNotification", body)
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if got["notificationId"] != id || got["consumerSubscriptionId"] != consumerID || got["notificationEventType"] != c.eventType ||
			got["objectRef"] != "/tenants/tenant-a/o2ims-infrastructureProvisioning/v1/provisioningRequests/"+provID {
			t.Errorf("body %s", body)
		}
		_, hasPrior := got["priorObjectState"]
		_, hasPost := got["postObjectState"]
		if hasPrior != (c.ev.Prior != nil) || hasPost != (c.ev.Post != nil) {
			t.Errorf("states of %v: %s", c.ev.Type, body)
		}
		state, _ := got["postObjectState"].(map[string]any)
		if state == nil {
			state = got["priorObjectState"].(map[string]any)
		}
		params := state["provisioningRequestData"].(map[string]any)["templateParameters"].(map[string]any)
		if params["registryPassword"] != model.Redacted || params["workers"] != 2.0 {
			t.Errorf("parameters %v", params)
		}
	}
	if ref := ProvisioningRequestObjectRef("o2ims-system", "o2ims-system", provID, true); ref != "/o2ims-infrastructureProvisioning/v1/provisioningRequests/"+provID {
		t.Errorf("inventory namespace objectRef %s", ref)
	}
}

// TestRegressionTenantProvisioningObjectRefResolvesAtItsRoot: a subscription made on the
// tenant apiRoot /tenants/tenant-a was sent objectRef
// /tenants/tenant-a/o2ims-infrastructureProvisioning/..., which an SMO resolving it against
// its apiRoot (as it does an inventory objectRef) turned into /tenants/tenant-a/tenants/tenant-a/…,
// a 404. The objectRef is relative to the subscription's own apiRoot; the default apiRoot's
// subscriptions keep the prefix for requests of other namespaces than the inventory one. One
// change rendered for both kinds of subscription, in either order, each gets its own.
func TestRegressionTenantProvisioningObjectRefResolvesAtItsRoot(t *testing.T) {
	tenant := compileProvisioning(t, "tenant-a", "")
	root := compileProvisioning(t, "o2ims-system", "")
	if tenant.AllNamespaces || !root.AllNamespaces {
		t.Fatalf("fixtures: tenant all namespaces %v, default root %v", tenant.AllNamespaces, root.AllNamespaces)
	}
	path := "/o2ims-infrastructureProvisioning/v1/provisioningRequests/" + provID
	want := map[*Subscription]string{tenant: path, root: "/tenants/tenant-a" + path}
	ev := event(Modify, provisioningRequest("10", v1alpha1.ProvisioningPhaseProgressing), provisioningRequest("11", v1alpha1.ProvisioningPhaseFulfilled))
	for _, order := range [][]*Subscription{{tenant, root}, {root, tenant}} {
		docs := newProvisioningDocs(ev, "o2ims-system")
		for _, sub := range order {
			var body []byte
			if err := docs.render(sub, access{}, func(_ string, b []byte) { body = b }); err != nil || body == nil {
				t.Fatalf("not rendered for %s: %v", sub.Namespace, err)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if got["objectRef"] != want[sub] {
				t.Errorf("subscription in %s: objectRef %v, want %s", sub.Namespace, got["objectRef"], want[sub])
			}
		}
	}
	// A request of the inventory namespace is the default apiRoot's own: no prefix.
	if ref := ProvisioningRequestObjectRef("o2ims-system", "o2ims-system", provID, false); ref != path {
		t.Errorf("inventory namespace, tenant root: %s", ref)
	}
}

func TestProvisioningRequestFilter(t *testing.T) {
	failed := event(Modify, provisioningRequest("10", v1alpha1.ProvisioningPhaseProgressing), provisioningRequest("11", v1alpha1.ProvisioningPhaseFailed))
	done := event(Modify, provisioningRequest("10", v1alpha1.ProvisioningPhaseProgressing), provisioningRequest("11", v1alpha1.ProvisioningPhaseFulfilled))
	for _, c := range []struct {
		filter       string
		failed, done bool
	}{
		{"(eq,status/provisioningPhase,FAILED)", true, false},
		{"(eq,provisioningRequestData/templateName,demo)", true, true},
		{"(eq,provisioningRequestData/templateParameters/workers,2)", true, true},
		{"(neq,status/provisioningPhase,PROGRESSING)", true, true},
		{"(eq,provisioningRequestData/templateName,other)", false, false},
		{"(eq,objectType,ProvisioningRequestInfo)", true, true},
	} {
		sub := compileProvisioning(t, "tenant-a", c.filter)
		_, _, okF, _ := BuildProvisioningRequestBody(sub, failed, "o2ims-system")
		_, _, okD, _ := BuildProvisioningRequestBody(sub, done, "o2ims-system")
		if okF != c.failed || okD != c.done {
			t.Errorf("%s: failed %v fulfilled %v, want %v %v", c.filter, okF, okD, c.failed, c.done)
		}
	}
}
