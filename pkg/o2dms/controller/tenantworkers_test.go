package controller

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2imsv1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	o2dmslisters "github.com/netweave-io/netweave/generated/listers/o2dms/v1alpha1"
	o2imslisters "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// hangingTargets holds every reach of a target namespace listed in hang until release is
// closed (a target that answers nothing, or workloads Helm waits for that never become ready:
// up to a minute a request, --o2dms-timeout with --o2dms-wait), and answers every other at
// once. Each reach is reported on reached.
type hangingTargets struct {
	hang    map[string]bool
	release chan struct{}
	reached chan string
}

func (h hangingTargets) Target(ctx context.Context, _, namespace string) (helmrelease.Target, error) {
	h.reached <- namespace
	if h.hang[namespace] {
		select {
		case <-h.release:
		case <-ctx.Done():
		}
	}
	return helmrelease.Target{}, errors.New("target unavailable")
}

// TestRegressionOneTenantHoldsEveryWorker: the queue handed NfDeployments out a namespace at a
// time, but let one namespace's take every worker: a tenant with as many NfDeployments as the
// controller has workers (--o2dms-workers, 2 by default) whose targets hang, or whose
// workloads never become ready while Helm waits for them (up to --o2dms-timeout, 5 minutes),
// held all of them, and every other tenant's NfDeployment waited, again at each of the
// tenant's retries. A namespace now holds at most all workers but one while others wait.
func TestRegressionOneTenantHoldsEveryWorker(t *testing.T) {
	const inventory = "o2ims-system"
	dms := indexerOf(t, &o2imsv1.DeploymentManager{
		ObjectMeta: metav1.ObjectMeta{Namespace: inventory, Name: "edge"},
		Spec:       o2imsv1.DeploymentManagerSpec{DeploymentManagerID: "dm-1"},
	})
	deleted := metav1.Now()
	nf := func(ns, name string) *v1alpha1.NfDeployment {
		// Being deleted: the reconcile goes straight to the target, to uninstall.
		return &v1alpha1.NfDeployment{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Generation: 1, DeletionTimestamp: &deleted,
				Finalizers: []string{v1alpha1.FinalizerRelease}},
			Spec: v1alpha1.NfDeploymentSpec{DescriptorRef: v1alpha1.DescriptorReference{Name: "d", Namespace: inventory},
				DeploymentManagerID: "dm-1", TargetNamespace: ns},
		}
	}
	objs := []runtime.Object{nf("tenant-a", "nf-1"), nf("tenant-a", "nf-2"), nf("tenant-b", "nf")}
	targets := hangingTargets{hang: map[string]bool{"tenant-a": true}, release: make(chan struct{}), reached: make(chan string, 8)}
	const workers = 2
	c := New(Config{Client: o2fake.NewSimpleClientset(objs...), InventoryNamespace: inventory, Targets: targets, Workers: workers,
		RetryBase: time.Hour, RetryMax: time.Hour, Now: func() time.Time { return time.Unix(0, 0) }})
	c.managers = o2imslisters.NewDeploymentManagerLister(dms)
	c.deployments = o2dmslisters.NewNfDeploymentLister(indexerOf(t, objs...))
	c.queue = c.newQueue()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() {
		close(targets.release)
		cancel()
		c.queue.ShutDown()
		wg.Wait()
	}()
	c.queue.Add("tenant-a/nf-1")
	c.queue.Add("tenant-a/nf-2")
	for range workers {
		wg.Go(func() { c.worker(ctx) })
	}
	// Tenant A's first NfDeployment is reached; its second may or may not be (that is the
	// bug); then tenant B applies one.
	if ns := <-targets.reached; ns != "tenant-a" {
		t.Fatalf("reached %s first, want tenant-a", ns)
	}
	c.queue.Add("tenant-b/nf")
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ns := <-targets.reached:
			if ns == "tenant-b" {
				return
			}
		case <-deadline:
			t.Fatalf("tenant-b's NfDeployment not reconciled within 30 s while tenant-a's %d hang: tenant-a holds all %d workers",
				2, workers)
		}
	}
}
