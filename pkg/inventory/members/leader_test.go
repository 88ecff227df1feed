package members

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	k8stesting "k8s.io/client-go/testing"
)

// TestRegressionRunWaitsForItsWorker: Run returned when its leader term ended without waiting
// for its worker, which could still be removing an unregistered member's inventory (or
// starting a member) while the next term's manager ran: two writers of one member's
// inventory. Run now returns only once its worker has.
func TestRegressionRunWaitsForItsWorker(t *testing.T) {
	r := newRig(t)
	r.enabled("edge-1 synced")
	blocked, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var once sync.Once
	var afterRun atomic.Bool
	r.o2.PrependReactor("delete", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if strings.HasPrefix(a.(k8stesting.DeleteAction).GetName(), "edge-1") {
			once.Do(func() {
				close(blocked)
				<-release
				select {
				case <-r.done:
					afterRun.Store(true)
				default:
				}
				close(finished)
			})
		}
		return false, nil, nil
	})
	if err := r.central.CoreV1().Secrets(invNS).Delete(context.Background(), "edge-1-kubeconfig", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	<-blocked // the worker removes edge-1's inventory
	r.stop()  // the leader term ends
	// Run may not return while its worker writes; a Run that does not wait returns at once.
	_ = wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, time.Second, true, func(context.Context) (bool, error) {
		select {
		case <-r.done:
			return true, nil
		default:
			return false, nil
		}
	})
	close(release)
	<-finished
	<-r.done
	if afterRun.Load() {
		t.Fatal("Run returned while its worker was still deleting edge-1's inventory")
	}
}

// TestRegressionFailedPurgeIsRetried: a member whose Secret went away is stopped, then its
// inventory removed; when the removal failed (netweave's own API refused a delete) the key was
// retried, but the member was no longer running, so the retry found nothing to remove: its
// DeploymentManager and Resources stayed, unsynced, until the next leader term.
func TestRegressionFailedPurgeIsRetried(t *testing.T) {
	r := newRig(t)
	r.enabled("edge-1 synced")
	var failed atomic.Bool
	r.o2.PrependReactor("delete", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if strings.HasPrefix(a.(k8stesting.DeleteAction).GetName(), "edge-1") && failed.CompareAndSwap(false, true) {
			return true, nil, apierrors.NewServiceUnavailable("etcd leader changed")
		}
		return false, nil, nil
	})
	if err := r.central.CoreV1().Secrets(invNS).Delete(context.Background(), "edge-1-kubeconfig", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("edge-1's inventory removed despite a failed delete", func() error {
		if !failed.Load() {
			return errors.New("no delete refused yet")
		}
		if _, err := r.manager(); !apierrors.IsNotFound(err) {
			return fmt.Errorf("deployment manager: %v", err)
		}
		if _, err := r.o2.O2imsV1alpha1().O2Resources(invNS).Get(context.Background(), "edge-1-n1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("resource: %v", err)
		}
		return nil
	})
}
