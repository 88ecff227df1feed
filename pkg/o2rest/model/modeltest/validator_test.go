package modeltest

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// The embedded files must stay the verbatim copies SOURCE.md lists.
func TestFilesAreVerbatim(t *testing.T) {
	want := map[string]string{
		files[0]:                "0fdb50efb46d8cb311cd23d748177806a9d7bf5dc896464a5061e8c041259c9d",
		files[1]:                "8dfd9b3c8ad3e82469b9c29884ea41e68fe7ee06b103f8f783bf441b01317f67",
		files[2]:                "72f03276c0d24cfe932593a5cec3eebea42bddd3025cebf323a1e8f8653884dd",
		monitoringFiles[1]:      "7addfc0c5aa837cd16d411f017fecc39f8607db3edd3700475afe43154d91536",
		versionOneFiles[0].name: "77ea37b5ab618693c25d46cf2a4414122ff7755dffc0cfe2e03a117170ff8317",
		versionOneFiles[1].name: "136a446c328af904804c98ae930cf65385ed50cb08ee1263a540690de4c70265",
	}
	for name, sum := range want {
		data, err := specs.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s changed: sha256 %x, SOURCE.md says %s", name, got, sum)
		}
	}
}

func TestLoadsAllVersions(t *testing.T) {
	v := New(t)
	for version, names := range map[int][]string{
		0: {"ProblemDetails", "APIVersions", "AlarmDictionary"},
		1: {"OCloudInfo", "ResourceType", "ResourcePool", "Resource", "DeploymentManager", "Subscription", "ProblemDetails",
			"AlarmEventRecord", "AlarmSubscriptionInfo", "AlarmServiceConfiguration", "AlarmEventRecordModifications",
			"ProvisioningRequestInfo", "ProvisioningRequestData", "ManagedInfrastructureTemplate", "ManagedInfrastructureTemplateDefaults",
			"ProvisioningRequestSubscription", "ProvisioningRequestChangeNotification"},
		2: {"OCloudInfo", "LocationInfo", "OCloudSiteInfo", "APIVersions", "AlarmEventRecord", "TaskOperationInfo", "AlarmDictionary"},
	} {
		for _, name := range names {
			if _, err := v.Schema(version, name); err != nil {
				t.Error(err)
			}
		}
	}
	// The v1 ResourceType embeds the common AlarmDictionary through the cross-file $ref.
	rt, err := v.Schema(1, "ResourceType")
	if err != nil {
		t.Fatal(err)
	}
	ad := rt.Properties["alarmDictionary"]
	if ad == nil || ad.Value == nil || !strings.Contains(strings.Join(ad.Value.Required, ","), "alarmDictionaryVersion") {
		t.Errorf("v1 ResourceType.alarmDictionary not resolved from the common file: %+v", ad)
	}
	if _, err := v.Schema(1, "LocationInfo"); err == nil {
		t.Error("v1 has no LocationInfo")
	}
	if _, err := v.Schema(1, "TaskOperationInfo"); err == nil {
		t.Error("monitoring v1 has no TaskOperationInfo")
	}
	if _, err := v.Schema(3, "Resource"); err == nil {
		t.Error("there is no version 3")
	}
}

// The validator must reject what the schemas forbid, or the tests that rely on it prove nothing.
func TestCheckRejects(t *testing.T) {
	v := New(t)
	valid := func() map[string]any {
		return map[string]any{
			"resourcePoolId": "d3b27e14-4589-4d93-ae76-ddca559193ea",
			"name":           "pool",
			"description":    "",
			"oCloudSiteId":   "7fd364a0-6d82-4e0c-a418-5c1a2f8b9c3e",
			"extensions":     map[string]any{"a": []any{1.0, "x"}},
		}
	}
	if err := v.Check(2, "ResourcePool", valid()); err != nil {
		t.Fatalf("valid pool rejected: %v", err)
	}
	cases := map[string]func(m map[string]any){
		"missing required":   func(m map[string]any) { delete(m, "oCloudSiteId") },
		"wrong type":         func(m map[string]any) { m["name"] = 3 },
		"not a uuid":         func(m map[string]any) { m["resourcePoolId"] = "pool-1" },
		"empty uuid":         func(m map[string]any) { m["oCloudSiteId"] = "" },
		"extensions not obj": func(m map[string]any) { m["extensions"] = "k=v" },
	}
	for name, mutate := range cases {
		m := valid()
		mutate(m)
		if err := v.Check(2, "ResourcePool", m); err == nil {
			t.Errorf("%s: accepted %v", name, m)
		}
	}

	problem := map[string]any{"status": 404, "detail": "no such pool"}
	if err := v.Check(0, "ProblemDetails", problem); err != nil {
		t.Fatalf("valid problem rejected: %v", err)
	}
	for name, p := range map[string]map[string]any{
		"relative instance": {"status": 404, "detail": "x", "instance": "/o2ims-infrastructureInventory/v1/x"},
		"status as string":  {"status": "404", "detail": "x"},
		"no detail":         {"status": 404},
		"non-string attr":   {"status": 404, "detail": "x", "additionalAttributes": map[string]any{"n": 1}},
	} {
		if err := v.Check(1, "ProblemDetails", p); err == nil {
			t.Errorf("%s: accepted %v", name, p)
		}
	}
}

func TestWireForms(t *testing.T) {
	v := New(t)
	body := []byte(`[{"callback":"https://smo.example.com/cb"},{"callback":"https://smo.example.com/cb","subscriptionId":"65221564-8b05-416a-bfc3-c250bc64e1aa"}]`)
	v.ValidateList(t, 1, "Subscription", body)
	if err := v.CheckList(1, "Subscription", []byte(`{"callback":"x"}`)); err == nil {
		t.Error("an object is not a list")
	}
	if err := v.CheckList(2, "Subscription", []byte(`[{"filter":"(eq,name,a)"}]`)); err == nil {
		t.Error("an item without callback was accepted")
	}
	if err := v.Check(2, "Subscription", []byte(`{`)); err == nil {
		t.Error("invalid JSON was accepted")
	}
	if err := v.Check(2, "NoSuchSchema", map[string]any{}); err == nil {
		t.Error("unknown schema was accepted")
	}
}
