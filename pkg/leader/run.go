package leader

import (
	"context"
	"fmt"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	// Reports leadership as leader_election_master_status{name} on the legacy registry.
	_ "k8s.io/component-base/metrics/prometheus/clientgo/leaderelection"
)

// Run runs lead while this replica holds the Lease, and campaigns again when a term ends,
// until ctx is done. A term ends when the Lease is lost, when lead returns, or when ctx is
// done; lead's context is cancelled then (see the package doc for when exactly), and the next
// term starts only after lead has returned.
func Run(ctx context.Context, client kubernetes.Interface, o Options, lead func(context.Context)) error {
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, o.Namespace, o.Name,
		client.CoreV1(), client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: o.Identity})
	if err != nil {
		return fmt.Errorf("lease %s/%s: %w", o.Namespace, o.Name, err)
	}
	for ctx.Err() == nil {
		if err := o.term(ctx, lock, clock.RealClock{}, lead); err != nil {
			return err
		}
	}
	return nil
}

// term campaigns for the Lease and, once it holds it, runs lead until the term ends.
func (o Options) term(ctx context.Context, lock resourcelock.Interface, clk clock.Clock, lead func(context.Context)) error {
	logger := klog.FromContext(ctx).WithValues("lease", klog.KRef(o.Namespace, o.Name), "identity", o.Identity)
	// The elector outlives ctx: at shutdown a leading term first stops lead, then the elector,
	// which releases the Lease.
	electorCtx, stopElector := context.WithCancel(context.WithoutCancel(ctx))
	defer stopElector()
	fence := newFence(lock, clk, o.RenewDeadline)
	stopCampaign := context.AfterFunc(ctx, func() {
		if !fence.acquired() {
			stopElector()
		}
	})
	defer stopCampaign()
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            fence,
		LeaseDuration:   o.LeaseDuration,
		RenewDeadline:   o.RenewDeadline,
		RetryPeriod:     o.RetryPeriod,
		ReleaseOnCancel: true,
		Name:            o.Name,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(electorTermCtx context.Context) {
				defer close(fence.stopped)
				termCtx, cancel := context.WithCancel(electorTermCtx)
				defer cancel()
				defer context.AfterFunc(ctx, cancel)()
				go fence.watch(termCtx, cancel)
				logger.Info("Lease acquired; leading")
				lead(termCtx)
				logger.Info("Stopped leading")
				// However the term ended, end the elector too, so the Lease is released (now
				// that nothing writes) or a new term campaigns.
				stopElector()
			},
			OnStoppedLeading: func() {
				if fence.acquired() {
					logger.Info("Lease lost or released")
				}
			},
			OnNewLeader: func(identity string) {
				if identity != o.Identity {
					logger.Info("Another replica leads", "leader", identity)
				}
			},
		},
	})
	if err != nil {
		return fmt.Errorf("leader election for lease %s/%s: %w", o.Namespace, o.Name, err)
	}
	le.Run(electorCtx)
	// Run returns as soon as a renewal fails; OnStartedLeading runs in its own goroutine.
	if fence.acquired() {
		<-fence.stopped
	}
	return nil
}
