package members

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

// TestRegressionHandoverKeepsTheInventory: two operator Secrets register edge-1, the first
// runs it and the second waits. When the first went away, the manager deleted all of edge-1's
// inventory (its DeploymentManager, pools, Resources) before the second Secret could take the
// member over, and the second's sync then created it all again with the same ids: SMOs were
// told that every object of a cluster that never went away was deleted and created. The
// member registered by the other Secret now keeps its inventory, which that Secret's sync
// makes right.
func TestRegressionHandoverKeepsTheInventory(t *testing.T) {
	r := newRigWith(t, nil, optInSecret("edge-1", "kubeconfig of edge-1"))
	r.enabled("edge-1 synced through its first Secret")
	var deleted atomic.Int32
	r.o2.PrependReactor("delete", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if strings.HasPrefix(a.(k8stesting.DeleteAction).GetName(), "edge-1") {
			deleted.Add(1)
		}
		return false, nil, nil
	})
	second := annotated(optInSecret("edge-1-new", "kubeconfig of edge-1, the new Secret"), "edge-1")
	if _, err := r.central.CoreV1().Secrets(invNS).Create(context.Background(), second, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The second Secret is seen (and ignored: the first registers edge-1) before the first goes.
	r.eventually("the second Secret seen", func() error {
		_, err := r.mgr.watches[0].secrets.Get(second.Name)
		return err
	})
	if err := r.central.CoreV1().Secrets(invNS).Delete(context.Background(), "edge-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the second Secret runs edge-1", func() error {
		if got := r.runs("edge-1"); got != invNS+"/"+second.Name {
			return fmt.Errorf("runs %q", got)
		}
		return nil
	})
	r.enabled("edge-1 synced through its second Secret")
	if n := deleted.Load(); n != 0 {
		t.Errorf("%d of edge-1's objects deleted while another Secret registered it", n)
	}
}

// TestHandoverToAGoneSecretRemovesTheInventory: when the Secret that would take a member over
// goes too, before its sync read it, the member's inventory is still removed (that Secret's
// sync inherits the removal), not left unsynced until the next leader term.
func TestHandoverToAGoneSecretRemovesTheInventory(t *testing.T) {
	second := annotated(optInSecret("edge-1-new", "kubeconfig of edge-1, the new Secret"), "edge-1")
	r := newRigWith(t, nil, optInSecret("edge-1", "kubeconfig of edge-1"))
	r.enabled("edge-1 synced through its first Secret")
	if _, err := r.central.CoreV1().Secrets(invNS).Create(context.Background(), second, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the second Secret seen", func() error {
		_, err := r.mgr.watches[0].secrets.Get(second.Name)
		return err
	})
	for _, name := range []string{"edge-1", second.Name} {
		if err := r.central.CoreV1().Secrets(invNS).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r.eventually("edge-1's inventory removed", func() error {
		if _, err := r.manager(); !apierrors.IsNotFound(err) {
			return fmt.Errorf("deployment manager: %v", err)
		}
		if _, err := r.o2.O2imsV1alpha1().O2Resources(invNS).Get(context.Background(), "edge-1-n1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("resource: %v", err)
		}
		if got := r.mgr.Running(); len(got) != 0 {
			return fmt.Errorf("members %v running", got)
		}
		return nil
	})
}
