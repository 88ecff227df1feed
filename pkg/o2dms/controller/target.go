package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"

	o2imsv1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2imslisters "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/inventory/members"
	"github.com/netweave-io/netweave/pkg/k8sprofile"
	"github.com/netweave-io/netweave/pkg/storage/unique"
)

// Targets resolves the cluster and credentials of a release: the cluster of a
// DeploymentManager, reached as an identity scoped to one namespace of it.
type Targets interface {
	Target(ctx context.Context, deploymentManagerID, namespace string) (helmrelease.Target, error)
}

// ErrNamespaceNotEnabled is a target namespace of the cluster netweave runs in that the
// operator has not enabled for deployments (--o2dms-local-namespaces).
var ErrNamespaceNotEnabled = errors.New("namespace not enabled for deployments")

// ErrNoTargetNamespace is a target namespace that does not exist in the target cluster:
// netweave never creates namespaces there.
var ErrNoTargetNamespace = errors.New("the target namespace does not exist in the target cluster")

// ErrUnknownDeploymentManager is a deploymentManagerId no synced DeploymentManager holds.
var ErrUnknownDeploymentManager = errors.New("no cluster known for this deployment manager")

// ProfileTargets resolves targets through the Kubernetes profile of O2dms (pkg/k8sprofile),
// the one place that maps a DeploymentManager to its cluster: the controller acts in the
// target namespace as a ServiceAccount of that namespace bound to the edit ClusterRole
// there, with a short-lived token (the profile creates both when missing). In a member cluster
// the profile does so with the member's registered kubeconfig identity; in the cluster
// netweave runs in only in the namespaces the operator enabled.
type ProfileTargets struct {
	// DeploymentManagers lists the inventory's DeploymentManagers (the shared informer's).
	DeploymentManagers o2imslisters.DeploymentManagerLister
	// InventoryNamespace holds the operator's DeploymentManagers.
	InventoryNamespace string
	// Profiles issues the scoped credentials.
	Profiles *k8sprofile.Provider
	// RequestTimeout bounds each request but watches to a target's API server, its answer
	// included (members.DefaultRequestTimeout when zero).
	RequestTimeout time.Duration
	// Now is the clock (tests).
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]cachedTarget
}

type cachedTarget struct {
	target helmrelease.Target
	until  time.Time
	// of is the DeploymentManager the credentials were issued for.
	of dmIdentity
}

// dmIdentity is what of a DeploymentManager decides its cluster and who may act there: the
// object itself (a deleted and re-synced one is another) and its cluster and tenant labels.
type dmIdentity struct {
	uid, cluster, tenant string
}

func identityOf(dm *o2imsv1.DeploymentManager) dmIdentity {
	return dmIdentity{uid: string(dm.UID), cluster: dm.Labels[o2imsv1.LabelCluster], tenant: dm.Labels[o2imsv1.LabelTenant]}
}

