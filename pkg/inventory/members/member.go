package members

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
	"github.com/netweave-io/netweave/pkg/netclass"
	"github.com/netweave-io/netweave/pkg/o2informers"
)

// runMember syncs one member until ctx is done. A member it cannot reach at start keeps its
// inventory, and its DeploymentManager says so; the error makes the caller try again.
func (m *Manager) runMember(ctx context.Context, reg Registration) error {
	term := m.cfg.NewTerm()
	defer term.Shutdown()
	reach := &reachability{}
	clients, err := m.cfg.Connect(reg)
	if err != nil {
		// Nothing syncs the member while its kubeconfig cannot be used (an edit into one with
		// an exec plugin, a file, garbage): its DeploymentManager must not go on saying
		// ENABLED, nor keep its reachability alarm from being raised.
		reach.unusable(kubeconfigUnusable)
		return errors.Join(err, m.markManagers(ctx, term, reg.Name, reach.status()))
	}
	infoCtx, cancelInfo := context.WithTimeout(ctx, 15*time.Second)
	info, err := kube.ClusterInfoFrom(infoCtx, clients.Kube, kube.ClusterInfo{Name: reg.DisplayName, URL: clients.Host})
	cancelInfo()
	if err != nil {
		reach.set(err)
		return errors.Join(err, m.markManagers(ctx, term, reg.Name, reach.status()))
	}
	reach.set(nil)
	lw := clients.Informers
	if lw == nil {
		lw = clients.Kube
	}
	factory := informers.NewSharedInformerFactory(lw, 0)
	defer factory.Shutdown()
	// The member's Nodes and StorageClasses reach its inventory through their limits: the
	// factory's informers of them are these; its Cluster API objects are read through the
	// dynamic client's.
	limits := newMemberLimits(m.cfg.MaxNodes)
	factory.InformerFor(&corev1.Node{}, limits.nodeInformer)
	factory.InformerFor(&storagev1.StorageClass{}, limits.classInformer)
	if err := factory.Core().V1().Nodes().Informer().SetTransform(o2informers.StripManagedFields); err != nil {
		return fmt.Errorf("node informer: %w", err)
	}
	cfg := kube.Config{IDs: m.cfg.IDs.Member(reg.Name), Namespace: m.cfg.Namespace, PoolLabel: m.cfg.PoolLabel, Cluster: info,
		Managers: term.O2ims().V1alpha1().DeploymentManagers().Lister(),
		Stored: &kube.Stored{Cluster: reg.Name, Pools: term.O2ims().V1alpha1().ResourcePools().Lister(),
			Resources: term.O2ims().V1alpha1().O2Resources().Lister()}}
	// A member's pools come from its node labels (and Cluster API): admins' pools with a
	// nodeSelector claim Nodes of the local cluster only.
	var noPools o2listers.ResourcePoolLister = o2listers.NewResourcePoolLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}))
	var adapter inventory.Adapter = kube.NewAdapter(cfg, factory, noPools, clients.Kube.Discovery(), limits.dynamic(clients.Dynamic))
	adapter = &memberAdapter{Adapter: adapter, reach: reach, limits: limits}
	ctrl, err := inventory.NewController(inventory.Config{
		Client: m.cfg.O2, Informers: term, Adapter: adapter, Metrics: m.cfg.Metrics, Workers: m.cfg.Workers,
		SharedDelay: m.cfg.SharedDelay, FieldManager: m.cfg.FieldManager, Cluster: reg.Name, Tenant: reg.Tenant(),
	})
	if err != nil {
		return err
	}
	for _, l := range limits.all() {
		l.onChange = func() {
			if l.isLimited() {
				klog.ErrorS(nil, "Member cluster reports more objects of a kind than are synced; its inventory holds those listed first",
					"member", reg.Name, "kind", l.kind, "max", l.max)
			}
			ctrl.SharedChanged()
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Cancel, then wait: the probe runs until ctx ends, so a controller that returns on its
	// own (an informer that does not sync, an adapter that cannot start) must end it first,
	// or the member hangs here and is never retried.
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Go(func() {
		wait.UntilWithContext(ctx, func(ctx context.Context) {
			err := clients.Probe(ctx)
			if reach.set(err) {
				st := reach.status()
				msg := meta.FindStatusCondition(st.Conditions, v1alpha1.DeploymentManagerClusterReachable).Message
				if err != nil {
					// The condition says only the class of the failure; the operator reads why here.
					klog.ErrorS(err, "Member cluster unreachable", "member", reg.Name, "state", st.OperationalState, "message", msg)
				} else {
					klog.InfoS("Member cluster reachable", "member", reg.Name, "state", st.OperationalState, "message", msg)
				}
				ctrl.SharedChanged()
			}
		}, m.cfg.ProbeInterval)
	})
	klog.InfoS("Member cluster sync running", "member", reg.Name, "server", clients.Host, "clusterUID", info.UID)
	return ctrl.Run(ctx)
}

// markManagers sets the status of the member's synced DeploymentManagers, for a member whose
// sync cannot start: they are kept, and say why.
func (m *Manager) markManagers(ctx context.Context, term externalversions.SharedInformerFactory, member string,
	st v1alpha1.DeploymentManagerStatus) error {
	dms := term.O2ims().V1alpha1().DeploymentManagers()
	inf := dms.Informer()
	term.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return ctx.Err()
	}
	list, err := dms.Lister().DeploymentManagers(m.cfg.Namespace).List(labels.SelectorFromSet(labels.Set{v1alpha1.LabelCluster: member}))
	if err != nil {
		return fmt.Errorf("list deployment managers of member %s: %w", member, err)
	}
	var errs []error
	for _, dm := range list {
		if !(inventory.Owner{Cluster: member}).Owns(dm) {
			continue
		}
		u := dm.DeepCopy()
		u.Status.OperationalState = st.OperationalState
		for _, c := range st.Conditions {
			meta.SetStatusCondition(&u.Status.Conditions, c)
		}
		if equality.Semantic.DeepEqual(u.Status, dm.Status) {
			continue
		}
		if _, err := m.cfg.O2.O2imsV1alpha1().DeploymentManagers(dm.Namespace).UpdateStatus(ctx, u, metav1.UpdateOptions{FieldManager: m.cfg.FieldManager}); err != nil {
			errs = append(errs, fmt.Errorf("update status of deployment manager %s: %w", klog.KObj(dm), err))
		}
	}
	return errors.Join(errs...)
}

