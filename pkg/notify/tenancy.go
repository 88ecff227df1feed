package notify

import (
	"context"
	"sync"
	"time"

	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// accessTTL is how long an authorization decision for a subscriber is reused. It bounds how
// long a subscription keeps receiving changes after its owner loses the right to read them
// (plus the authorizer's own cache: the delegated authorizer's allow TTL, 10s by default).
const accessTTL = 30 * time.Second

// visibility applies the tenancy rule (see the package documentation).
type visibility struct {
	authz authorizer.Authorizer

	mu    sync.Mutex
	cache map[accessKey]accessDecision
}

type accessKey struct{ subUID, group, resource, namespace string }

type accessDecision struct {
	allowed bool
	at      time.Time
}

func newVisibility(authz authorizer.Authorizer) *visibility {
	return &visibility{authz: authz, cache: map[accessKey]accessDecision{}}
}

// visible reports whether sub may receive a change of an object of kind in namespace: the
// object must be in the subscription's scope (its namespace, or any for the default
// subscription namespace) AND its owner must be allowed to get it now. A subscription without
// an owner (made before owners were recorded, or by a request without a user) receives
// nothing: nothing it carries can widen what it is sent.
func (v *visibility) visible(ctx context.Context, sub *Subscription, kind model.Kind, namespace string) bool {
	if !sub.AllNamespaces && (namespace == "" || namespace != sub.Namespace) {
		return false
	}
	if sub.Subscriber == nil || v.authz == nil {
		return false
	}
	key := accessKey{sub.UID, kind.Group(), kind.KubernetesResource(), namespace}
	now := time.Now()
	v.mu.Lock()
	d, ok := v.cache[key]
	v.mu.Unlock()
	if ok && now.Sub(d.at) < accessTTL {
		return d.allowed
	}
	allowed, err := tenancy.Allowed(ctx, v.authz, sub.Subscriber, tenancy.Request{Verb: "get", Group: key.group, Resource: key.resource, Namespace: namespace})
	if err != nil {
		// Not cached: a failed check is retried on the next change.
		klog.V(2).InfoS("Authorization check for a subscriber failed", "subscription", sub.Key(), "err", err)
		return false
	}
	v.mu.Lock()
	v.cache[key] = accessDecision{allowed: allowed, at: now}
	v.mu.Unlock()
	return allowed
}

// forget drops the cached decisions of a subscription.
func (v *visibility) forget(subUID string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for k := range v.cache {
		if k.subUID == subUID {
			delete(v.cache, k)
		}
	}
}
