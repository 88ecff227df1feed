package e2e

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/notify"
)

// NfDeploymentSubscriptions (issue 13 item 3) on the real stack: the notifier's durable
// queues deliver NfDeploymentChangeNotifications for creations, phase and revision changes
// and deletions, not for other status writes; filters, tenancy and durability as for
// inventory subscriptions. No controller runs: the test writes status itself, as the
// controller will, through the status subresource.

// nfSubscriptionManifest is an NfDeploymentSubscription to r's callback path name.
func nfSubscriptionManifest(ns, name string, r *receiver, filter string) string {
	m := fmt.Sprintf(`apiVersion: o2dms.oran.org/v1alpha1
kind: NfDeploymentSubscription
metadata: {name: %s, namespace: %s}
spec:
  callback: %s/%s
  consumerSubscriptionId: 5b1c0b0e-7d3f-4e4a-9d5e-0c1b2a3d4e5f
`, name, ns, r.srv.URL, name)
	if filter != "" {
		m += "  filter: \"" + filter + "\"\n"
	}
	return m
}

// nfAbout returns the notifications about the NfDeployment ns/name, in arrival order.
func nfAbout(r *receiver, ns, name string) []received {
	var out []received
	for _, n := range r.all() {
		if n.body["namespace"] == ns && n.body["name"] == name {
			out = append(out, n)
		}
	}
	return out
}

// nfSummary is a notification as "TYPE phase/revision [changes]".
func nfSummary(n received) string {
	st, _ := n.body["postObjectState"].(map[string]any)
	if st == nil {
		st, _ = n.body["priorObjectState"].(map[string]any)
	}
	status, _ := st["status"].(map[string]any)
	var changes []string
	if cs, ok := n.body["changes"].([]any); ok {
		for _, c := range cs {
			changes = append(changes, fmt.Sprint(c))
		}
	}
	return fmt.Sprintf("%s %v/%v %v", notify.EventType(eventType(n)), status["phase"], status["releaseRevision"], changes)
}

func summaries(ns []received) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = nfSummary(n)
	}
	return out
}

// setNfStatus writes status through the status subresource as the controller will.
func setNfStatus(t *testing.T, c versioned.Interface, ns, name string, mutate func(*dmsv1alpha1.NfDeploymentStatus)) {
	t.Helper()
	ctx := context.Background()
	d, err := c.O2dmsV1alpha1().NfDeployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mutate(&d.Status)
	if _, err := c.O2dmsV1alpha1().NfDeployments(ns).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update status of %s/%s: %v", ns, name, err)
	}
}

func phase(p dmsv1alpha1.NfDeploymentPhase, rev int64) func(*dmsv1alpha1.NfDeploymentStatus) {
	return func(s *dmsv1alpha1.NfDeploymentStatus) { s.Phase, s.ReleaseRevision = p, rev }
}

