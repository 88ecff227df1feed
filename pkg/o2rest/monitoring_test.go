package o2rest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	k8stesting "k8s.io/client-go/testing"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

const (
	monitoring   = "/o2ims-infrastructureMonitoring"
	alarmA       = "a1000000-0000-4000-8000-00000000000a"
	alarmA2      = "a2000000-0000-4000-8000-00000000000a"
	alarmB       = "a1000000-0000-4000-8000-00000000000b"
	dictType     = "d1000000-0000-4000-8000-00000000000a"
	dictStandard = "d0000000-0000-4000-8000-000000000000"
	inventoryNS  = "o2ims-inventory"
)

// alarmFixtures: two alarms of tenant-a's worker-1 (one acknowledged), one of tenant-b, the
// dictionary of tenant-a's resource type and the standard one.
func alarmFixtures() []runtime.Object {
	alarm := func(ns, name, id, resource string, severity o2v1.PerceivedSeverity) *o2v1.AlarmEventRecord {
		return &o2v1.AlarmEventRecord{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: "5", UID: types.UID("uid-" + name)},
			Spec: o2v1.AlarmEventRecordSpec{AlarmEventRecordID: id, Source: o2v1.AlarmSource{Name: "node-conditions", Key: name},
				ObjectClass: "Resource", ObjectID: resource, ObjectTypeID: typeID, AlarmDefinitionID: dmID, ProbableCauseID: ocloudID},
			Status: o2v1.AlarmEventRecordStatus{PerceivedSeverity: severity, AlarmRaisedTime: &metav1.Time{}},
		}
	}
	acked := alarm("tenant-a", "worker-1-disk", alarmA2, res1, o2v1.PerceivedSeverityMinor)
	acked.Spec.Acknowledged, acked.Status.AlarmAcknowledged = true, true
	dict := func(ns, name, id, rt string) *o2v1.AlarmDictionary {
		return &o2v1.AlarmDictionary{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: "3", UID: types.UID("uid-" + name)},
			Spec: o2v1.AlarmDictionarySpec{AlarmDictionaryID: id, ResourceTypeID: rt, AlarmDictionaryVersion: "1", AlarmDictionarySchemaVersion: "1",
				EntityType: name, Vendor: "netweave", AlarmDefinitions: []o2v1.AlarmDefinition{{AlarmName: "CLUSTERNODE_CRITICAL", ClearingType: o2v1.ClearingTypeManual}}}}
	}
	return []runtime.Object{
		alarm("tenant-a", "worker-1-ready", alarmA, res1, o2v1.PerceivedSeverityMajor),
		acked,
		alarm("tenant-b", "core-1-ready", alarmB, resB, o2v1.PerceivedSeverityCritical),
		dict("tenant-a", "medium", dictType, typeID),
		dict(inventoryNS, "o-cloud", dictStandard, ""),
	}
}

// newMonitoringEnv serves the inventory and alarm fixtures through a fake API that behaves as
// the server does where the handlers rely on it: resourceVersions bump on every write, an
// update with a stale resourceVersion is a conflict, and ids and generated names are assigned.
func newMonitoringEnv(t *testing.T) *env {
	t.Helper()
	return newMonitoringEnvWith(t, func(*Config) {})
}

// newMonitoringEnvWith is newMonitoringEnv with the Config adjusted by configure.
func newMonitoringEnvWith(t *testing.T, configure func(*Config)) *env {
	t.Helper()
	e := newEnvOf(t, append(fixtures(), alarmFixtures()...), func(c *Config) { c.InventoryNamespace = inventoryNS; configure(c) })
	tracker := e.client.Tracker()
	var version int64 = 100
	next := func() string { version++; return strconv.FormatInt(version, 10) }
	e.client.PrependReactor("update", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj := a.(k8stesting.UpdateAction).GetObject()
		m, _ := meta.Accessor(obj)
		stored, err := tracker.Get(a.GetResource(), a.GetNamespace(), m.GetName())
		if err != nil {
			return true, nil, err
		}
		if sm, _ := meta.Accessor(stored); sm.GetResourceVersion() != m.GetResourceVersion() {
			return true, nil, apierrors.NewConflict(a.GetResource().GroupResource(), m.GetName(), fmt.Errorf("stale"))
		}
		m.SetResourceVersion(next())
		return true, obj, tracker.Update(a.GetResource(), obj, a.GetNamespace())
	})
	e.client.PrependReactor("create", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj := a.(k8stesting.CreateAction).GetObject()
		m, _ := meta.Accessor(obj)
		m.SetResourceVersion(next())
		m.SetUID(uuid.NewUUID())
		if m.GetName() == "" {
			m.SetName(m.GetGenerateName() + next())
		}
		switch o := obj.(type) {
		case *o2v1.AlarmSubscription:
			o.Spec.AlarmSubscriptionID = string(uuid.NewUUID())
		case *o2v1.AlarmPurge:
			o.Spec.TaskID = string(uuid.NewUUID())
		}
		return false, nil, nil
	})
	return e
}

// awaitGone waits until the translator's cache no longer holds the dictionary.
func (e *env) awaitGone(t *testing.T, ns, id string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		_, found := e.source.Get(source.AlarmDictionary, id)
		return !found, nil
	})
	if err != nil {
		t.Fatalf("dictionary %s/%s still cached", ns, id)
	}
}

// doWith sends body with a content type and extra headers (name, value pairs).
func (e *env) doWith(method, token, path, contentType, body string, header ...string) response {
	e.t.Helper()
	h := map[string]string{"Content-Type": contentType}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	return e.doHeaders(method, token, path, body, h)
}

func TestMonitoringAPIVersions(t *testing.T) {
	e := newMonitoringEnv(t)
	r := e.do("GET", "alice-token", monitoring+"/api_versions", "")
	e.expect(r, 200, "api_versions")
	e.schema.Validate(t, 1, "APIVersions", r.body)
	if doc := decodeObject(t, r.body); doc["uriPrefix"] != apiRoot+monitoring || !strings.Contains(string(r.body), `"1.0.0"`) {
		t.Errorf("api_versions: %s", r.body)
	}
	for _, v := range []string{"1", "2"} {
		r = e.do("GET", "alice-token", "/tenants/tenant-a"+monitoring+"/v"+v+"/api_versions", "")
		e.expect(r, 200, "v"+v+"/api_versions")
		if doc := decodeObject(t, r.body); doc["uriPrefix"] != apiRoot+"/tenants/tenant-a"+monitoring+"/v"+v {
			t.Errorf("v%s api_versions: %s", v, r.body)
		}
	}
	e.expect(e.do("GET", "alice-token", monitoring+"/v3/api_versions", ""), 404, "v3")
}

