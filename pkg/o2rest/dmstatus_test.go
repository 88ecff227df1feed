package o2rest

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestDeploymentManagerStatus: a member's manager shows its operationalState and conditions
// in extensions on both versions (with all_fields or when selected, extensions being a complex
// attribute), and an SMO can filter the unreachable ones.
func TestDeploymentManagerStatus(t *testing.T) {
	down := &o2v1.DeploymentManager{ObjectMeta: objMeta("tenant-a", "edge"), Spec: o2v1.DeploymentManagerSpec{DeploymentManagerID: dmID, Name: "edge",
		OCloudID: ocloudID, ServiceURI: "https://edge:6443"},
		Status: o2v1.DeploymentManagerStatus{OperationalState: o2v1.OperationalStateDisabled, Conditions: []metav1.Condition{{
			Type: o2v1.DeploymentManagerClusterReachable, Status: metav1.ConditionFalse, Reason: o2v1.ReasonClusterUnreachable,
			Message: "connection refused", LastTransitionTime: metav1.NewTime(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))}}}}
	up := &o2v1.DeploymentManager{ObjectMeta: objMeta("tenant-a", "core"), Spec: o2v1.DeploymentManagerSpec{DeploymentManagerID: dmKnownID, Name: "core",
		OCloudID: ocloudID, ServiceURI: "https://core:6443"},
		Status: o2v1.DeploymentManagerStatus{OperationalState: o2v1.OperationalStateEnabled}}
	e := newEnvOf(t, []runtime.Object{
		&o2v1.OCloud{ObjectMeta: objMeta("", "default"), Spec: o2v1.OCloudSpec{OCloudID: ocloudID, GlobalCloudID: globalID, Name: "edge"}},
		down, up,
	}, func(*Config) {})
	for _, v := range []string{"1", "2"} {
		r := e.do("GET", "alice-token", inventory+"/v"+v+"/deploymentManagers/"+dmID+"?all_fields", "")
		e.expect(r, 200, "v"+v+" all_fields")
		ext, _ := decodeObject(t, r.body)["extensions"].(map[string]any)
		conds, _ := ext["conditions"].([]any)
		if ext["operationalState"] != "DISABLED" || len(conds) != 1 {
			t.Fatalf("v%s extensions %v", v, ext)
		}
		if c := conds[0].(map[string]any); c["type"] != "ClusterReachable" || c["status"] != "False" || c["reason"] != "Unreachable" ||
			c["message"] != "connection refused" || c["lastTransitionTime"] != "2026-03-01T12:00:00Z" {
			t.Errorf("v%s condition %v", v, c)
		}
		r = e.do("GET", "alice-token", inventory+"/v"+v+"/deploymentManagers?filter=(eq,extensions/operationalState,DISABLED)&fields=extensions/operationalState", "")
		e.expect(r, 200, "v"+v+" filter")
		list := decodeList(t, r.body)
		if len(list) != 1 || list[0]["deploymentManagerId"] != dmID {
			t.Errorf("v%s DISABLED managers %v, want %s", v, list, dmID)
		}
		if len(list) == 1 && !strings.Contains(string(r.body), `"operationalState":"DISABLED"`) {
			t.Errorf("v%s selected field missing: %s", v, r.body)
		}
	}
}