// memberAdapter is a member's Kubernetes adapter whose DeploymentManager reports whether the
// member is reachable. While it is not, the adapter's caches keep the member as last seen, so
// its inventory stays: nothing looks deleted.
type memberAdapter struct {
	inventory.Adapter
	reach  *reachability
	limits *memberLimits
}

func (a *memberAdapter) Shared() (*inventory.Shared, error) {
	s, err := a.Adapter.Shared()
	if err != nil {
		return nil, err
	}
	st := a.reach.status()
	if c := a.limits.condition(); c != nil {
		st.Conditions = append(st.Conditions, *c)
	}
	for _, dm := range s.DeploymentManagers {
		dm.Status = *st.DeepCopy()
	}
	return s, nil
}

// reachability is what the last check of a member's API server found. The condition's time
// and message change only when the state does, so an unchanged state costs no write.
type reachability struct {
	mu        sync.Mutex
	known     bool
	reachable bool
	since     metav1.Time
	message   string
}

// set records the result of a check; it reports whether the state changed.
func (r *reachability) set(err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	ok := err == nil
	if r.known && r.reachable == ok {
		return false
	}
	r.known, r.reachable, r.since = true, ok, metav1.NewTime(time.Now().Truncate(time.Second))
	r.message = "the cluster's API server answers"
	if err != nil {
		// The condition is read beyond the operator: the provisioning controller copies it into
		// the tenant's ProvisioningRequest (and its notifications), the cluster's alarm carries
		// it, and the kubeconfig's server may be a tenant's choice (its Cluster API Secret). So
		// it says how far the probe got, never the error (which goes to netweave's log with the
		// member's name, runMember).
		r.message = netclass.APIServer(err)
	}
	return true
}

// kubeconfigUnusable is the ClusterReachable message of a member whose kubeconfig netweave
// refuses or cannot parse; why goes to netweave's log only, as for set.
const kubeconfigUnusable = "the kubeconfig cannot be used"

// unusable records that the cluster is not checked at all, and why (kubeconfigUnusable,
// kubeconfigMissing).
func (r *reachability) unusable(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.known, r.reachable, r.since = true, false, metav1.NewTime(time.Now().Truncate(time.Second))
	r.message = why
}

// status is the DeploymentManager status of the last check.
func (r *reachability) status() v1alpha1.DeploymentManagerStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.known {
		return v1alpha1.DeploymentManagerStatus{OperationalState: v1alpha1.OperationalStateUnknown}
	}
	c := metav1.Condition{Type: v1alpha1.DeploymentManagerClusterReachable, Status: metav1.ConditionTrue,
		Reason: v1alpha1.ReasonClusterReachable, Message: r.message, LastTransitionTime: r.since}
	st := v1alpha1.DeploymentManagerStatus{OperationalState: v1alpha1.OperationalStateEnabled}
	if !r.reachable {
		c.Status, c.Reason = metav1.ConditionFalse, v1alpha1.ReasonClusterUnreachable
		st.OperationalState = v1alpha1.OperationalStateDisabled
	}
	st.Conditions = []metav1.Condition{c}
	return st
}

// kubeconfigMissing is the ClusterReachable message of a member whose operator's Secret holds
// no kubeconfig: the member is not checked at all.
const kubeconfigMissing = "the member's Secret holds no kubeconfig"
