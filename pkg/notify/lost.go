package notify

import (
	"context"

	"k8s.io/klog/v2"
)

// lostReporter tells the subscriptions a store wipe or rollback took from the ones their owners
// deleted. The store sends no deletion for what a wipe took: the subscription informer finds it
// missing when it relists, exactly as a deletion made while its watch was down. What tells them
// apart is the store's epoch: a subscription that joined in an earlier epoch than the current
// one and is now missing went with the store. The notifier does not re-create it (it could not
// do so as its owner, and the owner may have meant to delete it meanwhile); it reports it so
// that the operator or the SMO creates it again.
type lostReporter struct {
	epoch   func(context.Context) (uint64, error)
	metrics *metrics
	kind    string
}

// joined records the epoch a new subscription belongs to.
func (r *lostReporter) joined(ctx context.Context, w *worker) {
	if r == nil {
		return
	}
	gen, err := r.epoch(ctx)
	if err != nil {
		// Unknown: take the oldest, so that a wipe is not missed; an ordinary deletion after
		// a failed read may then be reported as a loss, which is the safer mistake.
		klog.V(2).InfoS("Notifier cannot read the store epoch", "err", err)
		return
	}
	w.epoch = gen
}

// vanished reports w's subscription as lost when the store went back since it joined.
func (r *lostReporter) vanished(ctx context.Context, w *worker) {
	if r == nil {
		return
	}
	gen, err := r.epoch(ctx)
	if err != nil {
		klog.ErrorS(err, "Notifier cannot tell whether a missing subscription was deleted or lost with the store", "subscription", w.sub.Load().Key())
		return
	}
	if gen == w.epoch {
		return
	}
	sub := w.sub.Load()
	owner := ""
	if sub.Subscriber != nil {
		owner = sub.Subscriber.GetName()
	}
	r.metrics.subscriptionsLost.WithLabelValues(r.kind).Inc()
	klog.ErrorS(nil, "Subscription lost: the store was wiped or rolled back and took it; it is not re-created, its owner must create it again",
		"kind", r.kind, "subscription", sub.Key(), "subscriptionId", sub.ID, "owner", owner, "consumerSubscriptionId", sub.ConsumerID)
}