func TestAlarmsListAndGet(t *testing.T) {
	e := newMonitoringEnv(t)
	for _, v := range []int{1, 2} {
		alarms := monitoring + "/v" + strconv.Itoa(v) + "/alarms"
		r := e.do("GET", "admin-token", alarms, "")
		e.expect(r, 200, "list")
		e.schema.ValidateList(t, v, "AlarmEventRecord", r.body)
		if got := decodeList(t, r.body); len(got) != 3 {
			t.Errorf("v%d admin sees %d alarms", v, len(got))
		}
		// alice reads tenant-a only, on either apiRoot.
		for _, path := range []string{alarms, "/tenants/tenant-a" + alarms} {
			r = e.do("GET", "alice-token", path+"?all_fields", "")
			e.expect(r, 200, "alice list")
			e.schema.ValidateList(t, v, "AlarmEventRecord", r.body)
			if got := ids(decodeList(t, r.body), "alarmEventRecordId"); got != alarmA2+","+alarmA {
				t.Errorf("v%d alice at %s sees %s", v, path, got)
			}
		}
		e.expect(e.do("GET", "alice-token", alarms+"/"+alarmB, ""), 404, "another tenant's alarm")
		e.expect(e.do("GET", "alice-token", "/tenants/tenant-b"+alarms+"/"+alarmB, ""), 403, "another tenant's apiRoot")
		r = e.do("GET", "alice-token", alarms+"/"+alarmA, "")
		e.expect(r, 200, "get")
		e.schema.Validate(t, v, "AlarmEventRecord", r.body)
		if r.header.Get("ETag") != `"5"` {
			t.Errorf("ETag %q", r.header.Get("ETag"))
		}
	}
	// v1 and v2 names of the faulty object, pushed down and in memory.
	r := e.do("GET", "admin-token", monitoring+"/v1/alarms?filter=(eq,resourceID,"+resB+")", "")
	e.expect(r, 200, "v1 by resourceID")
	if got := ids(decodeList(t, r.body), "alarmEventRecordId"); got != alarmB {
		t.Errorf("v1 resourceID filter: %s", got)
	}
	r = e.do("GET", "admin-token", monitoring+"/v2/alarms?filter=(eq,objectId,"+resB+");(eq,objectClass,Resource)", "")
	e.expect(r, 200, "v2 by objectId")
	if got := ids(decodeList(t, r.body), "alarmEventRecordId"); got != alarmB {
		t.Errorf("v2 objectId filter: %s", got)
	}
	r = e.do("GET", "admin-token", monitoring+"/v1/alarms?filter=(eq,alarmAcknowledged,true)&fields=perceivedSeverity", "")
	e.expect(r, 200, "acknowledged")
	if got := decodeList(t, r.body); len(got) != 1 || got[0]["perceivedSeverity"] != float64(2) {
		t.Errorf("acknowledged alarms: %s", r.body)
	}
	e.expect(e.do("GET", "admin-token", monitoring+"/v1/alarms?filter=(eq,objectId,"+resB+")", ""), 400, "v2 name in v1")
	e.expect(e.do("GET", "admin-token", monitoring+"/v2/alarms?filter=(eq,resourceID,"+resB+")", ""), 400, "v1 name in v2")
}

