package inventory

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// LeaderConfig configures the Lease that keeps replicas from syncing at the same time.
type LeaderConfig struct {
	Client        kubernetes.Interface
	Namespace     string
	Name          string
	Identity      string
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
	// Metrics, when set, reports leadership in Metrics.Leader.
	Metrics *Metrics
}

// RunLeaderElected runs lead while this replica holds the Lease, and campaigns again when it
// loses it, until ctx is done. lead's context ends when leadership ends; the Lease is released
// on shutdown so another replica takes over at once.
func RunLeaderElected(ctx context.Context, cfg LeaderConfig, lead func(context.Context)) error {
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, cfg.Namespace, cfg.Name,
		cfg.Client.CoreV1(), cfg.Client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: cfg.Identity})
	if err != nil {
		return fmt.Errorf("inventory lease: %w", err)
	}
	for ctx.Err() == nil {
		done := make(chan struct{})
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   cfg.LeaseDuration,
			RenewDeadline:   cfg.RenewDeadline,
			RetryPeriod:     cfg.RetryPeriod,
			ReleaseOnCancel: true,
			Name:            cfg.Name,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(ctx context.Context) {
					defer close(done)
					klog.InfoS("Inventory lease acquired; syncing", "identity", cfg.Identity, "lease", klog.KRef(cfg.Namespace, cfg.Name))
					cfg.setLeader(1)
					defer cfg.setLeader(0)
					lead(ctx)
				},
				OnStoppedLeading: func() {
					klog.InfoS("Inventory lease released or lost; not syncing", "identity", cfg.Identity)
				},
				OnNewLeader: func(identity string) {
					if identity != cfg.Identity {
						klog.InfoS("Inventory is synced by another replica", "leader", identity)
					}
				},
			},
		})
		if err != nil {
			return fmt.Errorf("inventory leader election: %w", err)
		}
		le.Run(ctx)
		// Run returns before ctx ends only after leading and losing the Lease; OnStartedLeading
		// runs in its own goroutine, so wait for it before campaigning again, and two terms never
		// overlap in this process.
		if ctx.Err() == nil {
			<-done
		}
	}
	return nil
}

func (cfg LeaderConfig) setLeader(v float64) {
	if cfg.Metrics != nil {
		cfg.Metrics.Leader.Set(v)
	}
}
