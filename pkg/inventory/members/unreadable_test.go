package members

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// TestRegressionUnreadableCAPINamespace: a namespace of --inventory-capi-namespaces netweave
// may not read (its Role missing) kept the manager waiting for that namespace's Secrets for the
// whole leader term: no member at all was registered, the operator's labelled Secrets of the
// inventory namespace included. The namespaces that can be read now proceed; the inventory of
// members no Secret registers is removed only once every namespace has been read (the
// unreadable one might register them), and then it is.
func TestRegressionUnreadableCAPINamespace(t *testing.T) {
	var denied atomic.Bool
	denied.Store(true)
	r := newRigWith(t, func(c *Config) {
		c.CAPINamespaces = []string{"capi-denied"}
		c.Secrets.(*kubefake.Clientset).PrependReactor("list", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
			if a.GetNamespace() == "capi-denied" && denied.Load() {
				return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "", errors.New("no Role"))
			}
			return false, nil, nil
		})
		// What earlier terms synced: edge-3, registered in the unreadable namespace, and edge-9,
		// registered nowhere any more.
		for _, name := range []string{"edge-3", "edge-9"} {
			dm := &v1alpha1.DeploymentManager{ObjectMeta: inventory.ManagedMeta(invNS, name, "Cluster/"+name),
				Spec: v1alpha1.DeploymentManagerSpec{DeploymentManagerID: "9d3c0f5e-2f0a-4d1c-9a53-3d2f1c0b7a1" + name[5:], Name: name}}
			dm.Labels[v1alpha1.LabelCluster] = name
			if _, err := c.O2.O2imsV1alpha1().DeploymentManagers(invNS).Create(context.Background(), dm, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}, optInSecret("edge-1", "kubeconfig of edge-1"), capiSecret("capi-denied", "edge-3", "kubeconfig of edge-3"))
	dmOf := func(name string) error {
		_, err := r.o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(context.Background(), name, metav1.GetOptions{})
		return err
	}
	r.eventually("edge-1, of the inventory namespace, running", func() error {
		if r.runs("edge-1") == "" {
			return fmt.Errorf("not running (running %v)", r.mgr.Running())
		}
		return nil
	})
	r.enabled("edge-1 synced")
	for _, name := range []string{"edge-3", "edge-9"} {
		if err := dmOf(name); err != nil {
			t.Fatalf("%s's inventory removed while a namespace that may register it could not be read: %v", name, err)
		}
	}
	denied.Store(false) // the Role is created
	r.eventually("edge-3, of the namespace now read, running", func() error {
		if r.runs("edge-3") == "" {
			return fmt.Errorf("not running (running %v)", r.mgr.Running())
		}
		return nil
	})
	r.eventually("edge-9, registered nowhere, removed once every namespace is read", func() error {
		if err := dmOf("edge-9"); !apierrors.IsNotFound(err) {
			return fmt.Errorf("deployment manager: %v", err)
		}
		return nil
	})
	if err := dmOf("edge-3"); err != nil {
		t.Fatalf("edge-3: %v", err)
	}
}

// TestRegressionUnreadableTenantClustersBlockEveryMember: a tenant namespace whose Cluster API
// Clusters netweave may not list (its Role there lacks clusters) kept the manager waiting for
// that namespace's Cluster informer for the whole leader term: no member was registered, the
// operator's included. The others proceed now; the tenant's own Secrets wait until its
// Clusters are read, and so does the removal of unregistered members' inventory.
func TestRegressionUnreadableTenantClustersBlockEveryMember(t *testing.T) {
	var denied atomic.Bool
	denied.Store(true)
	member := ProvisionedName("tenant-b", requestID)
	r := newRigWith(t, func(c *Config) {
		c.CAPINamespaces, c.TenantNamespaces = []string{"tenant-b"}, []string{"tenant-b"}
		c.Dynamic.(*dynamicfake.FakeDynamicClient).PrependReactor("list", "clusters", func(a k8stesting.Action) (bool, runtime.Object, error) {
			if a.GetNamespace() == "tenant-b" && denied.Load() {
				return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "cluster.x-k8s.io", Resource: "clusters"}, "", errors.New("no Role"))
			}
			return false, nil, nil
		})
		// What an earlier term synced of edge-9, registered nowhere any more.
		dm := &v1alpha1.DeploymentManager{ObjectMeta: inventory.ManagedMeta(invNS, "edge-9", "Cluster/edge-9"),
			Spec: v1alpha1.DeploymentManagerSpec{DeploymentManagerID: "9d3c0f5e-2f0a-4d1c-9a53-3d2f1c0b7a19", Name: "edge-9"}}
		dm.Labels[v1alpha1.LabelCluster] = "edge-9"
		if _, err := c.O2.O2imsV1alpha1().DeploymentManagers(invNS).Create(context.Background(), dm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}, optInSecret("edge-1", "kubeconfig of edge-1"),
		capiSecret("tenant-b", member, tenantKubeconfig("tenant-b's cluster", "https://"+tenantEndpoint)))
	r.provision("tenant-b", requestID)
	r.eventually("edge-1, of the inventory namespace, running", func() error {
		if r.runs("edge-1") == "" {
			return fmt.Errorf("not running (running %v)", r.mgr.Running())
		}
		return nil
	})
	if key := r.runs(member); key != "" {
		t.Errorf("the tenant's member runs (%s) before its Cluster could be read", key)
	}
	if _, err := r.o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(context.Background(), "edge-9", metav1.GetOptions{}); err != nil {
		t.Fatalf("edge-9's inventory removed while a namespace that may register it could not be read: %v", err)
	}
	denied.Store(false) // the Role is fixed
	r.eventually("the tenant's member, its Cluster now read, running", func() error {
		if r.runs(member) == "" {
			return fmt.Errorf("not running (running %v)", r.mgr.Running())
		}
		return nil
	})
	r.eventually("edge-9, registered nowhere, removed once every namespace is read", func() error {
		if _, err := r.o2.O2imsV1alpha1().DeploymentManagers(invNS).Get(context.Background(), "edge-9", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("deployment manager: %v", err)
		}
		return nil
	})
}