func TestAlarmPatch(t *testing.T) {
	e := newMonitoringEnv(t)
	patch := func(token, path, body string, header ...string) response {
		return e.doWith("PATCH", token, path, mergePatchType, body, header...)
	}
	v1 := monitoring + "/v1/alarms/"
	stored := func(ns, name string) *o2v1.AlarmEventRecord {
		a, err := e.client.O2imsV1alpha1().AlarmEventRecords(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	for name, body := range map[string]string{
		"no field":         `{}`,
		"two fields":       `{"alarmAcknowledged":true,"perceivedSeverity":5}`,
		"withdraw ack":     `{"alarmAcknowledged":false}`,
		"ack as string":    `{"alarmAcknowledged":"true"}`,
		"severity 1":       `{"perceivedSeverity":1}`,
		"unknown field":    `{"alarmAcknowledged":true,"colour":"red"}`,
		"not an object":    `[]`,
		"malformed":        `{"alarmAcknowledged":`,
		"only unknown one": `{"extensions":{}}`,
	} {
		r := patch("alice-token", v1+alarmA, body)
		e.expect(r, 400, name)
		if name == "unknown field" && !strings.Contains(string(r.body), "colour") {
			t.Errorf("400 does not name the field: %s", r.body)
		}
	}
	e.expect(e.doWith("PATCH", "alice-token", v1+alarmA, "application/json", `{"alarmAcknowledged":true}`), 400, "plain JSON")
	e.expect(patch("alice-token", v1+"a9000000-0000-4000-8000-000000000000", `{"alarmAcknowledged":true}`), 404, "unknown id")
	e.expect(patch("alice-token", v1+alarmB, `{"alarmAcknowledged":true}`), 404, "another tenant's alarm")
	e.expect(patch("alice-token", "/tenants/tenant-b"+v1+alarmB, `{"alarmAcknowledged":true}`), 403, "another tenant's apiRoot")
	// Whatever the body, an alarm the caller may not see is not found (regression: a
	// malformed body or a wrong media type was answered first).
	e.expect(patch("alice-token", v1+alarmB, `{"alarmAcknowledged":`), 404, "another tenant's alarm, malformed body")
	e.expect(e.doWith("PATCH", "alice-token", v1+alarmB, "application/json", `{"alarmAcknowledged":true}`), 404, "another tenant's alarm, plain JSON")
	if stored("tenant-b", "core-1-ready").Spec.Acknowledged {
		t.Fatal("another tenant's alarm was acknowledged")
	}
	e.expect(patch("alice-token", v1+alarmA, `{"alarmAcknowledged":true}`, "If-Match", `"4"`), 412, "stale If-Match")

	r := patch("alice-token", v1+alarmA, `{"alarmAcknowledged":true}`, "If-Match", `"5"`)
	e.expect(r, 200, "ack")
	e.schema.Validate(t, 1, "AlarmEventRecordModifications", r.body)
	if string(r.body) != `{"alarmAcknowledged":true}` || r.header.Get("ETag") == `"5"` {
		t.Errorf("ack answer %s ETag %s", r.body, r.header.Get("ETag"))
	}
	if !stored("tenant-a", "worker-1-ready").Spec.Acknowledged {
		t.Error("ack not stored")
	}
	r = e.do("GET", "alice-token", monitoring+"/v2/alarms/"+alarmA, "")
	if doc := decodeObject(t, r.body); doc["alarmAcknowledged"] != true {
		t.Errorf("after ack: %s", r.body)
	}
	e.expect(patch("alice-token", monitoring+"/v2/alarms/"+alarmA, `{"alarmAcknowledged":true}`), 409, "duplicate ack")

	r = patch("alice-token", monitoring+"/v2/alarms/"+alarmA, `{"perceivedSeverity":5}`, "If-Match", r.header.Get("ETag"))
	e.expect(r, 200, "clear")
	e.schema.Validate(t, 2, "AlarmEventRecordModifications", r.body)
	if string(r.body) != `{"perceivedSeverity":5}` || !stored("tenant-a", "worker-1-ready").Spec.ClearRequested {
		t.Errorf("clear: %s", r.body)
	}
	e.expect(patch("alice-token", v1+alarmA, `{"perceivedSeverity":5}`), 409, "clear a cleared alarm")
	r = e.do("GET", "alice-token", v1+alarmA, "")
	e.schema.Validate(t, 1, "AlarmEventRecord", r.body)
	if doc := decodeObject(t, r.body); doc["perceivedSeverity"] != float64(5) {
		t.Errorf("after clear: %s", r.body)
	}
}

// Without If-Match, a write that loses a race is made again on the current version.
func TestAlarmPatchRetriesOnConflict(t *testing.T) {
	e := newMonitoringEnv(t)
	loseNextUpdate := loseAlarmUpdateRace(e)
	loseNextUpdate()
	r := e.doWith("PATCH", "alice-token", monitoring+"/v1/alarms/"+alarmA, mergePatchType, `{"alarmAcknowledged":true}`)
	e.expect(r, 200, "retried ack")
	loseNextUpdate()
	e.expect(e.doWith("PATCH", "alice-token", monitoring+"/v1/alarms/"+alarmA, mergePatchType, `{"perceivedSeverity":5}`, "If-Match", r.header.Get("ETag")), 412, "pinned write that lost")
}

// If-Match "*" names any current version (RFC 9110 13.1.1): a write that loses a race with
// another writer (the recorder changing the alarm's text) is no precondition failure, and is
// made again on the current version like a write without If-Match.
func TestRegressionIfMatchAnyRefusedAfterLostRace(t *testing.T) {
	e := newMonitoringEnv(t)
	loseAlarmUpdateRace(e)()
	e.expect(e.doWith("PATCH", "alice-token", monitoring+"/v1/alarms/"+alarmA, mergePatchType, `{"perceivedSeverity":5}`, "If-Match", "*"), 200, "If-Match * after a lost race")
	a, err := e.client.O2imsV1alpha1().AlarmEventRecords("tenant-a").Get(context.Background(), "worker-1-ready", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Spec.ClearRequested {
		t.Error("the clear was not stored")
	}
}

func TestAlarmServiceConfiguration(t *testing.T) {
	e := newMonitoringEnv(t)
	conf := monitoring + "/v1/alarmServiceConfiguration"
	r := e.do("GET", "admin-token", conf, "")
	e.expect(r, 200, "defaults")
	e.schema.Validate(t, 1, "AlarmServiceConfiguration", r.body)
	if doc := decodeObject(t, r.body); doc["retentionPeriod"] != float64(o2v1.DefaultAlarmRetentionDays) {
		t.Errorf("defaults: %s", r.body)
	}
	e.expect(e.do("GET", "alice-token", conf, ""), 403, "tenant user")
	for name, body := range map[string]string{
		"retention 0":        `{"retentionPeriod":0,"extensions":{}}`,
		"no retention":       `{"extensions":{}}`,
		"v1 needs ext":       `{"retentionPeriod":3}`,
		"retention as float": `{"retentionPeriod":1.5,"extensions":{}}`,
		"unknown field":      `{"retentionPeriod":3,"extensions":{},"x":1}`,
	} {
		e.expect(e.doWith("PUT", "admin-token", conf, "application/json", body), 400, name)
	}
	e.expect(e.doWith("PUT", "admin-token", conf, mergePatchType, `{"retentionPeriod":3,"extensions":{}}`), 400, "PUT of a merge patch")
	r = e.doWith("PUT", "admin-token", conf, "application/json", `{"retentionPeriod":3,"extensions":{"site":"tor"}}`)
	e.expect(r, 200, "create by PUT")
	e.schema.Validate(t, 1, "AlarmServiceConfiguration", r.body)
	etag := r.header.Get("ETag")
	e.expect(e.doWith("PATCH", "admin-token", conf, mergePatchType, `{"retentionPeriod":0}`), 400, "PATCH to 0")
	e.expect(e.doWith("PATCH", "admin-token", conf, mergePatchType, `{"retentionPeriod":7}`, "If-Match", `"1"`), 412, "stale If-Match")
	r = e.doWith("PATCH", "admin-token", "/tenants/tenant-a"+monitoring+"/v2/alarmServiceConfiguration", mergePatchType,
		`{"retentionPeriod":7,"extensions":{"tier":"gold"}}`, "If-Match", etag)
	e.expect(r, 200, "PATCH")
	e.schema.Validate(t, 2, "AlarmServiceConfiguration", r.body)
	r = e.do("GET", "admin-token", conf, "")
	if doc := decodeObject(t, r.body); doc["retentionPeriod"] != float64(7) || fmt.Sprint(doc["extensions"]) != "map[site:tor tier:gold]" {
		t.Errorf("after PATCH: %s", r.body)
	}
	e.expect(e.doWith("PUT", "alice-token", conf, "application/json", `{"retentionPeriod":3,"extensions":{}}`), 403, "tenant user PUT")
	e.expect(e.doWith("PUT", "alice-token", conf, "text/plain", `retention 3`), 403, "tenant user PUT, wrong media type")
	e.expect(e.doWith("PATCH", "alice-token", conf, "application/json", `{"retentionPeriod":`), 403, "tenant user PATCH, wrong media type")
}

func TestAlarmSubscriptions(t *testing.T) {
	e := newMonitoringEnv(t)
	subs := "/tenants/tenant-a" + monitoring + "/v1/alarmSubscriptions"
	r := e.do("POST", "alice-token", subs, `{"callback":"https://smo.example.net/alarms","filter":"ACKNOWLEDGE","consumerSubscriptionId":"3f20d850-af4f-484f-8b5a-0ad585410361"}`)
	e.expect(r, 201, "create")
	e.schema.Validate(t, 1, "AlarmSubscriptionInfo", r.body)
	id, _ := decodeObject(t, r.body)["alarmSubscriptionId"].(string)
	if id == "" || r.header.Get("Location") != apiRoot+subs+"/"+id {
		t.Fatalf("Location %q body %s", r.header.Get("Location"), r.body)
	}
	e.expect(e.do("POST", "alice-token", subs, `{"callback":"https://smo.example.net/alarms"}`), 409, "duplicate callback")
	for name, body := range map[string]string{
		"v1 filter not an event type": `{"callback":"https://smo.example.net/x","filter":"(eq,perceivedSeverity,0)"}`,
		"server id":                   `{"callback":"https://smo.example.net/x","alarmSubscriptionId":"` + alarmA + `"}`,
		"inventory id name":           `{"callback":"https://smo.example.net/x","subscriptionId":"` + alarmA + `"}`,
		"no callback":                 `{"filter":"NEW"}`,
	} {
		e.expect(e.do("POST", "alice-token", subs, body), 400, name)
	}
	r = e.do("GET", "alice-token", subs, "")
	e.expect(r, 200, "list")
	e.schema.ValidateList(t, 1, "AlarmSubscriptionInfo", r.body)
	r = e.do("GET", "alice-token", subs+"/"+id, "")
	e.expect(r, 200, "get")
	e.expect(e.do("GET", "alice-token", "/tenants/tenant-a"+inventory+"/v1/subscriptions/"+id, ""), 404, "not an inventory subscription")
	e.expect(e.do("PATCH", "alice-token", subs+"/"+id, `{}`), 405, "PATCH")

	// v2: a free exclusion criterion, kept as sent; the default apiRoot's shared namespace.
	r = e.do("POST", "alice-token", monitoring+"/v2/alarmSubscriptions", `{"callback":"https://smo.example.net/v2","filter":"perceivedSeverity=5"}`)
	e.expect(r, 403, "alice may not create in the shared namespace")
	r = e.do("POST", "admin-token", monitoring+"/v2/alarmSubscriptions", `{"callback":"https://smo.example.net/v2","filter":"perceivedSeverity=5"}`)
	e.expect(r, 201, "v2 create")
	e.schema.Validate(t, 2, "AlarmSubscriptionInfo", r.body)
	if doc := decodeObject(t, r.body); doc["filter"] != "perceivedSeverity=5" {
		t.Errorf("v2 filter: %s", r.body)
	}
	if l, err := e.client.O2imsV1alpha1().AlarmSubscriptions("o2ims-system").List(context.Background(), metav1.ListOptions{}); err != nil || len(l.Items) != 1 {
		t.Errorf("shared namespace: %v %v", l, err)
	}
	e.expect(e.do("DELETE", "alice-token", subs+"/"+id, ""), 200, "delete")
	e.expect(e.do("GET", "alice-token", subs+"/"+id, ""), 404, "gone")
}

func TestAlarmPurge(t *testing.T) {
	e := newMonitoringEnv(t)
	purge := "/tenants/tenant-a" + monitoring + "/v2/alarms/purge"
	body := `{"alarmRecordId":["` + alarmA2 + `"],"purgeConditions":{"endWindowTime":"2042-07-21T20:32:28Z"}}`
	e.expect(e.do("POST", "alice-token", "/tenants/tenant-a"+monitoring+"/v1/alarms/purge", body), 404, "v1 has no purge")
	e.expect(e.do("POST", "alice-token", purge, `{"alarmIds":[]}`), 400, "unknown field")
	r := e.do("POST", "alice-token", purge, body)
	e.expect(r, 202, "purge")
	e.schema.Validate(t, 2, "TaskOperationInfo", r.body)
	loc := r.header.Get("Location")
	prefix := apiRoot + "/tenants/tenant-a" + monitoring + "/v2/taskOperations/"
	if !strings.HasPrefix(loc, prefix) {
		t.Fatalf("Location %q", loc)
	}
	r = e.do("GET", "alice-token", strings.TrimPrefix(loc, apiRoot), "")
	e.expect(r, 200, "task")
	e.schema.Validate(t, 2, "TaskOperationInfo", r.body)
	if doc := decodeObject(t, r.body); doc["operationState"] != "PROCESSING" || doc["id"] != strings.TrimPrefix(loc, prefix) {
		t.Errorf("task: %s", r.body)
	}
	r = e.do("GET", "alice-token", "/tenants/tenant-a"+monitoring+"/v2/taskOperations", "")
	e.expect(r, 200, "tasks")
	e.schema.ValidateList(t, 2, "TaskOperationInfo", r.body)
	e.expect(e.do("POST", "alice-token", purge, body), 409, "second purge while the first runs")
	e.expect(e.do("GET", "alice-token", "/tenants/tenant-a"+monitoring+"/v1/taskOperations", ""), 404, "v1 has no tasks")
	e.expect(e.do("GET", "admin-token", "/tenants/tenant-b"+monitoring+"/v2/taskOperations/"+strings.TrimPrefix(loc, prefix), ""), 404, "another tenant's task")
	if l, _ := e.client.O2imsV1alpha1().AlarmPurges("tenant-a").List(context.Background(), metav1.ListOptions{}); len(l.Items) != 1 ||
		l.Items[0].Spec.AlarmRecordIDs[0] != alarmA2 || l.Items[0].Spec.PurgeConditions == nil {
		t.Errorf("stored purges: %+v", l)
	}
}

func TestAlarmDictionaries(t *testing.T) {
	e := newMonitoringEnv(t)
	// Both versions serve them (the v1 contract has alarmDictionaries and
	// resourceTypes/{id}/alarmDictionary too, besides the dictionary a v1 type embeds).
	var r response
	for _, v := range []int{1, 2} {
		inv := fmt.Sprintf("%s/v%d", inventory, v)
		r = e.do("GET", "admin-token", inv+"/alarmDictionaries", "")
		e.expect(r, 200, inv+" list")
		e.schema.ValidateList(t, v, "AlarmDictionary", r.body)
		if got := decodeList(t, r.body); len(got) != 2 {
			t.Errorf("%s dictionaries: %s", inv, r.body)
		}
		r = e.do("GET", "alice-token", inv+"/alarmDictionaries/"+dictType, "")
		e.expect(r, 200, inv+" get")
		e.schema.Validate(t, v, "AlarmDictionary", r.body)
		e.expect(e.do("GET", "alice-token", inv+"/alarmDictionaries/"+dictStandard, ""), 404, inv+": operator's dictionary without a grant")
		r = e.do("GET", "alice-token", "/tenants/tenant-a"+inv+"/resourceTypes/"+typeID+"/alarmDictionary", "")
		e.expect(r, 200, inv+" resource type's dictionary")
		e.schema.Validate(t, v, "AlarmDictionary", r.body)
		if doc := decodeObject(t, r.body); doc["alarmDictionaryId"] != dictType {
			t.Errorf("%s type's dictionary: %s", inv, r.body)
		}
	}
	r = e.do("GET", "admin-token", inventory+"/v1/resourceTypes/"+typeID+"?all_fields", "")
	e.expect(r, 200, "v1 resource type")
	e.schema.Validate(t, 1, "ResourceType", r.body)
	dict, _ := decodeObject(t, r.body)["alarmDictionary"].(map[string]any)
	if dict["alarmDictionaryId"] != dictType || fmt.Sprint(dict["managementInterfaceId"]) != "[O2IMS]" {
		t.Errorf("embedded dictionary: %s", r.body)
	}
	r = e.do("GET", "admin-token", inventory+"/v1/resourceTypes/"+typeID, "")
	if _, ok := decodeObject(t, r.body)["alarmDictionary"]; ok {
		t.Errorf("the dictionary is not a default attribute: %s", r.body)
	}

	// Without its own dictionary, a type shows the standard one, to those who may read it.
	if err := e.client.O2imsV1alpha1().AlarmDictionaries("tenant-a").Delete(context.Background(), "medium", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.awaitGone(t, "tenant-a", dictType)
	r = e.do("GET", "admin-token", inventory+"/v1/resourceTypes?fields=alarmDictionary/alarmDictionaryId", "")
	e.expect(r, 200, "fallback")
	if !strings.Contains(string(r.body), dictStandard) {
		t.Errorf("standard dictionary not embedded: %s", r.body)
	}
	e.expect(e.do("GET", "alice-token", "/tenants/tenant-a"+inventory+"/v2/resourceTypes/"+typeID+"/alarmDictionary", ""), 404, "standard dictionary without a grant")
}

// TestRegressionTypeNamingItsDictionaryIsServedThatOne: a ResourceType whose
// spec.alarmDictionaryId named a dictionary showed that id in its document, but
// resourceTypes/{id}/alarmDictionary and the v1 embedded dictionary were another one (the
// dictionary made for the type by spec.resourceTypeId, or the standard one). Now both are the
// named one, and none once it is gone, never another.
func TestRegressionTypeNamingItsDictionaryIsServedThatOne(t *testing.T) {
	const dictNamed = "d2000000-0000-4000-8000-00000000000b"
	objs := append(fixtures(), alarmFixtures()...)
	for _, o := range objs {
		if rt, ok := o.(*o2v1.ResourceType); ok && rt.Spec.ResourceTypeID == typeID {
			rt.Spec.AlarmDictionaryID = dictNamed
		}
	}
	objs = append(objs, &o2v1.AlarmDictionary{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "named", ResourceVersion: "3", UID: "uid-named"},
		Spec: o2v1.AlarmDictionarySpec{AlarmDictionaryID: dictNamed, AlarmDictionaryVersion: "2", AlarmDictionarySchemaVersion: "1",
			EntityType: "named", Vendor: "acme", AlarmDefinitions: []o2v1.AlarmDefinition{{AlarmName: "FAN_FAILED", ClearingType: o2v1.ClearingTypeManual}}}})
	e := newEnvOf(t, objs, func(c *Config) { c.InventoryNamespace = inventoryNS })
	typ := "/tenants/tenant-a" + inventory + "/v2/resourceTypes/" + typeID
	if doc := decodeObject(t, e.do("GET", "alice-token", typ+"?all_fields", "").body); doc["alarmDictionaryId"] != dictNamed {
		t.Fatalf("type's document: %v", doc)
	}
	for _, v := range []int{1, 2} {
		r := e.do("GET", "alice-token", fmt.Sprintf("/tenants/tenant-a%s/v%d/resourceTypes/%s/alarmDictionary", inventory, v, typeID), "")
		e.expect(r, 200, "type's dictionary")
		if doc := decodeObject(t, r.body); doc["alarmDictionaryId"] != dictNamed {
			t.Errorf("v%d resourceTypes/{id}/alarmDictionary is %v, the type names %s", v, doc["alarmDictionaryId"], dictNamed)
		}
	}
	r := e.do("GET", "alice-token", "/tenants/tenant-a"+inventory+"/v1/resourceTypes/"+typeID+"?fields=alarmDictionary/alarmDictionaryId", "")
	if dict, _ := decodeObject(t, r.body)["alarmDictionary"].(map[string]any); dict["alarmDictionaryId"] != dictNamed {
		t.Errorf("v1 embedded dictionary: %s", r.body)
	}
	if err := e.client.O2imsV1alpha1().AlarmDictionaries("tenant-a").Delete(context.Background(), "named", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.awaitGone(t, "tenant-a", dictNamed)
	e.expect(e.do("GET", "alice-token", typ+"/alarmDictionary", ""), 404, "the named dictionary gone")
}

// TestRegressionWrongContentTypeIsTheDeclared400: a body of the wrong media type was a 415 on
// an alarm's PATCH, the service configuration's PUT and PATCH and the purge's POST, but a 400
// on the subscriptions' and provisioning requests' POSTs; no O2 write declares 415, every one
// declares 400. Each is a 400 naming the header now, a PATCH's with the format it takes.
func TestRegressionWrongContentTypeIsTheDeclared400(t *testing.T) {
	e := newMonitoringEnv(t)
	for _, c := range []struct{ method, path, contentType, acceptPatch string }{
		{"PATCH", monitoring + "/v1/alarms/" + alarmA, "application/json", mergePatchType},
		{"PATCH", monitoring + "/v1/alarms/" + alarmA, "", mergePatchType},
		{"PUT", monitoring + "/v1/alarmServiceConfiguration", mergePatchType, ""},
		{"PATCH", monitoring + "/v1/alarmServiceConfiguration", "text/plain", mergePatchType},
		{"POST", monitoring + "/v2/alarms/purge", "text/plain", ""},
		{"POST", monitoring + "/v1/alarmSubscriptions", "application/x-www-form-urlencoded", ""},
	} {
		r := e.doWith(c.method, "admin-token", c.path, c.contentType, "{}")
		what := c.method + " " + c.path + " as " + c.contentType
		e.expect(r, 400, what)
		if !strings.Contains(string(r.body), "Content-Type") {
			t.Errorf("%s: the problem does not name the header: %s", what, r.body)
		}
		if got := r.header.Get("Accept-Patch"); got != c.acceptPatch {
			t.Errorf("%s: Accept-Patch %q, want %q", what, got, c.acceptPatch)
		}
	}
}

func TestMonitoringMethodNotAllowed(t *testing.T) {
	e := newMonitoringEnv(t)
	for _, c := range []struct{ method, path, allow string }{
		{"POST", monitoring + "/v1/alarms", "GET, HEAD"},
		{"DELETE", monitoring + "/v1/alarms/" + alarmA, "GET, HEAD, PATCH"},
		{"PUT", monitoring + "/v2/alarms/" + alarmA, "GET, HEAD, PATCH"},
		{"DELETE", monitoring + "/v1/alarmServiceConfiguration", "GET, HEAD, PATCH, PUT"},
		{"GET", monitoring + "/v2/alarms/purge", "POST"},
		{"POST", monitoring + "/v2/taskOperations", "GET, HEAD"},
		{"PUT", monitoring + "/v1/alarmSubscriptions", "GET, HEAD, POST"},
		{"POST", inventory + "/v2/alarmDictionaries", "GET, HEAD"},
	} {
		r := e.do(c.method, "admin-token", c.path, "{}")
		e.expect(r, 405, c.method+" "+c.path)
		if r.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, r.header.Get("Allow"), c.allow)
		}
	}
}

// A caller who may not purge alarms in a namespace gets 403 whatever it sends (regression: the
// media type and the body were checked first, so such a caller got 415 or 400 depending on
// what it sent, unlike every other O2 write).
func TestRegressionPurgeAuthorizedBeforeBody(t *testing.T) {
	e := newMonitoringEnv(t)
	valid := `{"alarmRecordId":["` + alarmA2 + `"]}`
	for _, c := range []struct{ token, path, contentType, body string }{
		{"carol-token", monitoring + "/v2/alarms/purge", "application/json", `0`},
		{"carol-token", monitoring + "/v2/alarms/purge", "text/plain", valid},
		{"carol-token", monitoring + "/v2/alarms/purge", "application/json", valid},
		{"alice-token", "/tenants/tenant-b" + monitoring + "/v2/alarms/purge", "application/json", `{"alarmIds":`},
		{"alice-token", "/tenants/tenant-b" + monitoring + "/v2/alarms/purge", "", valid},
	} {
		e.expect(e.doWith("POST", c.token, c.path, c.contentType, c.body), 403, c.token+" "+c.path+" "+c.contentType+" "+c.body)
	}
	if l, _ := e.client.O2imsV1alpha1().AlarmPurges("").List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("refused purges were stored: %+v", l.Items)
	}
}

// A purge body is read as strictly as every other O2 write body (regression: it was decoded
// as the first JSON value of at most 256 KiB, so trailing data, a member given twice and bytes
// that are not UTF-8 were accepted, and a longer body was cut and answered "unexpected EOF").
func TestRegressionPurgeBodyReadStrictly(t *testing.T) {
	e := newMonitoringEnv(t)
	purge := "/tenants/tenant-a" + monitoring + "/v2/alarms/purge"
	valid := `{"alarmRecordId":["` + alarmA2 + `"],"purgeConditions":{"endWindowTime":"2042-07-21T20:32:28Z"}}`
	for name, c := range map[string]struct {
		body   string
		status int
	}{
		"trailing object":         {valid + `{"alarmRecordId":[]}`, 400},
		"trailing garbage":        {valid + `x`, 400},
		"member twice":            {`{"alarmRecordId":["` + alarmA2 + `"],"alarmRecordId":[]}`, 400},
		"nested member twice":     {`{"purgeConditions":{"endWindowTime":"2042-07-21T20:32:28Z","endWindowTime":"2000-01-01T00:00:00Z"}}`, 400},
		"not UTF-8":               {"{\"alarmRecordId\":[\"\xff\"]}", 400},
		"unknown field":           {`{"alarmIds":[]}`, 400},
		"unknown condition":       {`{"purgeConditions":{"endWindowTime":"2042-07-21T20:32:28Z","colour":"red"}}`, 400},
		"ids not strings":         {`{"alarmRecordId":[1]}`, 400},
		"not an object":           {`[]`, 400},
		"over 256 KiB":            {`{"alarmRecordId":["` + strings.Repeat("a", maxPurgeBody) + `"]}`, 413},
		"over 256 KiB of padding": {valid + strings.Repeat(" ", maxPurgeBody), 413},
	} {
		e.expect(e.do("POST", "alice-token", purge, c.body), c.status, name)
	}
	if l, _ := e.client.O2imsV1alpha1().AlarmPurges("tenant-a").List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("refused purges were stored: %+v", l.Items)
	}
	e.expect(e.do("POST", "alice-token", purge, valid), 202, "valid")
}

