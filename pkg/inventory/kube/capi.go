package kube

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/servedapi"
)

// capiGroup is the Cluster API group; newer versions are preferred.
const capiGroup = "cluster.x-k8s.io"

func capiVersions() []string { return []string{"v1beta2", "v1beta1"} }

// capiWatcher discovers Cluster API at run time and then watches MachineDeployments and
// MachineSets through the dynamic client, so netweave has no compile-time dependency on it.
type capiWatcher struct {
	disc discovery.DiscoveryInterface
	dyn  dynamic.Interface

	// syncTimeout bounds the wait for the first list of MachineDeployments and MachineSets.
	syncTimeout time.Duration

	// stored builds the Cluster API view the sync stored (nil: none), served while it is not
	// known whether the cluster serves Cluster API.
	stored func() CAPI

	mu          sync.Mutex
	state       capiState
	deployments cache.SharedIndexInformer
	sets        cache.SharedIndexInformer
	// storedView is stored's answer, built once per stretch of capiUnknown.
	storedView  CAPI
	storedBuilt bool
}

// capiState is what is known of a cluster's Cluster API.
type capiState int

const (
	// capiUnknown: no conclusive answer yet (discovery or the first list failed with a timeout,
	// a 5xx, a refused connection, a proxy's page). What the sync stored stays as it is: a
	// brief error at sync start must not delete the MachineDeployment pools and move their
	// Nodes, only to bring them back with the same ids a minute later.
	capiUnknown capiState = iota
	// capiAbsent: the API server says it does not serve Cluster API's kinds (404), or refuses
	// to list them (403): the cluster is synced without them.
	capiAbsent
	// capiFound: the kinds are listed and watched.
	capiFound
)

// capiSyncTimeout is how long the first list of Cluster API's kinds may take before the
// inventory goes on without them (a 403) or with what it stored of them (anything else): a cluster may serve the kinds and refuse to list them (an
// identity that may read Nodes only, a conversion webhook that is down), and the Nodes it can
// read must not wait on that.
const capiSyncTimeout = 15 * time.Second

func newCAPIWatcher(disc discovery.DiscoveryInterface, dyn dynamic.Interface) *capiWatcher {
	return &capiWatcher{disc: disc, dyn: dyn, syncTimeout: capiSyncTimeout}
}

// start looks for Cluster API now and then every capiRecheck until found and listed; once
// found, changes of MachineDeployments and MachineSets call changed, and so does any change of
// what is known (capiState). It waits for the first attempt at most syncTimeout.
func (w *capiWatcher) start(ctx context.Context, changed func()) {
	if w.attempt(ctx, changed) {
		return
	}
	go func() {
		t := time.NewTicker(capiRecheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if w.attempt(ctx, changed) {
					return
				}
			}
		}
	}()
}

// attempt runs tryStart and records a conclusive answer; an inconclusive one leaves what is
// known (initially capiUnknown) as it is. It reports whether Cluster API was found.
func (w *capiWatcher) attempt(ctx context.Context, changed func()) bool {
	st := w.tryStart(ctx, changed)
	if st == capiUnknown {
		return false
	}
	w.mu.Lock()
	was := w.state
	w.state = st
	w.storedView, w.storedBuilt = nil, false
	w.mu.Unlock()
	if st != was {
		changed()
	}
	return st == capiFound
}

func (w *capiWatcher) tryStart(ctx context.Context, changed func()) capiState {
	version, conclusive := w.discover()
	if version == "" {
		if conclusive {
			return capiAbsent
		}
		return capiUnknown
	}
	// The informers of an attempt that does not sync are stopped; those of the one that does
	// run until ctx ends.
	attempt, stop := context.WithCancel(ctx)
	synced := false
	defer func() {
		if !synced {
			stop()
		}
	}()
	factory := dynamicinformer.NewDynamicSharedInformerFactory(w.dyn, 10*time.Minute)
	md := factory.ForResource(schema.GroupVersionResource{Group: capiGroup, Version: version, Resource: "machinedeployments"}).Informer()
	ms := factory.ForResource(schema.GroupVersionResource{Group: capiGroup, Version: version, Resource: "machinesets"}).Informer()
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { changed() },
		UpdateFunc: func(any, any) { changed() },
		DeleteFunc: func(any) { changed() },
	}
	// refused records a list error that answers conclusively: the kinds are not served after
	// all, or this identity may not list them.
	var refused atomic.Bool
	for _, inf := range []cache.SharedIndexInformer{md, ms} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			klog.ErrorS(err, "Watching Cluster API")
			return capiUnknown
		}
		if err := inf.SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
			if apierrors.IsForbidden(err) || notServed(err) {
				refused.Store(true)
			}
			klog.V(2).InfoS("Listing Cluster API", "version", capiGroup+"/"+version, "err", err)
		}); err != nil {
			klog.ErrorS(err, "Watching Cluster API")
			return capiUnknown
		}
	}
	factory.Start(attempt.Done())
	bounded, cancel := context.WithTimeout(attempt, w.syncTimeout)
	defer cancel()
	if !cache.WaitForNamedCacheSync("inventory-capi", bounded.Done(), md.HasSynced, ms.HasSynced) {
		if ctx.Err() != nil {
			return capiUnknown
		}
		if refused.Load() {
			klog.InfoS("Cluster API is served but its MachineDeployments and MachineSets cannot be listed; nodes are pooled without them until they can",
				"version", capiGroup+"/"+version, "retryIn", capiRecheck)
			return capiAbsent
		}
		klog.InfoS("Cluster API is served but its MachineDeployments and MachineSets could not be listed yet; its pools are kept as stored until they can",
			"version", capiGroup+"/"+version, "retryIn", capiRecheck)
		return capiUnknown
	}
	w.mu.Lock()
	w.deployments, w.sets = md, ms
	w.mu.Unlock()
	synced = true
	klog.InfoS("Cluster API found; MachineDeployments and MachineSets become resource pools", "version", capiGroup+"/"+version)
	return capiFound
}

