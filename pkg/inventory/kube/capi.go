package kube

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
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

	mu          sync.Mutex
	deployments cache.SharedIndexInformer
	sets        cache.SharedIndexInformer
}

// capiSyncTimeout is how long the first list of Cluster API's kinds may take before the
// inventory goes on without them: a cluster may serve the kinds and refuse to list them (an
// identity that may read Nodes only, a conversion webhook that is down), and the Nodes it can
// read must not wait on that.
const capiSyncTimeout = 15 * time.Second

func newCAPIWatcher(disc discovery.DiscoveryInterface, dyn dynamic.Interface) *capiWatcher {
	return &capiWatcher{disc: disc, dyn: dyn, syncTimeout: capiSyncTimeout}
}

// start looks for Cluster API now and then every capiRecheck until found and listed; once
// found, changes of MachineDeployments and MachineSets call changed. It waits for the first
// attempt at most syncTimeout.
func (w *capiWatcher) start(ctx context.Context, changed func()) {
	if w.tryStart(ctx, changed) {
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
				if w.tryStart(ctx, changed) {
					return
				}
			}
		}
	}()
}

func (w *capiWatcher) tryStart(ctx context.Context, changed func()) bool {
	version := w.discover()
	if version == "" {
		return false
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
	for _, inf := range []cache.SharedIndexInformer{md, ms} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			klog.ErrorS(err, "Watching Cluster API")
			return false
		}
	}
	factory.Start(attempt.Done())
	bounded, cancel := context.WithTimeout(attempt, w.syncTimeout)
	defer cancel()
	if !cache.WaitForNamedCacheSync("inventory-capi", bounded.Done(), md.HasSynced, ms.HasSynced) {
		if ctx.Err() == nil {
			klog.InfoS("Cluster API is served but its MachineDeployments and MachineSets cannot be listed; nodes are pooled without them until they can",
				"version", capiGroup+"/"+version, "retryIn", capiRecheck)
		}
		return false
	}
	w.mu.Lock()
	w.deployments, w.sets = md, ms
	w.mu.Unlock()
	synced = true
	klog.InfoS("Cluster API found; MachineDeployments and MachineSets become resource pools", "version", capiGroup+"/"+version)
	changed()
	return true
}

// discover returns the served Cluster API version that has both kinds, "" when none does.
func (w *capiWatcher) discover() string {
	for _, v := range capiVersions() {
		list, err := w.disc.ServerResourcesForGroupVersion(capiGroup + "/" + v)
		if err != nil {
			if !apierrors.IsNotFound(err) {
				klog.V(4).InfoS("Cluster API discovery", "version", v, "err", err)
			}
			continue
		}
		found := 0
		for _, r := range list.APIResources {
			if r.Name == "machinedeployments" || r.Name == "machinesets" {
				found++
			}
		}
		if found == 2 {
			return v
		}
	}
	return ""
}

func (w *capiWatcher) lookup() *capiLookup {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.deployments == nil {
		return nil
	}
	return &capiLookup{deployments: w.deployments.GetStore(), sets: w.sets.GetStore()}
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
	return m
}