// The alarm service configuration's PUT and PATCH bodies are read as strictly as every other
// O2 write body (regression: the body was cut at 4 KiB without notice, so a document followed
// by padding and garbage past the cut was stored, and a member given twice or bytes that are
// not UTF-8 were accepted).
func TestRegressionServiceConfigurationBodyReadStrictly(t *testing.T) {
	e := newMonitoringEnv(t)
	conf := monitoring + "/v1/alarmServiceConfiguration"
	for name, c := range map[string]struct {
		method, contentType, body string
		status                    int
	}{
		"PUT, cut at the limit": {"PUT", "application/json", `{"retentionPeriod":3,"extensions":{}}` + strings.Repeat(" ", maxPatchBody) + "garbage", 413},
		"PUT, member twice":     {"PUT", "application/json", `{"retentionPeriod":30,"extensions":{},"retentionPeriod":1}`, 400},
		"PUT, nested twice":     {"PUT", "application/json", `{"retentionPeriod":3,"extensions":{"a":1,"a":2}}`, 400},
		"PUT, not UTF-8":        {"PUT", "application/json", "{\"retentionPeriod\":3,\"extensions\":{\"site\":\"\xff\"}}", 400},
		"PATCH, member twice":   {"PATCH", mergePatchType, `{"retentionPeriod":30,"retentionPeriod":1}`, 400},
		"PATCH, over the limit": {"PATCH", mergePatchType, `{"extensions":{"a":"` + strings.Repeat("a", maxPatchBody) + `"}}`, 413},
	} {
		e.expect(e.doWith(c.method, "admin-token", conf, c.contentType, c.body), c.status, name)
	}
	if l, _ := e.client.O2imsV1alpha1().AlarmServiceConfigurations().List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("a refused configuration was stored: %+v", l.Items)
	}
	e.expect(e.doWith("PUT", "admin-token", conf, "application/json", `{"retentionPeriod":3,"extensions":{}}`+strings.Repeat(" ", 64)), 200, "valid")
}

