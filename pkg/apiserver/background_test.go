package apiserver

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/netweave-io/netweave/pkg/leader"
)

// TestRegressionCleanStopReleasesTheLease: on a rolling update (SIGTERM), the replica that led
// the notifier, the inventory sync, the O2-DMS or the provisioning controllers exited as soon
// as the API server's listener stopped, while the goroutines the post-start hooks had started
// were still winding down: the lease was never released (ReleaseOnCancel never ran) and the
// other replica took over only once the lease expired, the notification just POSTed went
// unacknowledged and the O2 listener's drain was cut. Server.Run now returns only once they
// have stopped.
func TestRegressionCleanStopReleasesTheLease(t *testing.T) {
	kube := fake.NewClientset()
	opts := leader.Options{Namespace: "ns", Name: "netweave-notifier", Identity: "replica-a",
		LeaseDuration: time.Hour, RenewDeadline: 30 * time.Second, RetryPeriod: 10 * time.Millisecond}
	bg := &background{}
	s := &Server{background: bg}
	leading := make(chan struct{})
	wroteAfterStop := make(chan struct{})
	serve := func(ctx context.Context) error {
		// As the generic server: the hooks' context is done once its listener stopped.
		hookCtx, stopHooks := context.WithCancel(context.WithoutCancel(ctx))
		bg.Go(func() {
			if err := leader.Run(hookCtx, kube, opts, func(term context.Context) {
				close(leading)
				<-term.Done()
				// A writer under the lease finishing its in-flight work.
				close(wroteAfterStop)
			}); err != nil {
				t.Error(err)
			}
		})
		<-ctx.Done()
		<-leading
		stopHooks()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx, serve) }()
	select {
	case <-leading:
	case <-time.After(30 * time.Second):
		t.Fatal("never led")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
	}
	select {
	case <-wroteAfterStop:
	default:
		t.Fatal("Run returned while the term's writers still ran")
	}
	lease, err := kube.CoordinationV1().Leases("ns").Get(context.Background(), "netweave-notifier", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if holder := ptr.Deref(lease.Spec.HolderIdentity, ""); holder != "" {
		t.Fatalf("Run returned with the lease still held by %q: the other replica waits out the lease duration", holder)
	}
}

// TestBackgroundWaitIsBounded: a term that ignores its context does not hold the process past
// the bound.
func TestBackgroundWaitIsBounded(t *testing.T) {
	bg := &background{}
	release := make(chan struct{})
	defer close(release)
	bg.Go(func() { <-release })
	if bg.waitAtMost(50 * time.Millisecond) {
		t.Fatal("waitAtMost reported a goroutine that still runs as stopped")
	}
	quick := &background{}
	quick.Go(func() {})
	if !quick.waitAtMost(30 * time.Second) {
		t.Fatal("waitAtMost did not see a goroutine that returned")
	}
}
