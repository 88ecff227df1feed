package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// Adapter is the inventory adapter of the Kubernetes cluster netweave runs against.
type Adapter struct {
	cfg       Config
	factory   informers.SharedInformerFactory
	nodes     cache.SharedIndexInformer
	classes   cache.SharedIndexInformer
	nodeList  corelisters.NodeLister
	classList storagelisters.StorageClassLister
	pools     o2listers.ResourcePoolLister
	capi      *capiWatcher
	disc      discovery.DiscoveryInterface
	// versionRetry is how the cluster's /version is read again after it failed.
	versionRetry wait.Backoff

	mu sync.Mutex
	// version is the cluster's Kubernetes version: cfg.Cluster.Version, else the one stored
	// in its DeploymentManager until /version answers.
	version string
}

var _ inventory.Adapter = (*Adapter)(nil)

// NewAdapter reads Nodes and StorageClasses through factory, admin pools through pools, and
// Cluster API objects through dyn once discovery shows them (dyn and disc may be nil).
func NewAdapter(cfg Config, factory informers.SharedInformerFactory, pools o2listers.ResourcePoolLister, disc discovery.DiscoveryInterface, dyn dynamic.Interface) *Adapter {
	a := &Adapter{
		cfg:          cfg,
		factory:      factory,
		nodes:        factory.Core().V1().Nodes().Informer(),
		classes:      factory.Storage().V1().StorageClasses().Informer(),
		nodeList:     factory.Core().V1().Nodes().Lister(),
		classList:    factory.Storage().V1().StorageClasses().Lister(),
		pools:        pools,
		disc:         disc,
		versionRetry: wait.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.1, Steps: math.MaxInt32, Cap: capiRecheck},
		version:      cfg.Cluster.Version,
	}
	if disc != nil && dyn != nil {
		a.capi = newCAPIWatcher(disc, dyn)
		a.capi.stored = a.storedCAPI
	}
	return a
}

// Start registers the event handlers, starts the informers and waits for them.
func (a *Adapter) Start(ctx context.Context, n inventory.Notifier) error {
	nodeReg, err := a.nodes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { a.nodeChanged(n, obj) },
		UpdateFunc: func(old, obj any) {
			if nodeMatters(old, obj) {
				a.nodeChanged(n, obj)
			}
		},
		DeleteFunc: func(obj any) { a.nodeChanged(n, obj) },
	})
	if err != nil {
		return fmt.Errorf("watch nodes: %w", err)
	}
	classReg, err := a.classes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { n.SharedChanged() },
		UpdateFunc: func(any, any) { n.SharedChanged() },
		DeleteFunc: func(any) { n.SharedChanged() },
	})
	if err != nil {
		return fmt.Errorf("watch storage classes: %w", err)
	}
	go func() {
		<-ctx.Done()
		_ = a.nodes.RemoveEventHandler(nodeReg)
		_ = a.classes.RemoveEventHandler(classReg)
	}()
	a.factory.Start(ctx.Done())
	if !cache.WaitForNamedCacheSync("inventory-kube", ctx.Done(), a.nodes.HasSynced, a.classes.HasSynced, nodeReg.HasSynced, classReg.HasSynced) {
		return fmt.Errorf("wait for node and storage class caches: %w", ctx.Err())
	}
	a.mu.Lock()
	unknown := a.version == ""
	if unknown {
		a.version = a.storedVersion()
	}
	a.mu.Unlock()
	if unknown && a.disc != nil {
		go a.readVersion(ctx, n)
	}
	if a.capi != nil {
		a.capi.start(ctx, n.AllChanged)
	}
	return nil
}

// storedVersion is the kubernetesVersion of the cluster's stored DeploymentManager, "" when
// there is none. A /version read that failed at sync start (a timeout, a restarting API
// server) says nothing about the version: erasing it would change the DeploymentManager, and
// notify every SMO, for a cluster that did not change.
func (a *Adapter) storedVersion() string {
	if a.cfg.Managers == nil {
		return ""
	}
	dms, err := a.cfg.Managers.DeploymentManagers(a.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return ""
	}
	id := DeploymentManagerID(a.cfg.IDs, a.cfg.Cluster)
	for _, dm := range dms {
		if dm.Spec.DeploymentManagerID != id || !inventory.IsManaged(dm) {
			continue
		}
		var v string
		if raw, ok := dm.Spec.Capabilities["kubernetesVersion"]; ok && json.Unmarshal(raw.Raw, &v) == nil {
			return v
		}
	}
	return ""
}