// A write takes no query parameter: one sent with it is a 400 naming the parameter and writes
// nothing (regression: subscription creates and deletes, alarm modifications, purges and the
// alarm service configuration ignored their query, so DELETE .../subscriptions/{id}?filter=…
// deleted the subscription whatever the filter said). A caller who may not write there gets
// the 403 or 404 it gets without a query: the query is read only once the write is allowed.
func TestRegressionWriteQueryRefused(t *testing.T) {
	e := newMonitoringEnv(t)
	invSubs := "/tenants/tenant-a" + inventory + "/v1/subscriptions"
	alarmSubs := "/tenants/tenant-a" + monitoring + "/v1/alarmSubscriptions"
	r := e.do("POST", "alice-token", invSubs, `{"callback":"https://smo.example.net/inventory"}`)
	e.expect(r, 201, "inventory subscription")
	invID, _ := decodeObject(t, r.body)["subscriptionId"].(string)
	r = e.do("POST", "alice-token", alarmSubs, `{"callback":"https://smo.example.net/alarms"}`)
	e.expect(r, 201, "alarm subscription")
	alarmSubID, _ := decodeObject(t, r.body)["alarmSubscriptionId"].(string)
	alarm := "/tenants/tenant-a" + monitoring + "/v1/alarms/" + alarmA
	purge := "/tenants/tenant-a" + monitoring + "/v2/alarms/purge"
	conf := monitoring + "/v1/alarmServiceConfiguration"
	writes := []struct {
		method, token, path, contentType, body string
		status                                 int
	}{
		{"POST", "alice-token", invSubs, "application/json", `{"callback":"https://smo.example.net/other"}`, 400},
		{"POST", "alice-token", alarmSubs, "application/json", `{"callback":"https://smo.example.net/other"}`, 400},
		{"DELETE", "alice-token", invSubs + "/" + invID, "", "", 400},
		{"DELETE", "alice-token", alarmSubs + "/" + alarmSubID, "", "", 400},
		{"PATCH", "alice-token", alarm, mergePatchType, `{"alarmAcknowledged":true}`, 400},
		{"POST", "alice-token", purge, "application/json", `{"alarmRecordId":["` + alarmA2 + `"]}`, 400},
		{"PUT", "admin-token", conf, "application/json", `{"retentionPeriod":3,"extensions":{}}`, 400},
		{"PATCH", "admin-token", conf, mergePatchType, `{"retentionPeriod":3}`, 400},
		// Callers who may not write there: their answer does not depend on the query.
		{"POST", "alice-token", "/tenants/tenant-b" + inventory + "/v1/subscriptions", "application/json", `{"callback":"https://smo.example.net/b"}`, 403},
		{"DELETE", "bob-token", invSubs + "/" + invID, "", "", 403},
		{"DELETE", "carol-token", inventory + "/v1/subscriptions/" + invID, "", "", 404},
		{"DELETE", "alice-token", "/tenants/tenant-b" + monitoring + "/v1/alarmSubscriptions/" + alarmSubID, "", "", 403},
		{"PATCH", "bob-token", alarm, mergePatchType, `{"alarmAcknowledged":true}`, 403},
		{"PATCH", "carol-token", monitoring + "/v1/alarms/" + alarmA, mergePatchType, `{"alarmAcknowledged":true}`, 404},
		{"POST", "carol-token", purge, "application/json", `{"alarmRecordId":["` + alarmA2 + `"]}`, 403},
		{"PUT", "alice-token", conf, "application/json", `{"retentionPeriod":3,"extensions":{}}`, 403},
	}
	for _, param := range []string{"colour", "filter", "fields", "nextpage_opaque_marker"} {
		for _, w := range writes {
			what := w.method + " " + w.token + " " + w.path + "?" + param
			r := e.doWith(w.method, w.token, w.path+"?"+param+"=x", w.contentType, w.body)
			e.expect(r, w.status, what)
			if w.status == 400 && !strings.Contains(string(r.body), `"parameter":"`+param+`"`) {
				t.Errorf("%s: the problem does not name the parameter: %s", what, r.body)
			}
		}
	}
	ctx := context.Background()
	if l, _ := e.client.O2imsV1alpha1().InventorySubscriptions("tenant-a").List(ctx, metav1.ListOptions{}); len(l.Items) != 1 {
		t.Errorf("inventory subscriptions: %d, want the one created before", len(l.Items))
	}
	if l, _ := e.client.O2imsV1alpha1().AlarmSubscriptions("tenant-a").List(ctx, metav1.ListOptions{}); len(l.Items) != 1 {
		t.Errorf("alarm subscriptions: %d, want the one created before", len(l.Items))
	}
	if l, _ := e.client.O2imsV1alpha1().AlarmPurges("").List(ctx, metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("purges were stored: %+v", l.Items)
	}
	if l, _ := e.client.O2imsV1alpha1().AlarmServiceConfigurations().List(ctx, metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("a configuration was stored: %+v", l.Items)
	}
	r = e.do("GET", "alice-token", alarm, "")
	e.expect(r, 200, "alarm")
	if doc := decodeObject(t, r.body); doc["alarmAcknowledged"] == true {
		t.Errorf("the alarm was acknowledged: %s", r.body)
	}
	// Without the query, the same writes go through.
	e.expect(e.do("DELETE", "alice-token", invSubs+"/"+invID, ""), 200, "delete without a query")
	e.expect(e.doWith("PATCH", "alice-token", alarm, mergePatchType, `{"alarmAcknowledged":true}`), 200, "acknowledge without a query")
}