// Target implements Targets. Credentials are reused until half their lifetime has passed, and
// only while the DeploymentManager they were issued for is still the inventory's, for the same
// cluster and tenant: a cluster removed from the inventory gets no more deployments.
func (p *ProfileTargets) Target(ctx context.Context, dmID, namespace string) (helmrelease.Target, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	dm, err := p.deploymentManager(dmID)
	if err != nil {
		return helmrelease.Target{}, err
	}
	key := dmID + "/" + namespace
	p.mu.Lock()
	c, ok := p.cache[key]
	p.mu.Unlock()
	if ok && c.of == identityOf(dm) && now().Before(c.until) {
		return c.target, nil
	}
	a, err := p.Profiles.Access(ctx, dm, namespace)
	switch {
	case errors.Is(err, k8sprofile.ErrUnknownCluster):
		return helmrelease.Target{}, fmt.Errorf("deployment manager %s: %w", dmID, ErrUnknownDeploymentManager)
	case errors.Is(err, k8sprofile.ErrLocalNamespaceNotEnabled):
		return helmrelease.Target{}, fmt.Errorf("%w: %s in the cluster netweave runs in (--o2dms-local-namespaces)", ErrNamespaceNotEnabled, namespace)
	case errors.Is(err, k8sprofile.ErrNoNamespace):
		return helmrelease.Target{}, fmt.Errorf("%w: namespace %s, deployment manager %s", ErrNoTargetNamespace, namespace, dm.Name)
	case err != nil:
		return helmrelease.Target{}, fmt.Errorf("credentials for namespace %s of deployment manager %s: %w", namespace, dm.Name, err)
	}
	if a.Token == "" {
		return helmrelease.Target{}, fmt.Errorf("%w: %s (no credentials for the cluster of deployment manager %s)", ErrNamespaceNotEnabled, namespace, dm.Name)
	}
	creds := &rest.Config{
		Host:            a.Endpoint,
		BearerToken:     a.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: a.CA},
		// A member's addresses are checked at every connection, as the profile's own were
		// (a name that rebinds to an address the member's origin may not reach is refused).
		Dial: a.Dial,
	}
	if a.Dial != nil {
		// Nor through netweave's environment's proxy, which would connect past that check.
		creds.Proxy = members.NoProxy
	}
	// The target may be a tenant's cluster: its API server must not send netweave elsewhere,
	// nor answer with more than netweave's memory.
	creds.Wrap(members.RefuseRedirects)
	creds.Wrap(members.BoundAnswers)
	// Nor hold a worker, which every tenant's deployments share, by never answering: Helm's
	// release storage and discovery calls take no context, and its installs would wait for good.
	timeout := p.RequestTimeout
	if timeout <= 0 {
		timeout = members.DefaultRequestTimeout
	}
	creds.Wrap(members.BoundRequests(timeout))
	// One transport for every client Helm builds of the target: client-go caches none for a
	// configuration with a Dial function, and would otherwise open new connections per client.
	rt, err := rest.TransportFor(creds)
	if err != nil {
		return helmrelease.Target{}, fmt.Errorf("transport for deployment manager %s: %w", dm.Name, err)
	}
	cfg := &rest.Config{Host: a.Endpoint, Transport: rt, UserAgent: "netweave-o2dms-controller", QPS: 50, Burst: 100}
	if a.Dial != nil {
		// A member, which may be a tenant's server: asked for JSON only, whose decoding
		// BoundAnswers bounds; a protobuf answer, which decodes into a thousand times its
		// bytes, is then refused.
		members.JSONOnly(cfg)
	}
	t := helmrelease.Target{Config: cfg, Namespace: namespace}
	until := now().Add(a.Expiration.Sub(now()) / 2)
	p.mu.Lock()
	if p.cache == nil {
		p.cache = map[string]cachedTarget{}
	}
	p.cache[key] = cachedTarget{target: t, until: until, of: identityOf(dm)}
	p.mu.Unlock()
	return t, nil
}

// Forget drops the cached credentials of a target (after a failure that may be theirs).
func (p *ProfileTargets) Forget(dmID, namespace string) {
	p.mu.Lock()
	delete(p.cache, dmID+"/"+namespace)
	p.mu.Unlock()
}

func (p *ProfileTargets) deploymentManager(id string) (*o2imsv1.DeploymentManager, error) {
	return deploymentManagerOf(p.DeploymentManagers, p.InventoryNamespace, id)
}

// deploymentManagerOf finds the DeploymentManager of the inventory namespace holding the O2 id
// (ErrUnknownDeploymentManager when none does).
func deploymentManagerOf(l o2imslisters.DeploymentManagerLister, inventoryNamespace, id string) (*o2imsv1.DeploymentManager, error) {
	dms, err := l.DeploymentManagers(inventoryNamespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	// Folded, as admission resolved it (the id index, unique.Key): an NfDeployment may name
	// its DeploymentManager's id in either case, and the field is immutable.
	for _, dm := range dms {
		if unique.Key(dm.Spec.DeploymentManagerID) == unique.Key(id) {
			return dm, nil
		}
	}
	return nil, fmt.Errorf("deployment manager %s: %w", id, ErrUnknownDeploymentManager)
}
