package notify

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// SecretSource returns the signing key a SecretKeyRef names in a namespace.
type SecretSource interface {
	Key(ctx context.Context, namespace string, ref *v1alpha1.SecretKeyRef) ([]byte, error)
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
	secret, err := c.client.CoreV1().Secrets(namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read secret %s/%s: %w", namespace, ref.Name, err)
	}
	key, ok := secret.Data[ref.Key]
	if !ok || len(key) == 0 {
		return nil, fmt.Errorf("secret %s/%s has no key %q", namespace, ref.Name, ref.Key)
	}
	c.mu.Lock()
	c.cache[id] = cachedKey{key: key, fetched: c.now()}
	c.mu.Unlock()
	return key, nil
}