// readVersion reads the cluster's /version, with backoff, until it answers or ctx ends; then
// the DeploymentManager is recomputed with it.
func (a *Adapter) readVersion(ctx context.Context, n inventory.Notifier) {
	b := a.versionRetry
	for {
		t := time.NewTimer(b.Step())
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		readCtx, cancel := context.WithTimeout(ctx, versionReadTimeout)
		v, err := discovery.ToServerVersionInterfaceWithContext(a.disc).ServerVersionWithContext(readCtx)
		cancel()
		if err != nil {
			klog.V(2).InfoS("Reading the cluster's version again failed; its deployment manager keeps the last known one", "cluster", a.cfg.Cluster.Name, "err", err)
			continue
		}
		a.mu.Lock()
		a.version = v.GitVersion
		a.mu.Unlock()
		klog.InfoS("Cluster's version read", "cluster", a.cfg.Cluster.Name, "version", v.GitVersion)
		n.SharedChanged()
		return
	}
}

// versionReadTimeout bounds one retry of /version.
const versionReadTimeout = 15 * time.Second

// nodeMatters filters out updates that change nothing the inventory shows (heartbeats, resyncs).
func nodeMatters(old, obj any) bool {
	o, ok1 := old.(*corev1.Node)
	n, ok2 := obj.(*corev1.Node)
	if !ok1 || !ok2 {
		return true
	}
	return o.ResourceVersion != n.ResourceVersion
}

func (a *Adapter) nodeChanged(n inventory.Notifier, obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	node, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	n.SourceChanged(NodeSource(node.Name))
}

// Sources lists a key per Node.
func (a *Adapter) Sources() ([]string, error) {
	nodes, err := a.nodeList.List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	keys := make([]string, 0, len(nodes))
	for _, n := range nodes {
		keys = append(keys, NodeSource(n.Name))
	}
	return keys, nil
}

// Resources returns the Resource of the node key names; none for a key that names no Node,
// whatever its kind.
func (a *Adapter) Resources(key string) ([]*v1alpha1.O2Resource, error) {
	name, ok := strings.CutPrefix(key, sourceNode+"/")
	if !ok {
		// The key is read from a synced Resource's source annotation, which another version,
		// or anyone who may write Resources, can set: a source no Node has is gone, so its
		// Resources are deleted rather than the key failing for ever.
		klog.V(2).InfoS("Synced resource names a source that is not a Node; it has no resources", "source", key)
		return nil, nil
	}
	node, err := a.nodeList.Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get node %s: %w", name, err)
	}
	resolver, err := a.resolver()
	if err != nil {
		return nil, err
	}
	r := NodeResource(a.cfg.IDs, node, resolver.Resolve(node), NodeKindOf(node).ID(a.cfg.IDs))
	return []*v1alpha1.O2Resource{r}, nil
}

// Shared computes the shared objects from the caches.
func (a *Adapter) Shared() (*inventory.Shared, error) {
	nodes, err := a.nodeList.List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	classes, err := a.classList.List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list storage classes: %w", err)
	}
	resolver, err := a.resolver()
	if err != nil {
		return nil, err
	}
	cfg := a.cfg
	a.mu.Lock()
	cfg.Cluster.Version = a.version
	a.mu.Unlock()
	snap := Snapshot{Nodes: nodes, StorageClasses: classes, Pools: resolver}
	snap.CAPI = a.capiLookup()
	return ComputeShared(cfg, snap), nil
}

func (a *Adapter) resolver() (*PoolResolver, error) {
	pools, err := a.pools.List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list resource pools: %w", err)
	}
	return NewPoolResolver(a.cfg.IDs, a.cfg.Namespace, a.cfg.PoolLabel, a.cfg.NodePools, pools, a.capiLookup()), nil
}

// capiLookup is the Cluster API view (capiWatcher.lookup); nil without Cluster API.
func (a *Adapter) capiLookup() CAPI {
	if a.capi == nil {
		return nil
	}
	return a.capi.lookup()
}