// notServed reports whether err is the API server's own answer that it does not serve what was
// asked: a 404 Status. A 404 that is not a Status (a proxy's or load balancer's page in front
// of a restarting API server; client-go marks those UnexpectedServerResponse) says nothing.
func notServed(err error) bool {
	return apierrors.IsNotFound(err) && !apierrors.IsUnexpectedServerError(err)
}

// discover returns the served Cluster API version that has both kinds, "" when none does;
// conclusive is false when that cannot be told (servedapi.FirstVersion).
func (w *capiWatcher) discover() (version string, conclusive bool) {
	version, err := servedapi.FirstVersion(w.disc, capiGroup, capiVersions(), "machinedeployments", "machinesets")
	if err != nil {
		klog.V(2).InfoS("Cluster API discovery failed; what is stored is kept", "err", err)
		return "", false
	}
	return version, true
}

// lookup is the Cluster API view: the informers' once found, none once absent, and until
// either is known the one the sync stored.
func (w *capiWatcher) lookup() CAPI {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch w.state {
	case capiFound:
		return &capiLookup{deployments: w.deployments.GetStore(), sets: w.sets.GetStore()}
	case capiAbsent:
		return nil
	}
	if !w.storedBuilt && w.stored != nil {
		w.storedView, w.storedBuilt = w.stored(), true
	}
	return w.storedView
}

// capiLookup implements CAPI on the informer caches.
type capiLookup struct {
	deployments, sets cache.Store
}

var _ CAPI = (*capiLookup)(nil)

func (l *capiLookup) MachineSet(namespace, name string) *MachineSetInfo {
	return getInfo(l.sets, sourceMachineSet, namespace, name)
}

func (l *capiLookup) MachineDeployment(namespace, name string) *MachineSetInfo {
	return getInfo(l.deployments, sourceMachineDeployment, namespace, name)
}

func (l *capiLookup) Pools() []*MachineSetInfo {
	var out []*MachineSetInfo
	for _, obj := range l.deployments.List() {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			out = append(out, MachineInfo(sourceMachineDeployment, u))
		}
	}
	for _, obj := range l.sets.List() {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			continue
		}
		ms := MachineInfo(sourceMachineSet, u)
		if ms.Deployment != "" && l.MachineDeployment(ms.Namespace, ms.Deployment) != nil {
			continue
		}
		out = append(out, ms)
	}
	return out
}

func getInfo(store cache.Store, kind, namespace, name string) *MachineSetInfo {
	if name == "" {
		return nil
	}
	key := name
	if namespace != "" {
		key = namespace + "/" + name
	}
	obj, ok, err := store.GetByKey(key)
	if err != nil || !ok {
		return nil
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil
	}
	return MachineInfo(kind, u)
}

// MachineInfo reads what pools need from a MachineDeployment or MachineSet.
func MachineInfo(kind string, u *unstructured.Unstructured) *MachineSetInfo {
	m := &MachineSetInfo{Kind: kind, Namespace: u.GetNamespace(), Name: u.GetName(), UID: string(u.GetUID())}
	if kind == sourceMachineSet {
		m.Deployment = u.GetLabels()[capiDeploymentLabel]
	}
	if r, ok, _ := unstructured.NestedInt64(u.Object, "spec", "replicas"); ok {
		m.Replicas = &r
	}
	m.Cluster, _, _ = unstructured.NestedString(u.Object, "spec", "clusterName")
	if m.Cluster == "" {
		m.Cluster = u.GetLabels()[capiClusterNameAnnot]
	}
	return m
}
