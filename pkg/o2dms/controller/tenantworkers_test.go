package controller

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

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
	objs := []runtime.Object{deletingNfDeployment("tenant-a", "nf-1"), deletingNfDeployment("tenant-a", "nf-2"), deletingNfDeployment("tenant-b", "nf")}
	targets := hangingTargets{hang: map[string]bool{"tenant-a": true}, release: make(chan struct{}), reached: make(chan string, 8)}
	const workers = 2
	c := controllerOn(t, targets, workers, objs...)
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
