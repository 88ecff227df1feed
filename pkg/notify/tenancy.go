package notify

import (
	"context"
	"sync"
	"time"

	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2ims/model"
)

// accessTTL is how long an authorization decision for a subscriber is reused.
const accessTTL = 30 * time.Second

// visibility applies the tenancy rule (see the package documentation).
type visibility struct {
	authz authorizer.Authorizer

	mu    sync.Mutex
	cache map[accessKey]accessDecision
}

type accessKey struct{ subUID, resource, namespace string }

type accessDecision struct {
	allowed bool
	at      time.Time
}

func newVisibility(authz authorizer.Authorizer) *visibility {
	return &visibility{authz: authz, cache: map[accessKey]accessDecision{}}
}

// visible reports whether sub may receive a change of an object of kind in namespace.
func (v *visibility) visible(ctx context.Context, sub *Subscription, kind model.Kind, namespace string) bool {
	if !sub.AllNamespaces {
		return namespace != "" && namespace == sub.Namespace
	}
	if sub.Subscriber == nil {
		return true
	}
	if v.authz == nil {
		return false
	}
	key := accessKey{sub.UID, kind.KubernetesResource(), namespace}
	now := time.Now()
	v.mu.Lock()
	d, ok := v.cache[key]
	v.mu.Unlock()
	if ok && now.Sub(d.at) < accessTTL {
		return d.allowed
	}
	decision, _, err := v.authz.Authorize(ctx, authorizer.AttributesRecord{
		User: sub.Subscriber, Verb: "get", APIGroup: v1alpha1.GroupName, APIVersion: v1alpha1.SchemeGroupVersion.Version,
		Resource: key.resource, Namespace: namespace, ResourceRequest: true,
	})
	allowed := decision == authorizer.DecisionAllow
	if err != nil && !allowed {
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
