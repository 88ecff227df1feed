package notify

import (
	"context"
	"sync"

	"k8s.io/klog/v2"
)

// lostReporter tells the subscriptions a store wipe or rollback took from the ones their owners
// deleted. The store sends no deletion for what a wipe took: the subscription informer finds it
// missing when it relists, exactly as a deletion made while its watch was down. What tells them
// apart is the store's epoch: a subscription that joined in an earlier epoch than the current
// one and is now missing, or replaced by a namesake, went with the store, unless the store told
// its deletion (a watch DELETE, which a wipe or rollback never sends: a subscription that
// survived a rollback and is deleted later by its owner is not lost). The notifier does not
// re-create it (it could not do so as its owner, and the owner may have meant to delete it
// meanwhile); it reports a missing one so that the operator or the SMO creates it again, and
// gives the one its owner creates again what changed since the wipe (replayFrom).
type lostReporter struct {
	epoch   func(context.Context) (uint64, error)
	metrics *metrics
	kind    string

	mu sync.Mutex
	// gone maps the key of every subscription the store lost to its owner.
	gone map[string]string
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

// vanished checks, when w's subscription is missing (missing) or replaced by a namesake, whether
// the store went back since it joined; if so the subscription was lost with the store: it is
// remembered for replayFrom and, when missing, reported.
func (r *lostReporter) vanished(ctx context.Context, w *worker, missing bool) {
	if r == nil {
		return
	}
	sub := w.sub.Load()
	gen, err := r.epoch(ctx)
	if err != nil {
		klog.ErrorS(err, "Notifier cannot tell whether a missing subscription was deleted or lost with the store", "subscription", sub.Key())
		return
	}
	if gen == w.epoch {
		return
	}
	owner := ownerOf(sub)
	r.mu.Lock()
	if r.gone == nil {
		r.gone = map[string]string{}
	}
	r.gone[sub.Key()] = owner
	r.mu.Unlock()
	if !missing {
		return
	}
	r.metrics.subscriptionsLost.WithLabelValues(r.kind).Inc()
	klog.ErrorS(nil, "Subscription lost: the store was wiped or rolled back and took it; it is not re-created, its owner must create it again",
		"kind", r.kind, "subscription", sub.Key(), "subscriptionId", sub.ID, "owner", owner, "consumerSubscriptionId", sub.ConsumerID)
}

// replayFrom is the resourceVersion after which a joining subscription is to receive the
// changes already processed: rv, or "0" (everything since the wipe, which emptied the history,
// the re-baseline first) for a subscription its owner created again after the store lost it.
func (r *lostReporter) replayFrom(sub *Subscription, rv string) string {
	if r == nil {
		return rv
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	owner, ok := r.gone[sub.Key()]
	if !ok || owner != ownerOf(sub) {
		return rv
	}
	delete(r.gone, sub.Key())
	klog.InfoS("Subscription created again after the store lost it: it receives what changed since",
		"kind", r.kind, "subscription", sub.Key(), "subscriptionId", sub.ID, "owner", owner)
	return "0"
}

func ownerOf(sub *Subscription) string {
	if sub.Subscriber == nil {
		return ""
	}
	return sub.Subscriber.GetName()
}