func TestO2DMSNotifications(t *testing.T) {
	t.Parallel()
	s := startStack(t, notifierArgs...)
	admin, alice, bob := localstack.Admin, localstack.Alice, localstack.Bob
	client := s.admin(t)
	for _, ns := range []string{"nfn-a", "nfn-b"} {
		s.kubectl(t, admin, "create", "namespace", ns)
	}
	// alice deploys and subscribes in nfn-a; bob subscribes in nfn-b and, through the shared
	// subscription namespace, wherever he may read.
	s.kubectl(t, admin, "create", "rolebinding", "alice-admin", "-n", "nfn-a", "--clusterrole=o2ims-admin", "--user="+alice)
	s.kubectl(t, admin, "create", "rolebinding", "bob-admin", "-n", "nfn-b", "--clusterrole=o2ims-admin", "--user="+bob)
	s.kubectl(t, admin, "create", "rolebinding", "bob-subscriber", "-n", dmsSharedNS, "--clusterrole=o2ims-subscriber", "--user="+bob)
	// The operator offers alice its deployment managers and descriptors, and nothing else there.
	s.kubectl(t, admin, "create", "role", "deploy-offer", "-n", dmsSharedNS, "--verb=get",
		"--resource=deploymentmanagers.o2ims.oran.org", "--resource=nfdeploymentdescriptors.o2dms.oran.org")
	s.kubectl(t, admin, "create", "rolebinding", "alice-deploy-offer", "-n", dmsSharedNS, "--role=deploy-offer", "--user="+alice)
	apply := func(t *testing.T, user, manifest string) {
		t.Helper()
		if out, stderr, err := s.kubectlStdin(t, user, manifest, "apply", "-f", "-"); err != nil {
			t.Fatalf("apply as %s: %v\n%s%s\n%s", user, err, out, stderr, manifest)
		}
	}
	apply(t, admin, `apiVersion: o2ims.oran.org/v1alpha1
kind: DeploymentManager
metadata: {name: local, namespace: `+dmsSharedNS+`}
spec: {deploymentManagerId: `+dmsDMID+`, name: local, serviceUri: "https://127.0.0.1:6443"}
`)
	apply(t, admin, dmsDescriptorManifest(dmsSharedNS, "common"))

	all, failed, bobs := newReceiver(t), newReceiver(t), newReceiver(t)
	apply(t, alice, nfSubscriptionManifest("nfn-a", "all", all, ""))
	apply(t, alice, nfSubscriptionManifest("nfn-a", "failed", failed, "(eq,status/phase,FAILED)"))
	apply(t, bob, nfSubscriptionManifest(dmsSharedNS, "bobs", bobs, ""))

	t.Run("the subscription's owner is the server's record, and kubectl shows it", func(t *testing.T) {
		sub, err := client.O2dmsV1alpha1().NfDeploymentSubscriptions("nfn-a").Get(context.Background(), "all", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sub.Spec.Subscriber == nil || sub.Spec.Subscriber.Username != alice || sub.Spec.SubscriptionID == "" {
			t.Errorf("spec %+v", sub.Spec)
		}
		out := s.kubectl(t, admin, "get", "nfdeploymentsubscriptions", "-n", "nfn-a", "-o", "wide")
		if !strings.Contains(out, "SUBSCRIBER") || !strings.Contains(out, alice) {
			t.Errorf("kubectl get nfdeploymentsubscriptions:\n%s", out)
		}
		// bob's subscriber role in nfn-a: none, so no subscription there.
		if _, _, err := s.kubectlStdin(t, bob, nfSubscriptionManifest("nfn-a", "sneaky", bobs, ""), "create", "-f", "-"); err == nil {
			t.Error("bob created a subscription in alice's namespace")
		}
	})

	t.Run("CREATE, MODIFY on phase and revision only, DELETE; filters", func(t *testing.T) {
		apply(t, alice, nfDeploymentManifest("nfn-a", "upf-1", "common", dmsSharedNS, dmsDMID, "{replicas: 2}"))
		setNfStatus(t, client, "nfn-a", "upf-1", phase(dmsv1alpha1.NfDeploymentInstalling, 0))
		setNfStatus(t, client, "nfn-a", "upf-1", phase(dmsv1alpha1.NfDeploymentDeployed, 1))
		// Workload readiness, conditions and the message only: no notification.
		setNfStatus(t, client, "nfn-a", "upf-1", func(st *dmsv1alpha1.NfDeploymentStatus) {
			st.Workloads = []dmsv1alpha1.WorkloadStatus{{APIVersion: "apps/v1", Kind: "Deployment", Name: "upf", Namespace: "nfn-a", Ready: true}}
			st.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Deployed", Message: "ready", LastTransitionTime: metav1.Now()}}
			st.Message = "all workloads ready"
		})
		// A spec change is notified when the controller acts on it, not when written.
		apply(t, alice, nfDeploymentManifest("nfn-a", "upf-1", "common", dmsSharedNS, dmsDMID, "{replicas: 3}"))
		// The revision alone.
		setNfStatus(t, client, "nfn-a", "upf-1", phase(dmsv1alpha1.NfDeploymentDeployed, 2))
		setNfStatus(t, client, "nfn-a", "upf-1", phase(dmsv1alpha1.NfDeploymentFailed, 2))
		s.kubectl(t, alice, "delete", "nfdeployment", "upf-1", "-n", "nfn-a")

		want := []string{
			"CREATE /0 []",
			"MODIFY INSTALLING/0 [phase]",
			"MODIFY DEPLOYED/1 [phase releaseRevision]",
			"MODIFY DEPLOYED/2 [releaseRevision]",
			"MODIFY FAILED/2 [phase]",
			"DELETE FAILED/2 []",
		}
		eventually(t, 30*time.Second, "the DELETE of upf-1", func() error {
			if got := nfAbout(all, "nfn-a", "upf-1"); len(got) < len(want) {
				return errorf("%v", summaries(got))
			}
			return nil
		})
		// Queues are ordered: the DELETE came last, so anything else would have come before.
		got := nfAbout(all, "nfn-a", "upf-1")
		if !reflect.DeepEqual(summaries(got), want) {
			t.Errorf("notifications\n%v\nwant\n%v", summaries(got), want)
		}
		ids := map[any]bool{}
		for _, n := range got {
			ids[n.body["notificationId"]] = true
			if n.body["objectRef"] != "/apis/o2dms.oran.org/v1alpha1/namespaces/nfn-a/nfdeployments/upf-1" ||
				n.body["consumerSubscriptionId"] != "5b1c0b0e-7d3f-4e4a-9d5e-0c1b2a3d4e5f" || n.body["nfDeploymentId"] == "" {
				t.Errorf("notification %s", n.raw)
			}
		}
		if len(ids) != len(got) {
			t.Errorf("notification ids repeat: %v", ids)
		}
		if st := got[0].body["postObjectState"].(map[string]any); st["deploymentManagerId"] != dmsDMID || st["targetNamespace"] != "nfn-a" {
			t.Errorf("CREATE state %s", got[0].raw)
		}
		// The filter: the change into FAILED, and the deletion of a FAILED deployment (its
		// prior state matches).
		eventually(t, 30*time.Second, "the filtered DELETE", func() error {
			if got := nfAbout(failed, "nfn-a", "upf-1"); len(got) < 2 {
				return errorf("%v", summaries(got))
			}
			return nil
		})
		if got := summaries(nfAbout(failed, "nfn-a", "upf-1")); !reflect.DeepEqual(got, []string{"MODIFY FAILED/2 [phase]", "DELETE FAILED/2 []"}) {
			t.Errorf("filtered notifications %v", got)
		}
	})

	t.Run("a subscription receives only what its owner may read", func(t *testing.T) {
		// bob's shared-namespace subscription may receive any namespace's deployments, but bob
		// may read nfn-b's only. His own deployment, made after alice's, is the barrier: the
		// queue is ordered, so once it arrived nothing of alice's is still on its way.
		apply(t, bob, nfDeploymentManifest("nfn-b", "amf-1", "common", dmsSharedNS, dmsDMID, ""))
		eventually(t, 30*time.Second, "bob's CREATE", func() error {
			if len(nfAbout(bobs, "nfn-b", "amf-1")) == 0 {
				return errorf("none")
			}
			return nil
		})
		for _, n := range bobs.all() {
			if n.body["namespace"] != "nfn-b" {
				t.Errorf("bob received %s", n.raw)
			}
		}
		// And alice's namespaced subscriptions nothing of nfn-b: amf-1's CREATE precedes
		// upf-2's in every queue.
		apply(t, alice, nfDeploymentManifest("nfn-a", "upf-2", "common", dmsSharedNS, dmsDMID, ""))
		eventually(t, 30*time.Second, "alice's CREATE of upf-2", func() error {
			if len(nfAbout(all, "nfn-a", "upf-2")) == 0 {
				return errorf("none")
			}
			return nil
		})
		for _, n := range all.all() {
			if n.body["namespace"] != "nfn-a" {
				t.Errorf("alice received %s", n.raw)
			}
		}
	})

	t.Run("a callback down then up receives everything, in order", func(t *testing.T) {
		all.fail.Store(true)
		apply(t, alice, nfDeploymentManifest("nfn-a", "upf-3", "common", dmsSharedNS, dmsDMID, ""))
		setNfStatus(t, client, "nfn-a", "upf-3", phase(dmsv1alpha1.NfDeploymentInstalling, 0))
		// The notifier has tried and failed: the queue holds them.
		eventually(t, 30*time.Second, "failures in the subscription's status", func() error {
			sub, err := client.O2dmsV1alpha1().NfDeploymentSubscriptions("nfn-a").Get(context.Background(), "all", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if sub.Status.ConsecutiveFailures == 0 || sub.Status.LastError == "" {
				return errorf("status %+v", sub.Status)
			}
			return nil
		})
		setNfStatus(t, client, "nfn-a", "upf-3", phase(dmsv1alpha1.NfDeploymentDeployed, 1))
		setNfStatus(t, client, "nfn-a", "upf-3", phase(dmsv1alpha1.NfDeploymentUpgrading, 1))
		setNfStatus(t, client, "nfn-a", "upf-3", phase(dmsv1alpha1.NfDeploymentDeployed, 2))
		s.kubectl(t, alice, "delete", "nfdeployment", "upf-3", "-n", "nfn-a")
		all.fail.Store(false)
		want := []string{
			"CREATE /0 []",
			"MODIFY INSTALLING/0 [phase]",
			"MODIFY DEPLOYED/1 [phase releaseRevision]",
			"MODIFY UPGRADING/1 [phase]",
			"MODIFY DEPLOYED/2 [phase releaseRevision]",
			"DELETE DEPLOYED/2 []",
		}
		eventually(t, time.Minute, "every notification of upf-3", func() error {
			if got := nfAbout(all, "nfn-a", "upf-3"); len(got) < len(want) {
				return errorf("%v", summaries(got))
			}
			return nil
		})
		if got := summaries(nfAbout(all, "nfn-a", "upf-3")); !reflect.DeepEqual(got, want) {
			t.Errorf("after recovery\n%v\nwant\n%v", got, want)
		}
		eventually(t, 10*time.Second, "status shows the recovery", func() error {
			sub, err := client.O2dmsV1alpha1().NfDeploymentSubscriptions("nfn-a").Get(context.Background(), "all", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if sub.Status.ConsecutiveFailures != 0 || sub.Status.QueueDepth != 0 || sub.Status.Delivered < int64(len(want)) || sub.Status.Dropped != 0 {
				return errorf("status %+v", sub.Status)
			}
			return nil
		})
	})

	t.Run("kubectl explain describes every field", func(t *testing.T) {
		eventually(t, 2*time.Minute, "kubectl explain nfdeploymentsubscription", func() error {
			_, _, err := s.kubectlStdin(t, admin, "", "explain", "nfdeploymentsubscription.spec")
			return err
		})
		for _, path := range explainedObjects(t, s, "nfdeploymentsubscription") {
			out := s.kubectl(t, admin, "explain", path)
			if strings.Contains(out, "<no description>") || !strings.Contains(out, "FIELDS:") {
				t.Errorf("kubectl explain %s leaves a field undescribed:\n%s", path, out)
			}
		}
	})
}
