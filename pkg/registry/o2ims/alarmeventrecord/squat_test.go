package alarmeventrecord

import (
	"testing"

	guuid "github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

// TestRegressionTenantSquatsRecorderAlarmName: the recorder names an alarm record by its id, a
// name-based UUIDv5 derived from the fault's source, key and start; a re-raise after a clear
// starts at the clear's second. A node pool namespace's admin, who may clear the O-Cloud's
// alarms about its pool's nodes, could create a record under the name of the re-raise first
// (the server assigns the id, not the name): every create of the re-raise was AlreadyExists and
// the recorder, after its attempts, gave up: the alarm of the present fault was lost. Such names
// are now the server's own outside the inventory namespace.
func TestRegressionTenantSquatsRecorderAlarmName(t *testing.T) {
	create := tenantStore(t).Store.BeginCreate
	name := guuid.NewSHA1(guuid.NameSpaceURL, []byte("AlarmEventRecord/node-conditions/uid/Ready/2026-11-30T08:00:00Z")).String()
	a := alarmAbout("tenant-b", "Resource", tenantRes)
	a.Name = name
	_, err := create(asIn("tenant-b-admin", "tenant-b"), a, &metav1.CreateOptions{})
	if f, _ := kindtest.OnlyCause(t, err); f != "metadata.name" {
		t.Fatalf("tenant-b's record named %s (a UUIDv5): %s, want metadata.name refused", name, f)
	}
	// Control: another UUID, the recorder, and the operator in its own namespace.
	a.Name = "2f1d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"
	if _, err := create(asIn("tenant-b-admin", "tenant-b"), a, &metav1.CreateOptions{}); err != nil {
		t.Errorf("tenant-b's record named by a UUIDv4: %v", err)
	}
	a.Name = name
	if _, err := create(asIn(user.APIServerUser, "tenant-b", user.SystemPrivilegedGroup), a, &metav1.CreateOptions{}); err != nil {
		t.Errorf("the recorder's record: %v", err)
	}
	op := alarmAbout(invNS, "Resource", nodeRes)
	op.Name = name
	if _, err := create(asIn("ops", invNS), op, &metav1.CreateOptions{}); err != nil {
		t.Errorf("the operator's record in the inventory namespace: %v", err)
	}
}