// storedCAPI is the Cluster API view the sync stored of this cluster, nil when it stored no
// MachineDeployment or MachineSet pool: the pools themselves (their id, name and replicas as
// written), and, from where the Nodes' Resources are, which MachineDeployment each Node's
// MachineSet belongs to (the pool of a MachineDeployment does not name its MachineSets).
// A Node or MachineSet the store does not know of is pooled by label until Cluster API can be
// read.
func (a *Adapter) storedCAPI() CAPI {
	st := a.cfg.Stored
	if st == nil {
		return nil
	}
	pools, err := st.Pools.ResourcePools(a.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	v := &storedLookup{deployments: map[string]*MachineSetInfo{}, sets: map[string]*MachineSetInfo{}, setDeployment: map[string]string{}}
	byID := map[string]*MachineSetInfo{}
	for _, p := range pools {
		if !inventory.IsManaged(p) || inventory.ClusterOf(p) != st.Cluster {
			continue
		}
		kind, _, _ := strings.Cut(p.Annotations[v1alpha1.AnnotationSource], "/")
		if kind != sourceMachineDeployment && kind != sourceMachineSet {
			continue
		}
		m := &MachineSetInfo{Kind: kind, id: p.Spec.ResourcePoolID}
		if json.Unmarshal(p.Spec.Extensions["namespace"].Raw, &m.Namespace) != nil || json.Unmarshal(p.Spec.Extensions["name"].Raw, &m.Name) != nil {
			continue
		}
		if raw, ok := p.Spec.Extensions["replicas"]; ok {
			var r int64
			if json.Unmarshal(raw.Raw, &r) == nil {
				m.Replicas = &r
			}
		}
		byID[m.id] = m
		if kind == sourceMachineDeployment {
			v.deployments[m.Namespace+"/"+m.Name] = m
		} else {
			v.sets[m.Namespace+"/"+m.Name] = m
		}
	}
	if len(byID) == 0 {
		return nil
	}
	resources, err := st.Resources.O2Resources(a.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	poolOf := make(map[string]string, len(resources))
	for _, r := range resources {
		if inventory.IsManaged(r) && inventory.ClusterOf(r) == st.Cluster {
			poolOf[r.Annotations[v1alpha1.AnnotationSource]] = r.Spec.ResourcePoolID
		}
	}
	nodes, err := a.nodeList.List(labels.Everything())
	if err != nil {
		return nil
	}
	for _, n := range nodes {
		if n.Annotations[capiOwnerKindAnnot] != sourceMachineSet {
			continue
		}
		ns := n.Annotations[capiClusterNSAnnot]
		if md := byID[poolOf[NodeSource(n.Name)]]; md != nil && md.Kind == sourceMachineDeployment && md.Namespace == ns {
			v.setDeployment[ns+"/"+n.Annotations[capiOwnerNameAnnot]] = md.Name
		}
	}
	return v
}

// storedLookup implements CAPI on what the sync stored (Adapter.storedCAPI).
type storedLookup struct {
	deployments, sets map[string]*MachineSetInfo
	// setDeployment is the MachineDeployment of a MachineSet (namespace/name) whose Nodes are
	// stored in that MachineDeployment's pool.
	setDeployment map[string]string
}

func (l *storedLookup) MachineSet(namespace, name string) *MachineSetInfo {
	key := namespace + "/" + name
	if m := l.sets[key]; m != nil {
		return m
	}
	if md, ok := l.setDeployment[key]; ok {
		return &MachineSetInfo{Kind: sourceMachineSet, Namespace: namespace, Name: name, Deployment: md}
	}
	return nil
}

func (l *storedLookup) MachineDeployment(namespace, name string) *MachineSetInfo {
	return l.deployments[namespace+"/"+name]
}

func (l *storedLookup) Pools() []*MachineSetInfo {
	out := make([]*MachineSetInfo, 0, len(l.deployments)+len(l.sets))
	for _, m := range l.deployments {
		out = append(out, m)
	}
	for _, m := range l.sets {
		out = append(out, m)
	}
	return out
}

// ClusterInfoFrom fills in the cluster's identity: the uid of kube-system and the version.
func ClusterInfoFrom(ctx context.Context, client kubernetes.Interface, info ClusterInfo) (ClusterInfo, error) {
	kubeSystem, err := client.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		return info, fmt.Errorf("get namespace kube-system (the cluster's identity): %w", err)
	}
	info.UID = string(kubeSystem.UID)
	if v, err := discovery.ToServerVersionInterfaceWithContext(client.Discovery()).ServerVersionWithContext(ctx); err == nil {
		info.Version = v.GitVersion
	} else {
		// Not fatal: the adapter keeps the version stored in the DeploymentManager and reads
		// /version again (Adapter.readVersion).
		klog.ErrorS(err, "Reading the cluster's version; the deployment manager keeps the last known one until it can be read")
	}
	return info, nil
}

// capiRecheck is how often discovery is asked again whether Cluster API appeared.
const capiRecheck = time.Minute
