package notify

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// SecretSource returns the signing key a SecretKeyRef names in a namespace.
type SecretSource interface {
	Key(ctx context.Context, namespace string, ref *v1alpha1.SecretKeyRef) ([]byte, error)
}

// A signing Secret opts in to being used by the notifier in either of two ways; any other
// Secret named by a spec.signingSecretRef is refused and nothing is delivered (an unsigned
// notification to a receiver that expects signatures would only be dropped, or worse, trusted).
//
// Opting in matters because netweave reads Secrets cluster-wide: without it, whoever may create
// a subscription in a namespace could have any Secret of that namespace (a service account
// token, a registry password) used as an HMAC key and, with a callback they control, test
// guesses of its value offline. The registry also checks that a subscription's creator may
// read the Secret they name (pkg/registry/o2ims/inventorysubscription).

// signingOptIn reports whether secret may serve as a signing key.
func signingOptIn(secret *corev1.Secret) bool {
	return secret.Type == v1alpha1.SecretTypeSigningKey || secret.Labels[v1alpha1.LabelSigningKey] == "true"
}

// secretTTL bounds how long a key is reused before it is read again (key rotation).
const secretTTL = 30 * time.Second

// cachedSecrets reads Secrets from the cluster, caching each for secretTTL: one read per
// subscription per TTL instead of one per POST, without watching every Secret of the cluster.
type cachedSecrets struct {
	client kubernetes.Interface
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedKey
}

type cachedKey struct {
	key     []byte
	fetched time.Time
}

// NewSecretSource returns a SecretSource reading through client.
func NewSecretSource(client kubernetes.Interface) SecretSource {
	return &cachedSecrets{client: client, now: time.Now, cache: map[string]cachedKey{}}
}

func (c *cachedSecrets) Key(ctx context.Context, namespace string, ref *v1alpha1.SecretKeyRef) ([]byte, error) {
	id := namespace + "/" + ref.Name + "/" + ref.Key
	c.mu.Lock()
	hit, ok := c.cache[id]
	c.mu.Unlock()
	if ok && c.now().Sub(hit.fetched) < secretTTL {
		return hit.key, nil
	}
	if ok {
		// Stale: never used again, whatever the read below finds (a deleted Secret's key
		// must not stay in memory).
		c.forget(id)
	}
	// By name only: netweave needs get on Secrets, never list or watch.
	secret, err := c.client.CoreV1().Secrets(namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, classify(FailureSecretNotFound, fmt.Errorf("secret %s/%s: %w", namespace, ref.Name, err))
	}
	if err != nil {
		return nil, classify(FailureSecretUnreadable, fmt.Errorf("read secret %s/%s: %w", namespace, ref.Name, err))
	}
	if !signingOptIn(secret) {
		return nil, classify(FailureSecretNotOptedIn, fmt.Errorf("secret %s/%s", namespace, ref.Name))
	}
	key, ok := secret.Data[ref.Key]
	if !ok || len(key) == 0 {
		return nil, classify(FailureSecretNoKey, fmt.Errorf("secret %s/%s has no key %q", namespace, ref.Name, ref.Key))
	}
	now := c.now()
	c.mu.Lock()
	// Keys past their TTL are never used again, only read anew: dropped here, so that the
	// cache holds the keys of the last TTL (one per subscription delivering), not every key
	// of every Secret ever named, rotated away or deleted since.
	for k, e := range c.cache {
		if now.Sub(e.fetched) >= secretTTL {
			delete(c.cache, k)
		}
	}
	c.cache[id] = cachedKey{key: key, fetched: now}
	c.mu.Unlock()
	return key, nil
}

func (c *cachedSecrets) forget(id string) {
	c.mu.Lock()
	delete(c.cache, id)
	c.mu.Unlock()
}
