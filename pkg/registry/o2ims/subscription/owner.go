package subscription

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2ims"
)

// stampSubscriber records who created the subscription. The server takes the identity from the
// authenticated request, never from the body: the notifier narrows deliveries to what this
// user may read, so a client-chosen subscriber would let anyone widen their own feed.
func (k *Kind) stampSubscriber(ctx context.Context, obj runtime.Object) {
	sub := k.Subscriber(obj)
	*sub = nil
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok || u == nil || u.GetName() == "" {
		// No user, no owner: the notifier delivers nothing to an ownerless subscription.
		return
	}
	info := &o2ims.SubscriberInfo{Username: u.GetName(), UID: u.GetUID()}
	if g := u.GetGroups(); len(g) > 0 {
		info.Groups = append([]string(nil), g...)
	}
	if extra := u.GetExtra(); len(extra) > 0 {
		info.Extra = make(map[string]o2ims.ExtraValue, len(extra))
		for k, v := range extra {
			info.Extra[k] = append(o2ims.ExtraValue(nil), v...)
		}
	}
	*sub = info
}

// keepSubscriber makes the subscriber immutable: an update cannot hand a subscription (and the
// reach of its owner's rights) to someone else, nor clear it.
func (k *Kind) keepSubscriber(_ context.Context, obj, old runtime.Object) {
	*k.Subscriber(obj) = (*k.Subscriber(old)).DeepCopy()
}
