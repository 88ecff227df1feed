package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

const monitoringAPI = "/o2ims-infrastructureMonitoring"

// TestMonitoringREST drives the monitoring face on the real stack: alarms an admin creates with
// kubectl are served through v1 and v2, acknowledged through O2 as the tenant's user (whose
// RBAC, not netweave's, decides the write), and stay invisible to another tenant.
func TestMonitoringREST(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	admin := localstack.Admin
	alarms := map[string]string{"tenant-a": "a1a1a1a1-0000-4000-8000-00000000000a", "tenant-b": "b1b1b1b1-0000-4000-8000-00000000000b"}
	for ns, pool := range map[string]string{"tenant-a": "a0000000-0000-4000-8000-00000000000a", "tenant-b": "b0000000-0000-4000-8000-00000000000b"} {
		manifest := `apiVersion: v1
kind: Namespace
metadata: {name: ` + ns + `}
---
apiVersion: o2ims.oran.org/v1alpha1
kind: ResourcePool
metadata: {name: pool, namespace: ` + ns + `}
spec: {name: pool, resourcePoolId: ` + pool + `}
---
apiVersion: o2ims.oran.org/v1alpha1
kind: AlarmEventRecord
metadata: {name: pool-down, namespace: ` + ns + `}
spec:
  alarmEventRecordId: ` + alarms[ns] + `
  source: {name: e2e, key: pool-down}
  objectClass: ResourcePool
  objectId: ` + pool + `
  alarmName: POOL_DOWN
`
		if out, stderr, err := s.kubectlStdin(t, admin, manifest, "apply", "-f", "-"); err != nil {
			t.Fatalf("apply %s: %v\n%s%s", ns, err, out, stderr)
		}
	}
	// alice reads tenant-a's inventory and alarms, and may update its alarms.
	s.kubectl(t, admin, "create", "rolebinding", "alice-reader", "-n", "tenant-a", "--clusterrole=o2ims-reader", "--user=alice")
	s.kubectl(t, admin, "create", "role", "alarm-operator", "-n", "tenant-a", "--verb=update", "--resource=alarmeventrecords.o2ims.oran.org")
	s.kubectl(t, admin, "create", "rolebinding", "alice-alarms", "-n", "tenant-a", "--role=alarm-operator", "--user=alice")

	alice := s.o2As(t, localstack.Alice)
	tenantA := "/tenants/tenant-a" + monitoringAPI
	var list []map[string]any
	eventually(t, 30*time.Second, "the alarm is served", func() error {
		alice.json(tenantA+"/v1/alarms", 200, &list)
		if got := idsOf(list, "alarmEventRecordId"); got != alarms["tenant-a"] {
			return errorf("v1 alarms %q", got)
		}
		return nil
	})
	if list[0]["resourceID"] != "a0000000-0000-4000-8000-00000000000a" || list[0]["alarmAcknowledged"] != false {
		t.Errorf("v1 alarm: %v", list[0])
	}
	var alarm map[string]any
	alice.json(tenantA+"/v2/alarms/"+alarms["tenant-a"], 200, &alarm)
	if alarm["objectClass"] != "ResourcePool" || alarm["objectId"] != "a0000000-0000-4000-8000-00000000000a" {
		t.Errorf("v2 alarm: %v", alarm)
	}

	// Another tenant's alarm: invisible on the default apiRoot, refused on its own.
	alice.json(monitoringAPI+"/v1/alarms/"+alarms["tenant-b"], 404, nil)
	alice.json("/tenants/tenant-b"+monitoringAPI+"/v1/alarms", 403, nil)
	if code, _, body := alice.send(http.MethodPatch, monitoringAPI+"/v1/alarms/"+alarms["tenant-b"], "application/merge-patch+json", `{"alarmAcknowledged":true}`); code != 404 {
		t.Errorf("ack of tenant-b's alarm: %d %s", code, body)
	}
	alice.json(monitoringAPI+"/v1/alarms", 200, &list)
	if got := idsOf(list, "alarmEventRecordId"); got != alarms["tenant-a"] {
		t.Errorf("alice at the default apiRoot sees %q", got)
	}

	// Acknowledge through O2; kubectl shows who did it.
	code, _, body := alice.send(http.MethodPatch, tenantA+"/v1/alarms/"+alarms["tenant-a"], "application/merge-patch+json", `{"alarmAcknowledged":true}`)
	if code != 200 || string(body) != `{"alarmAcknowledged":true}` {
		t.Fatalf("ack: %d %s", code, body)
	}
	out := s.kubectl(t, admin, "get", "alarmeventrecord", "pool-down", "-n", "tenant-a", "-o",
		"jsonpath={.spec.acknowledged} {.status.alarmAcknowledged} {.status.acknowledgedBy}")
	if out != "true true alice" {
		t.Errorf("kubectl after the O2 ack: %q", out)
	}
	if code, _, body := alice.send(http.MethodPatch, tenantA+"/v2/alarms/"+alarms["tenant-a"], "application/merge-patch+json", `{"alarmAcknowledged":true}`); code != 409 {
		t.Errorf("second ack: %d %s", code, body)
	}
	// bob has no update right anywhere: the API server, judging the write as bob, refuses it.
	s.kubectl(t, admin, "create", "rolebinding", "bob-reader", "-n", "tenant-b", "--clusterrole=o2ims-reader", "--user=bob")
	bob := s.o2As(t, localstack.Bob)
	if code, _, body := bob.send(http.MethodPatch, "/tenants/tenant-b"+monitoringAPI+"/v1/alarms/"+alarms["tenant-b"], "application/merge-patch+json", `{"perceivedSeverity":5}`); code != 403 {
		t.Errorf("clear without update right: %d %s", code, body)
	}
	out = s.kubectl(t, admin, "get", "alarmeventrecord", "pool-down", "-n", "tenant-b", "-o", "jsonpath={.spec.clearRequested}")
	if out == "true" {
		t.Error("bob cleared an alarm without the right to")
	}
}
