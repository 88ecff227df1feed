package members

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// TestRegressionTenantEmptiedSecretRegistersNothing: a tenant's Secret edited into one without
// a kubeconfig hit the "a broken edit keeps the member" rule meant for the operator's typos,
// which returned before the tenant's rule (its request and Cluster must hold) was checked: the
// tenant could then delete its request and Cluster and keep a member, labelled for it, in the
// O-Cloud's inventory (raising reachability alarms) until the next leader term. A tenant's
// Secret without a kubeconfig registers nothing now, at run time as at the start of a term.
func TestRegressionTenantEmptiedSecretRegistersNothing(t *testing.T) {
	member := ProvisionedName("tenant-b", requestID)
	kubeconfig := tenantKubeconfig("tenant-b's cluster", "https://"+tenantEndpoint)
	r := newRigWith(t, func(c *Config) { c.CAPINamespaces, c.TenantNamespaces = []string{"tenant-b"}, []string{"tenant-b"} },
		capiSecret("tenant-b", member, kubeconfig))
	r.provision("tenant-b", requestID)
	r.eventually("the tenant's cluster registers", func() error {
		if r.runs(member) == "" {
			return errors.New("not running")
		}
		return nil
	})
	s := capiSecret("tenant-b", member, "")
	s.Data = map[string][]byte{}
	if _, err := r.central.CoreV1().Secrets("tenant-b").Update(context.Background(), s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the emptied Secret's member stopped", func() error {
		if key := r.runs(member); key != "" {
			return errors.New("still run by " + key)
		}
		return nil
	})
}

// TestRegressionBrokenOperatorSecretSurvivesALeaderChange: an operator's Secret edited into one
// without a kubeconfig keeps its member at run time (a typo must not delete an inventory), but
// the next leader's start-up clean-up counted the same Secret as no registration and deleted
// the member's whole inventory: a rolling upgrade did what the typo was promised not to.
func TestRegressionBrokenOperatorSecretSurvivesALeaderChange(t *testing.T) {
	broken := optInSecret("edge-1", "")
	broken.Data = map[string][]byte{"kubeconfg": []byte("kubeconfig of edge-1")} // the typo
	r := newRigWith(t, func(c *Config) {
		// What the previous leader synced for edge-1 before the Secret was edited.
		dm := &v1alpha1.DeploymentManager{ObjectMeta: inventory.ManagedMeta(invNS, "edge-1", "Cluster/edge-1"),
			Spec: v1alpha1.DeploymentManagerSpec{DeploymentManagerID: "9d3c0f5e-2f0a-4d1c-9a53-3d2f1c0b7a11", Name: "edge-1"}}
		dm.Labels[v1alpha1.LabelCluster] = "edge-1"
		if _, err := c.O2.O2imsV1alpha1().DeploymentManagers(invNS).Create(context.Background(), dm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}, broken, optInSecret("edge-2", "kubeconfig of edge-2"))
	// The manager clears orphans before it starts any member: edge-2 running means it is done.
	r.eventually("edge-2 running", func() error {
		if r.runs("edge-2") == "" {
			return errors.New("not running")
		}
		return nil
	})
	if _, err := r.manager(); err != nil {
		t.Fatalf("edge-1's Secret still registers it (only its kubeconfig key is mistyped), yet a new leader removed its inventory: %v", err)
	}
}

// The Cluster API Secrets that are not kubeconfigs (a cluster's CA and signing keys, labelled
// alike) are cached without their data.
func TestCAPIKeysAreNotCached(t *testing.T) {
	member := ProvisionedName("tenant-b", requestID)
	ca := capiSecret("tenant-b", member, "")
	ca.Name, ca.Data = member+"-ca", map[string][]byte{"tls.key": []byte("private key")}
	r := newRigWith(t, func(c *Config) { c.CAPINamespaces, c.TenantNamespaces = []string{"tenant-b"}, []string{"tenant-b"} },
		ca, capiSecret("tenant-b", member, tenantKubeconfig("tenant-b's cluster", "https://"+tenantEndpoint)))
	r.provision("tenant-b", requestID)
	r.eventually("the tenant's cluster registers", func() error {
		if r.runs(member) == "" {
			return errors.New("not running")
		}
		return nil
	})
	for _, w := range r.mgr.watches {
		if w.namespace != "tenant-b" {
			continue
		}
		cached, err := w.secrets.Get(member + "-ca")
		if err != nil {
			t.Fatal(err)
		}
		if len(cached.Data) != 0 {
			t.Errorf("the cluster's CA Secret is cached with its data: %v", cached.Data)
		}
	}
}

// TestRegressionMemberWithoutKubeconfigStaysConnected: an operator's Secret without a
// kubeconfig at the start of a leader term (edited while no replica led, or a restart after
// the edit) keeps its member's inventory, but nothing syncs the member: its DeploymentManager
// went on saying ENABLED and ClusterReachable True, as the previous term last wrote, however
// long the member was not checked. It says DISABLED now, ClusterReachable False and why.
func TestRegressionMemberWithoutKubeconfigStaysConnected(t *testing.T) {
	broken := optInSecret("edge-1", "")
	broken.Data = map[string][]byte{"kubeconfg": []byte("kubeconfig of edge-1")} // the typo
	r := newRigWith(t, func(c *Config) {
		// What the previous leader synced for edge-1 before the Secret was edited: reachable.
		dm := &v1alpha1.DeploymentManager{ObjectMeta: inventory.ManagedMeta(invNS, "edge-1", "Cluster/edge-1"),
			Spec: v1alpha1.DeploymentManagerSpec{DeploymentManagerID: "9d3c0f5e-2f0a-4d1c-9a53-3d2f1c0b7a11", Name: "edge-1"},
			Status: v1alpha1.DeploymentManagerStatus{OperationalState: v1alpha1.OperationalStateEnabled,
				Conditions: []metav1.Condition{{Type: v1alpha1.DeploymentManagerClusterReachable, Status: metav1.ConditionTrue,
					Reason: v1alpha1.ReasonClusterReachable, Message: "the cluster's API server answers", LastTransitionTime: metav1.Now()}}}}
		dm.Labels[v1alpha1.LabelCluster] = "edge-1"
		if _, err := c.O2.O2imsV1alpha1().DeploymentManagers(invNS).Create(context.Background(), dm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}, broken, optInSecret("edge-2", "kubeconfig of edge-2"))
	r.eventually("edge-1's DeploymentManager says nothing syncs it", func() error {
		dm, err := r.manager()
		if err != nil {
			return err
		}
		c := meta.FindStatusCondition(dm.Status.Conditions, v1alpha1.DeploymentManagerClusterReachable)
		if dm.Status.OperationalState != v1alpha1.OperationalStateDisabled || c == nil || c.Status != metav1.ConditionFalse ||
			c.Message != kubeconfigMissing {
			return fmt.Errorf("status %+v", dm.Status)
		}
		return nil
	})
	if key := r.runs("edge-1"); key != "" {
		t.Errorf("edge-1 runs (%s) without a kubeconfig", key)
	}
}