// An API version is served under its own spelling only (regression: v01 and v001 were
// served as v1, a second URI for every object).
func TestRegressionVersionSpelledOneWay(t *testing.T) {
	e := newMonitoringEnv(t)
	for _, v := range []string{"v01", "v001", "v02"} {
		e.expect(e.do("GET", "admin-token", inventory+"/"+v+"/resourcePools", ""), 404, v)
		e.expect(e.do("GET", "admin-token", monitoring+"/"+v+"/alarms", ""), 404, v)
		e.expect(e.do("GET", "admin-token", inventory+"/"+v+"/api_versions", ""), 404, v+" api_versions")
	}
	e.expect(e.do("GET", "admin-token", inventory+"/v1/resourcePools", ""), 200, "v1")
}

// TestRegressionPurgeWindowInsideASecondReachesOutside: a purge window's edges were kept to the
// second when the task was stored (metav1.Time), so a startWindowTime of …:28.9Z purged an
// alarm cleared at …:28Z, outside the window asked for. The edges now move inward to whole
// seconds (alarms' times are whole seconds), and a window holding no whole second is a 400.
func TestRegressionPurgeWindowInsideASecondReachesOutside(t *testing.T) {
	e := newMonitoringEnv(t)
	purge := "/tenants/tenant-a" + monitoring + "/v2/alarms/purge"
	e.expect(e.do("POST", "alice-token", purge, `{"purgeConditions":{"startWindowTime":"2042-07-21T20:32:28.2Z","endWindowTime":"2042-07-21T20:32:28.7Z"}}`),
		400, "no whole second")
	e.expect(e.do("POST", "alice-token", purge, `{"purgeConditions":{"startWindowTime":"2042-07-21T20:32:28.9Z","endWindowTime":"2042-07-21T20:40:00.5Z"}}`),
		202, "purge")
	l, err := e.client.O2imsV1alpha1().AlarmPurges("tenant-a").List(context.Background(), metav1.ListOptions{})
	if err != nil || len(l.Items) != 1 {
		t.Fatalf("stored purges: %+v, %v", l, err)
	}
	c := l.Items[0].Spec.PurgeConditions
	wantStart, wantEnd := time.Date(2042, 7, 21, 20, 32, 29, 0, time.UTC), time.Date(2042, 7, 21, 20, 40, 0, 0, time.UTC)
	if c == nil || c.StartWindowTime == nil || !c.StartWindowTime.Time.Equal(wantStart) || !c.EndWindowTime.Time.Equal(wantEnd) {
		t.Errorf("stored window %+v, want %s to %s", c, wantStart, wantEnd)
	}
}

