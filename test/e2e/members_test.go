package e2e

import (
	"context"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/pkg/alarms/reachability"
	"github.com/netweave-io/netweave/pkg/alarms/standard"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
)

// TestInventoryMemberCluster registers a second kube-apiserver as a member cluster through a
// labelled kubeconfig Secret (Cluster API's key "value", name <cluster>-kubeconfig): its Nodes
// become Resources with the member's ids under its own DeploymentManager; stopping its
// kube-apiserver keeps them, marks the manager unreachable and raises one CLUSTER_CRITICAL alarm
// on it (the same across a restart of netweave, on both faces, one NEW to an alarm subscriber);
// starting it again clears both (CLEAR)
// and syncs what changed; deleting the Secret removes the member's objects and only them.
func TestInventoryMemberCluster(t *testing.T) {
	t.Parallel()
	s := startStack(t, append(append(invArgs("members"), notifierArgs...), "--inventory-member-probe-interval=1s")...)
	ctx := context.Background()
	smo := newReceiver(t)
	subscribeAlarms(t, s, localstack.Admin, invNS, "operator", smo.srv.URL+"/operator", nil)
	cfg := s.cp.RESTConfig(localstack.Admin)
	c := invClients{kube: kubernetes.NewForConfigOrDie(cfg), o2: versioned.NewForConfigOrDie(cfg)}
	c.createNode(t, "local-1", "zone-l", "small", true)
	c.waitResource(t, invNS, "local-1", nil)

	mcp := stacktest.StartControlPlane(t, localstack.Options{})
	mc := invClients{kube: kubernetes.NewForConfigOrDie(mcp.RESTConfig(localstack.Admin))}
	mc.createNode(t, "local-1", "zone-m", "small", true) // same name as the local Node
	// Registered as make run registers members: Cluster API's key and <cluster>-kubeconfig name.
	if err := localstack.RegisterMember(ctx, s.cp, invNS, "edge-1", mcp); err != nil {
		t.Fatal(err)
	}

	oc, err := c.o2.O2imsV1alpha1().OClouds().Get(ctx, "default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := inventory.NewIDs(oc.Spec.OCloudID)
	if err != nil {
		t.Fatal(err)
	}
	memberIDs := ids.Member("edge-1")
	node, err := mc.kube.CoreV1().Nodes().Get(ctx, "local-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dms := c.o2.O2imsV1alpha1().DeploymentManagers(invNS)
	var dmID string // the member's deploymentManagerId, once synced
	manager := func(want o2v1.OperationalState, reachable metav1.ConditionStatus) func() error {
		return func() error {
			dm, err := dms.Get(ctx, "edge-1", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if dm.Spec.ServiceURI != mcp.KubeAPIServer.URL || dm.Spec.Name != "edge-1" || dm.Labels[o2v1.LabelCluster] != "edge-1" {
				return fmt.Errorf("manager %s serviceUri %s labels %v", dm.Spec.Name, dm.Spec.ServiceURI, dm.Labels)
			}
			if dm.Status.OperationalState != want {
				return fmt.Errorf("operationalState %s, want %s", dm.Status.OperationalState, want)
			}
			if cond := meta.FindStatusCondition(dm.Status.Conditions, o2v1.DeploymentManagerClusterReachable); cond == nil || cond.Status != reachable {
				return fmt.Errorf("ClusterReachable %+v, want %s", cond, reachable)
			}
			return nil
		}
	}

	t.Run("the member's nodes become resources with its ids under its own manager", func(t *testing.T) {
		c.waitResource(t, invNS, "edge-1-local-1", func(r *o2v1.O2Resource) error {
			if r.Labels[o2v1.LabelCluster] != "edge-1" {
				return fmt.Errorf("labels %v", r.Labels)
			}
			if want := kube.NodeResourceID(memberIDs, node); r.Spec.ResourceID != want {
				return fmt.Errorf("resourceId %s, want %s", r.Spec.ResourceID, want)
			}
			return nil
		})
		eventually(t, syncWait, "member deployment manager enabled", manager(o2v1.OperationalStateEnabled, metav1.ConditionTrue))
		local := c.resource(t, invNS, "local-1")
		member := c.resource(t, invNS, "edge-1-local-1")
		if local.Spec.ResourceID == member.Spec.ResourceID || local.Spec.ResourcePoolID == member.Spec.ResourcePoolID {
			t.Errorf("local and member resources share ids: %+v / %+v", local.Spec, member.Spec)
		}
		if _, ok := local.Labels[o2v1.LabelCluster]; ok {
			t.Errorf("local resource labelled as a member's: %v", local.Labels)
		}
		if _, err := dms.Get(ctx, "e2e-cluster", metav1.GetOptions{}); err != nil {
			t.Errorf("local deployment manager: %v", err)
		}
	})

	t.Run("an unreachable member keeps its inventory and says so", func(t *testing.T) {
		if err := mcp.KubeAPIServer.Process.Stop(); err != nil {
			t.Fatal(err)
		}
		eventually(t, syncWait, "member deployment manager disabled", manager(o2v1.OperationalStateDisabled, metav1.ConditionFalse))
		c.waitResource(t, invNS, "edge-1-local-1", nil)
		c.waitPoolCount(t, invNS, "edge-1-zone-m", 1)
	})

	var outage *o2v1.AlarmEventRecord
	t.Run("an unreachable member raises a cluster alarm on its manager on both faces", func(t *testing.T) {
		dm, err := dms.Get(ctx, "edge-1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		dmID = dm.Spec.DeploymentManagerID
		outage = waitAlarm(t, c.o2, dmID, func(a *o2v1.AlarmEventRecord) error {
			if a.Status.PerceivedSeverity != o2v1.PerceivedSeverityCritical || a.Spec.ObjectClass != "DeploymentManager" ||
				a.Spec.AlarmName != "CLUSTER_CRITICAL" || a.Spec.AlarmDefinitionID != standard.DefinitionID("CLUSTER_CRITICAL") ||
				a.Spec.ProbableCauseID != standard.ProbableCauseID(standard.ClusterCommunication) || a.Spec.Source.Name != reachability.Name {
				return fmt.Errorf("alarm spec %+v status %+v", a.Spec, a.Status)
			}
			return nil
		})
		o2alarm(t, s, outage.Spec.AlarmEventRecordID, dmID, o2v1.PerceivedSeverityCritical)
		o2manager(t, s, dmID, o2v1.OperationalStateDisabled, "False")
		waitEvent(t, smo, outage.Spec.AlarmEventRecordID, 0)
	})

	t.Run("a restart of netweave during the outage keeps the one alarm", func(t *testing.T) {
		if err := s.netweave.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := s.netweave.Start(); err != nil {
			t.Fatal(err)
		}
		// The new leader restates the member's reachability; the outage's alarm stays the one
		// active record, with its id (waitAlarm wants exactly one record about the manager).
		eventually(t, syncWait, "member deployment manager still disabled", manager(o2v1.OperationalStateDisabled, metav1.ConditionFalse))
		again := waitAlarm(t, c.o2, dmID, func(a *o2v1.AlarmEventRecord) error {
			if a.Status.PerceivedSeverity != o2v1.PerceivedSeverityCritical {
				return fmt.Errorf("severity %d", a.Status.PerceivedSeverity)
			}
			return nil
		})
		if again.Spec.AlarmEventRecordID != outage.Spec.AlarmEventRecordID {
			t.Errorf("after the restart the alarm is %s, was %s", again.Spec.AlarmEventRecordID, outage.Spec.AlarmEventRecordID)
		}
	})

	t.Run("a member back resyncs and clears the state", func(t *testing.T) {
		if err := mcp.KubeAPIServer.Process.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, 2*syncWait, "member deployment manager enabled again", manager(o2v1.OperationalStateEnabled, metav1.ConditionTrue))
		cleared := waitAlarm(t, c.o2, dmID, func(a *o2v1.AlarmEventRecord) error {
			if a.Status.PerceivedSeverity != o2v1.PerceivedSeverityCleared || a.Status.AlarmClearedTime == nil {
				return fmt.Errorf("severity %d, cleared %v", a.Status.PerceivedSeverity, a.Status.AlarmClearedTime)
			}
			return nil
		})
		if cleared.Spec.AlarmEventRecordID != outage.Spec.AlarmEventRecordID {
			t.Errorf("cleared alarm %s, raised %s", cleared.Spec.AlarmEventRecordID, outage.Spec.AlarmEventRecordID)
		}
		o2alarm(t, s, outage.Spec.AlarmEventRecordID, dmID, o2v1.PerceivedSeverityCleared)
		o2manager(t, s, dmID, o2v1.OperationalStateEnabled, "True")
		waitEvent(t, smo, outage.Spec.AlarmEventRecordID, 2)
		// One outage, one NEW, whichever replica led (deliveries are at least once: count
		// distinct notification ids).
		news := map[string]bool{}
		for _, n := range smo.all() {
			if n.body["alarmEventRecordId"] == outage.Spec.AlarmEventRecordID && n.body["notificationEventType"] == float64(0) {
				if n.id == "" {
					t.Errorf("alarm notification without its id header: %s", n.raw)
				}
				news[n.id] = true
			}
		}
		if len(news) != 1 {
			t.Errorf("%d NEW notifications about the outage's alarm, want 1", len(news))
		}
		eventually(t, 2*syncWait, "member kube-apiserver answers", func() error {
			_, err := mc.kube.Discovery().ServerVersion()
			return err
		})
		mc.createNode(t, "edge-2", "zone-m", "small", true)
		eventually(t, 3*syncWait, "resource of the member's new node", func() error {
			_, err := c.o2.O2imsV1alpha1().O2Resources(invNS).Get(ctx, "edge-1-edge-2", metav1.GetOptions{})
			return err
		})
		c.waitPoolCount(t, invNS, "edge-1-zone-m", 2)
	})

	t.Run("deleting the registration removes the member's objects only", func(t *testing.T) {
		if err := localstack.UnregisterMember(ctx, s.cp, invNS, "edge-1"); err != nil {
			t.Fatal(err)
		}
		c.waitGone(t, invNS, "edge-1-local-1")
		c.waitGone(t, invNS, "edge-1-edge-2")
		eventually(t, syncWait, "member deployment manager deleted", func() error {
			if _, err := dms.Get(ctx, "edge-1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("get: %v", err)
			}
			pools, err := c.o2.O2imsV1alpha1().ResourcePools(invNS).List(ctx, metav1.ListOptions{LabelSelector: o2v1.LabelCluster})
			if err != nil {
				return err
			}
			if len(pools.Items) != 0 {
				return fmt.Errorf("%d member pools left", len(pools.Items))
			}
			return nil
		})
		c.waitResource(t, invNS, "local-1", nil)
		if _, err := dms.Get(ctx, "e2e-cluster", metav1.GetOptions{}); err != nil {
			t.Errorf("local deployment manager: %v", err)
		}
	})
}

// o2alarm waits for the monitoring face's v1 list and record, and v2 record, of alarm id about
// the deployment manager dmID to show severity.
func o2alarm(t *testing.T, s *stack, id, dmID string, severity o2v1.PerceivedSeverity) {
	t.Helper()
	admin := s.o2As(t, localstack.Admin)
	eventually(t, syncWait, "alarm "+id+" on the O2 face", func() error {
		var list []map[string]any
		admin.json(monitoringAPI+"/v1/alarms", 200, &list)
		found := false
		for _, a := range list {
			found = found || a["alarmEventRecordId"] == id
		}
		if !found {
			return fmt.Errorf("v1 alarms %s lack %s", idsOf(list, "alarmEventRecordId"), id)
		}
		var a map[string]any
		admin.json(monitoringAPI+"/v1/alarms/"+id, 200, &a)
		if a["resourceID"] != dmID || a["perceivedSeverity"] != float64(severity) {
			return fmt.Errorf("v1 alarm %v, want resourceID %s severity %d", a, dmID, severity)
		}
		admin.json(monitoringAPI+"/v2/alarms/"+id, 200, &a)
		if a["objectClass"] != "DeploymentManager" || a["objectId"] != dmID || a["perceivedSeverity"] != float64(severity) {
			return fmt.Errorf("v2 alarm %v, want a DeploymentManager %s", a, dmID)
		}
		return nil
	})
}

// o2manager waits for the inventory face to show the deployment manager dmID's state and
// ClusterReachable status in its extensions, on v1 and v2 (the face reads a cache that may
// trail the kubectl face by a moment).
func o2manager(t *testing.T, s *stack, dmID string, state o2v1.OperationalState, reachable string) {
	t.Helper()
	admin := s.o2As(t, localstack.Admin)
	eventually(t, syncWait, "deployment manager "+string(state)+" on the O2 face", func() error {
		for _, v := range []string{"/v1", "/v2"} {
			var dm map[string]any
			admin.json(inventoryAPI+v+"/deploymentManagers/"+dmID+"?all_fields", 200, &dm)
			ext, _ := dm["extensions"].(map[string]any)
			conds, _ := ext["conditions"].([]any)
			if ext["operationalState"] != string(state) || len(conds) != 1 || conds[0].(map[string]any)["status"] != reachable {
				return fmt.Errorf("%s deployment manager extensions %v, want %s and ClusterReachable %s", v, ext, state, reachable)
			}
		}
		return nil
	})
}
