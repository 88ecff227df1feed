package notify

import (
	"context"
	"encoding/json"
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
	// waits counts the waits for an authorizer that could not decide (nil: not counted).
	waits interface{ Inc() }

	// now is the clock (time.Now; tests move it).
	now func() time.Time

	mu    sync.Mutex
	cache map[accessKey]accessDecision
	// swept is when expired decisions were last dropped. Keys name namespaces, which come
	// and go: without the sweep a subscription for all namespaces kept a decision for every
	// namespace that ever changed, for as long as it lived.
	swept time.Time
}

type accessKey struct{ subUID, verb, group, resource, namespace string }

type accessDecision struct {
	allowed bool
	at      time.Time
}

func newVisibility(authz authorizer.Authorizer, waits interface{ Inc() }) *visibility {
	return &visibility{authz: authz, waits: waits, now: time.Now, cache: map[accessKey]accessDecision{}}
}

// visible reports whether sub may receive a change of an object of kind in namespace: the
// object must be in the subscription's scope (its namespace, or any for the default
// subscription namespace) AND its owner must be allowed to get it now. A subscription without
// an owner (made before owners were recorded, or by a request without a user) receives
// nothing: nothing it carries can widen what it is sent.
//
// While the authorizer cannot decide (tenancy.Unavailable: its SubjectAccessReview cannot
// reach the cluster's API server) visible waits and asks again, at the store's pace, until it
// can or ctx ends (the error then): answering "no" would drop, for good, a notification the
// owner may read (the change is processed once). Meanwhile the changes after it wait too, in
// order, in the notifier's watch and then its relist. Any other error denies, as a refusal
// does.
func (v *visibility) visible(ctx context.Context, sub *Subscription, kind model.Kind, namespace string) (bool, error) {
	if !sub.AllNamespaces && (namespace == "" || namespace != sub.Namespace) {
		return false, nil
	}
	return v.allowed(ctx, sub, "get", kind, namespace)
}

// allowed reports whether sub's owner may verb objects of kind in namespace now (decisions
// reused for accessTTL), waiting as visible documents while the authorizer cannot decide. An
// owner-less subscription may nothing.
func (v *visibility) allowed(ctx context.Context, sub *Subscription, verb string, kind model.Kind, namespace string) (bool, error) {
	if sub.Subscriber == nil || v.authz == nil {
		return false, nil
	}
	key := accessKey{sub.UID, verb, kind.Group(), kind.KubernetesResource(), namespace}
	v.mu.Lock()
	d, ok := v.cache[key]
	v.mu.Unlock()
	if ok && v.now().Sub(d.at) < accessTTL {
		return d.allowed, nil
	}
	for failures := 1; ; failures++ {
		now := v.now()
		allowed, err := tenancy.Allowed(ctx, v.authz, sub.Subscriber, tenancy.Request{Verb: verb, Group: key.group, Resource: key.resource, Namespace: namespace})
		if err == nil {
			v.remember(key, accessDecision{allowed: allowed, at: now})
			return allowed, nil
		}
		if !tenancy.Unavailable(err) {
			// Not cached: a failed check is made again for the next change.
			klog.V(2).InfoS("Authorization check for a subscriber failed; the change is not sent to it", "subscription", sub.Key(), "verb", verb, "err", err)
			return false, nil
		}
		if failures == 1 {
			klog.InfoS("Authorizer unavailable: notifications wait until it answers", "subscription", sub.Key(), "err", err)
		}
		if v.waits != nil {
			v.waits.Inc()
		}
		if err := awaitStoreRetry(ctx, failures); err != nil {
			return false, err
		}
	}
}

// remember caches d under key and, at most once per accessTTL, drops the decisions that have
// expired: the cache then holds only what was asked in the last two TTLs.
func (v *visibility) remember(key accessKey, d accessDecision) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.cache[key] = d
	if d.at.Sub(v.swept) < accessTTL {
		return
	}
	v.swept = d.at
	for k, old := range v.cache {
		if d.at.Sub(old.at) >= accessTTL {
			delete(v.cache, k)
		}
	}
}

// relatedIDs is, for a kind whose document lists the ids of other objects, the kind of those
// objects and the document's attribute that lists them (LocationInfo: its sites,
// OCloudSiteInfo: its pools); the zero value for every other kind.
func relatedIDs(kind model.Kind) (relatedKind model.Kind, attr string) {
	switch kind {
	case model.KindLocationInfo:
		return model.KindOCloudSiteInfo, "oCloudSiteIds"
	case model.KindOCloudSiteInfo:
		return model.KindResourcePool, "resourcePools"
	}
	return "", ""
}

// relatedAccess tells what sub's owner may read beyond an object of kind in namespace (it may
// read that object): whether it may list the objects whose ids its document lists. It waits,
// as visible does, while the authorizer cannot decide.
func (v *visibility) relatedAccess(ctx context.Context, sub *Subscription, kind model.Kind, namespace string) (access, error) {
	relatedKind, _ := relatedIDs(kind)
	if relatedKind == "" {
		return access{}, nil
	}
	ok, err := v.allowed(ctx, sub, "list", relatedKind, namespace)
	return access{related: ok}, err
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

// withoutRelatedIDs returns the encoded notification body with the related ids of its states
// (relatedIDs) emptied, as a document rendered for an owner who may not list them shows
// them; nil when body is not a notification this can rewrite.
func withoutRelatedIDs(body []byte, kind model.Kind) []byte {
	_, attr := relatedIDs(kind)
	var n map[string]json.RawMessage
	if attr == "" || json.Unmarshal(body, &n) != nil {
		return nil
	}
	for _, state := range []string{"priorObjectState", "postObjectState"} {
		raw, ok := n[state]
		if !ok {
			continue
		}
		var doc map[string]json.RawMessage
		if json.Unmarshal(raw, &doc) != nil {
			return nil
		}
		if _, ok := doc[attr]; !ok {
			continue
		}
		doc[attr] = json.RawMessage(`[]`)
		b, err := json.Marshal(doc)
		if err != nil {
			return nil
		}
		n[state] = b
	}
	out, err := json.Marshal(n)
	if err != nil {
		return nil
	}
	return out
}