// loseAlarmUpdateRace returns a function that makes the next update of an alarm lose a race
// (409 Conflict, as when another writer got there first); the one after it goes through.
func loseAlarmUpdateRace(e *env) func() {
	lose := false
	e.client.PrependReactor("update", "alarmeventrecords", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if !lose {
			return false, nil, nil
		}
		lose = false
		return true, nil, apierrors.NewConflict(a.GetResource().GroupResource(), "worker-1-ready", fmt.Errorf("raced"))
	})
	return func() { lose = true }
}

// TestRegressionServiceConfigurationReaderGetsBodyErrors: a write of the alarm service
// configuration asked only whether the caller may read it before judging the body, so a
// cluster-wide reader (o2ims-reader) got 415 or 400 for a bad body and 403 only for a good
// one, unlike every other O2 write. It now gets 403 whatever it sends.
func TestRegressionServiceConfigurationReaderGetsBodyErrors(t *testing.T) {
	e := newEnvOf(t, append(fixtures(), alarmFixtures()...), func(c *Config) {
		c.InventoryNamespace = inventoryNS
		c.Authorizer = authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			if a.GetUser().GetName() == "alice" && a.GetResource() == "alarmserviceconfigurations" && a.GetVerb() == "get" {
				return authorizer.DecisionAllow, "", nil // o2ims-reader bound cluster-wide
			}
			return authz(ctx, a)
		})
	})
	conf := monitoring + "/v1/alarmServiceConfiguration"
	e.expect(e.do("GET", "alice-token", conf, ""), 200, "reader GET")
	for what, r := range map[string]response{
		"wrong media type": e.doWith("PUT", "alice-token", conf, "text/plain", `retention 3`),
		"malformed body":   e.doWith("PATCH", "alice-token", conf, mergePatchType, `{"retentionPeriod":`),
		"invalid value":    e.doWith("PUT", "alice-token", conf, "application/json", `{"retentionPeriod":0,"extensions":{}}`),
		"good body":        e.doWith("PUT", "alice-token", conf, "application/json", `{"retentionPeriod":3,"extensions":{}}`),
	} {
		e.expect(r, 403, "reader write, "+what)
	}
}

