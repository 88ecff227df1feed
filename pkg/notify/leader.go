package notify

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// LeaseConfig configures the notifier's leader election.
type LeaseConfig struct {
	Namespace, Name string
	// Identity names this replica in the lease; replicas need distinct identities.
	Identity                                  string
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// runElected campaigns for the lease and runs lead while holding it, again and again, until
// ctx ends. The lease is released on shutdown so a successor starts at once.
func runElected(ctx context.Context, kube kubernetes.Interface, lc LeaseConfig, lead func(context.Context)) {
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: lc.Namespace, Name: lc.Name},
		Client:     kube.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: lc.Identity},
	}
	for ctx.Err() == nil {
		started, done := make(chan struct{}), make(chan struct{})
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   lc.LeaseDuration,
			RenewDeadline:   lc.RenewDeadline,
			RetryPeriod:     lc.RetryPeriod,
			ReleaseOnCancel: true,
			Name:            lc.Name,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(ctx context.Context) {
					close(started)
					defer close(done)
					lead(ctx)
				},
				OnStoppedLeading: func() { klog.InfoS("Notifier lease lost or released", "identity", lc.Identity) },
				OnNewLeader: func(identity string) {
					klog.V(2).InfoS("Notifier leader", "identity", identity)
				},
			},
		})
		if err != nil {
			klog.ErrorS(err, "Notifier leader election misconfigured")
			return
		}
		le.Run(ctx)
		select {
		case <-started:
			// The next term starts only when this one has stopped every worker.
			<-done
		default:
		}
	}
}
