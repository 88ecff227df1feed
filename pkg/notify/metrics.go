package notify

import (
	compbasemetrics "k8s.io/component-base/metrics"
)

// Registerer is where the notifier's metrics go (legacyregistry in the server, a fresh
// KubeRegistry in tests).
type Registerer interface {
	Register(compbasemetrics.Registerable) error
}

// metrics are the notifier's Prometheus metrics.
type metrics struct {
	latency  *compbasemetrics.Histogram
	attempts *compbasemetrics.CounterVec
	expired  *compbasemetrics.Counter
	// dropped counts notifications discarded undelivered, by reason (dropExpired,
	// dropQueueFull, dropTooLarge, dropRevoked); never by subscription or tenant.
	dropped    *compbasemetrics.CounterVec
	queueDepth *compbasemetrics.Gauge
	events     *compbasemetrics.CounterVec
	// replayed counts notifications queued for a new subscription from the history;
	// replayUncovered the subscriptions older than the history.
	replayed        *compbasemetrics.Counter
	replayUncovered *compbasemetrics.Counter
	// subscriptionsLost counts the subscriptions a store wipe or rollback took, by kind.
	subscriptionsLost *compbasemetrics.CounterVec
	// rebaselines counts the re-baselines after a wipe or rollback, by notified kind.
	rebaselines *compbasemetrics.CounterVec
	// authorizerWaits counts the waits for an authorizer that could not decide whether a
	// subscription may receive a change (visibility.visible).
	authorizerWaits *compbasemetrics.Counter
}

const metricsSubsystem = "netweave_notifier"

// Reasons of netweave_notifier_dropped_total.
const (
	// dropExpired: older than --notifier-max-age (also counted by expired_total).
	dropExpired = "expired"
	// dropQueueFull: evicted, oldest first, from a queue that would exceed
	// --notifier-queue-bytes or --notifier-queue-length.
	dropQueueFull = "queue_full"
	// dropTooLarge: a notification whose body alone is larger than --notifier-queue-bytes,
	// never queued.
	dropTooLarge = "too_large"
	// dropRevoked: queued while the subscriber could get the object, which it no longer may
	// when its turn to be sent comes.
	dropRevoked = "revoked"
)

// What a subscription's callback was doing when its notifications were dropped (the callback
// label of netweave_notifier_dropped_total). A tenant's receiver that is down (its
// subscription's last POST failed) makes its own queue overflow and expire: that is the
// tenant's to see in status.lastError and status.dropped, not an operator's incident, and it
// kept the operator's critical alerts firing for as long as the receiver stayed down, so that a
// drop netweave caused for anyone else raised nothing new.
const (
	callbackFailing   = "failing"
	callbackAnswering = "answering"
)

func callbackState(failing bool) string {
	if failing {
		return callbackFailing
	}
	return callbackAnswering
}

func newMetrics(reg Registerer) (*metrics, error) {
	m := &metrics{
		latency: compbasemetrics.NewHistogram(&compbasemetrics.HistogramOpts{
			Subsystem: metricsSubsystem, Name: "change_to_post_seconds",
			Help:           "Time from the notifier observing a change to the callback accepting its notification.",
			Buckets:        []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
			StabilityLevel: compbasemetrics.ALPHA,
		}),
		attempts: compbasemetrics.NewCounterVec(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "delivery_attempts_total",
			Help:           "Notification POSTs by result (success, failure).",
			StabilityLevel: compbasemetrics.ALPHA,
		}, []string{"result"}),
		expired: compbasemetrics.NewCounter(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "expired_total",
			Help:           "Notifications dropped undelivered because they exceeded the maximum age.",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
		dropped: compbasemetrics.NewCounterVec(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "dropped_total",
			Help:           "Notifications discarded undelivered, by reason: expired (older than the maximum age), queue_full (the oldest of a queue past its byte or length bound), too_large (larger than a whole queue), revoked (the subscriber may no longer get the object when its turn comes); and by what the subscription's callback was doing then: failing (its last POST failed: the receiver is down or refusing) or answering.",
			StabilityLevel: compbasemetrics.ALPHA,
		}, []string{"reason", "callback"}),
		queueDepth: compbasemetrics.NewGauge(&compbasemetrics.GaugeOpts{
			Subsystem: metricsSubsystem, Name: "queue_depth",
			Help:           "Notifications waiting for delivery, over all subscriptions.",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
		events: compbasemetrics.NewCounterVec(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "changes_total",
			Help:           "Changes processed (inventory objects and alarm records), by kind and watch event type.",
			StabilityLevel: compbasemetrics.ALPHA,
		}, []string{"kind", "type"}),
		replayed: compbasemetrics.NewCounter(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "replayed_total",
			Help:           "Notifications queued for a new subscription about changes processed before the notifier knew of it.",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
		replayUncovered: compbasemetrics.NewCounter(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "replay_uncovered_total",
			Help:           "New subscriptions created before the oldest change the notifier's replay history holds.",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
		subscriptionsLost: compbasemetrics.NewCounterVec(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "subscriptions_lost_total",
			Help:           "Subscriptions that vanished with the store's data (wiped or rolled back); they are not re-created.",
			StabilityLevel: compbasemetrics.ALPHA,
		}, []string{"kind"}),
		rebaselines: compbasemetrics.NewCounterVec(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "rebaselines_total",
			Help:           "Times the notifier found the store wiped or rolled back and told every subscription the difference between what it had processed and what the store holds, by kind of object.",
			StabilityLevel: compbasemetrics.ALPHA,
		}, []string{"kind"}),
		authorizerWaits: compbasemetrics.NewCounter(&compbasemetrics.CounterOpts{
			Subsystem: metricsSubsystem, Name: "authorizer_waits_total",
			Help:           "Times the notifier waited, and asked again, because the authorizer could not decide whether a subscription's owner may read a change (the cluster's API server unreachable, failing or throttling); changes wait meanwhile instead of being dropped.",
			StabilityLevel: compbasemetrics.ALPHA,
		}),
	}
	if reg != nil {
		for _, c := range []compbasemetrics.Registerable{m.latency, m.attempts, m.expired, m.dropped, m.queueDepth, m.events, m.replayed, m.replayUncovered, m.subscriptionsLost, m.rebaselines, m.authorizerWaits} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