// TestRegressionServiceConfigurationFirstWriteLostRace: when nothing was stored yet, a PUT
// without If-Match created the singleton; if another writer created it first, the API
// server's AlreadyExists came back as a 409 the contract does not list for the configuration,
// and the PUT was lost. A write with no pinned version now applies over the other one.
func TestRegressionServiceConfigurationFirstWriteLostRace(t *testing.T) {
	e := newMonitoringEnv(t)
	tracker := e.client.Tracker()
	raced := false
	e.client.PrependReactor("create", "alarmserviceconfigurations", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if raced {
			return false, nil, nil
		}
		raced = true
		days := int32(30)
		other := &o2v1.AlarmServiceConfiguration{ObjectMeta: metav1.ObjectMeta{Name: serviceConfigurationName, ResourceVersion: "50", UID: "u-other"},
			Spec: o2v1.AlarmServiceConfigurationSpec{RetentionPeriod: &days}}
		if err := tracker.Add(other); err != nil {
			return true, nil, err
		}
		return true, nil, apierrors.NewAlreadyExists(a.GetResource().GroupResource(), serviceConfigurationName)
	})
	conf := monitoring + "/v1/alarmServiceConfiguration"
	r := e.doWith("PUT", "admin-token", conf, "application/json", `{"retentionPeriod":3,"extensions":{}}`)
	e.expect(r, 200, "first PUT that lost the create race")
	c, err := e.client.O2imsV1alpha1().AlarmServiceConfigurations().Get(context.Background(), serviceConfigurationName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Spec.RetentionPeriod == nil || *c.Spec.RetentionPeriod != 3 {
		t.Errorf("the PUT was not applied: %+v", c.Spec)
	}
}
