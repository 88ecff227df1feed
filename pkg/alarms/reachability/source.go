// Package reachability is the alarm source of clusters whose API server does not answer: a
// DeploymentManager whose ClusterReachable condition is False (a member cluster the inventory
// sync cannot reach) raises the standard node-cluster alarm CLUSTER_CRITICAL, probable cause
// CLUSTER_COMMUNICATION, on that DeploymentManager.
//
// The source reads the condition the inventory sync stores, not the probe itself: the stored
// condition's lastTransitionTime survives restarts of netweave, so one outage keeps one alarm
// (one id) however often the leader changes, and a leader that starts after the member came
// back finds the condition True and clears the alarm at its first restatement.
package reachability

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/sourceloop"
	"github.com/netweave-io/netweave/pkg/alarms/sourcemetrics"
	"github.com/netweave-io/netweave/pkg/alarms/standard"
)

// Name is the Observation.Source of cluster reachability alarms.
const Name = "cluster-reachability"

// syncKey queues the restatement of every active fault; no object name contains a "/".
const syncKey = "/sync"

// DefaultResyncPeriod is how often the complete set of active faults is restated when Config
// leaves it zero.
const DefaultResyncPeriod = 10 * time.Minute

// Severity of an unreachable cluster. CRITICAL (table 4.2-1: "the node cluster is not fully
// operational"): the cluster's workloads may still run, but its DMS, the Kubernetes API the SMO
// deploys through, does not answer, and the O-Cloud cannot see or manage the cluster.
const Severity = alarms.SeverityCritical

// Config configures the source.
type Config struct {
	// Informers is the leader term's O2 informer factory; the source takes its
	// DeploymentManager informer from it, so DeploymentManagers are cached once per term.
	Informers externalversions.SharedInformerFactory
	// Namespace is the inventory namespace: its DeploymentManagers are the synced clusters'
	// (the inventory sync sets their condition), and their alarms are stored there.
	Namespace string
	// ResyncPeriod is how often the complete set of active faults is restated (Sink.Sync);
	// DefaultResyncPeriod when zero.
	ResyncPeriod time.Duration
	// Clock times restatements and clearings of deleted managers; the real clock when nil.
	Clock clock.WithTicker
	// Metrics, when not nil, count what the source reports.
	Metrics *sourcemetrics.Metrics
}

// Source reports unreachable clusters as alarms on their DeploymentManagers.
type Source struct {
	cfg      Config
	informer cache.SharedIndexInformer
	managers o2listers.DeploymentManagerLister
	// running is the loop of the current run, for Restate.
	running sourceloop.Running
}

var _ alarms.Source = (*Source)(nil)

// New returns the source. It registers the DeploymentManager informer with cfg.Informers, so
// call it before the factory is started, or Run starts the informer itself.
func New(cfg Config) *Source {
	if cfg.ResyncPeriod <= 0 {
		cfg.ResyncPeriod = DefaultResyncPeriod
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	dms := cfg.Informers.O2ims().V1alpha1().DeploymentManagers()
	return &Source{cfg: cfg, informer: dms.Informer(), managers: dms.Lister()}
}

// Name implements alarms.Source.
func (s *Source) Name() string { return Name }

// Restate implements alarms.Source.
func (s *Source) Restate() { s.running.Restate() }

// Run reports a manager's reachability when its condition changes, and restates the active
// faults after the initial list and every ResyncPeriod, until ctx is done.
func (s *Source) Run(ctx context.Context, sink alarms.Sink) error {
	defer utilruntime.HandleCrash()
	r := &run{Source: s, sink: s.cfg.Metrics.Instrument(sink), loop: sourceloop.New(Name, syncKey), reported: map[string]reported{}}
	defer s.running.Set(r.loop)()
	reg, err := s.informer.AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: s.inNamespace,
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc: r.enqueue,
			UpdateFunc: func(old, cur any) {
				o, ok1 := old.(*v1alpha1.DeploymentManager)
				n, ok2 := cur.(*v1alpha1.DeploymentManager)
				// A new uid is another manager of the same name (its member re-registered), which
				// a relist after a watch gap delivers as an update.
				if !ok1 || !ok2 || !equalCondition(reachable(o), reachable(n)) || o.Spec.DeploymentManagerID != n.Spec.DeploymentManagerID || o.UID != n.UID {
					r.enqueue(cur)
				}
			},
			DeleteFunc: r.enqueue,
		},
	})
	if err != nil {
		return fmt.Errorf("watch deployment managers for alarms: %w", err)
	}
	defer func() { _ = s.informer.RemoveEventHandler(reg) }()
	s.cfg.Informers.Start(ctx.Done())
	if !cache.WaitForNamedCacheSync("alarms-"+Name, ctx.Done(), reg.HasSynced) {
		return fmt.Errorf("wait for the deployment manager cache: %w", errors.Join(ctx.Err(), errors.New("not synced")))
	}
	klog.FromContext(ctx).Info("Reporting unreachable clusters as alarms", "source", Name, "namespace", s.cfg.Namespace)
	r.loop.Run(ctx, s.cfg.Clock, s.cfg.ResyncPeriod, r.handle)
	return nil
}

func (s *Source) inNamespace(obj any) bool {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	dm, ok := obj.(*v1alpha1.DeploymentManager)
	return ok && dm.Namespace == s.cfg.Namespace
}

// run is the state of one Run; only its single loop goroutine touches reported.
type run struct {
	*Source
	sink alarms.Sink
	loop *sourceloop.Loop
	// reported is the last observation of each manager by object name, so its alarm can be
	// cleared once the manager is gone (its member was unregistered) or replaced.
	reported map[string]reported
}

// reported is the last observation of a manager, and which object it was of.
type reported struct {
	alarms.Observation
	uid types.UID
}

func (r *run) enqueue(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if dm, ok := obj.(*v1alpha1.DeploymentManager); ok {
		r.loop.Add(dm.Name)
	}
}

func (r *run) handle(ctx context.Context, key string) error {
	if key == syncKey {
		return r.syncAll(ctx)
	}
	return r.syncManager(ctx, key)
}

// syncManager reports the reachability of the manager name, or clears the alarm of the manager
// that had this name when it is gone or now has another id.
func (r *run) syncManager(ctx context.Context, name string) error {
	dm, err := r.managers.DeploymentManagers(r.cfg.Namespace).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("get deployment manager %s: %w", name, err)
	}
	var o alarms.Observation
	var known bool
	if dm != nil {
		o, known = observation(dm, r.cfg.Clock.Now())
	}
	// A manager gone, or replaced by another of its name (a new uid: its member
	// re-registered), ends the old one's alarm: the new one's is another occurrence, even with
	// the same key.
	if prev, ok := r.reported[name]; ok && prev.Active && (!known || prev.Key != o.Key || prev.uid != dm.UID) {
		cleared := prev.Observation
		cleared.Active, cleared.Since = false, r.cfg.Clock.Now()
		cleared.Text = fmt.Sprintf("Deployment manager %s was removed", name)
		if err := r.sink.Observe(ctx, cleared); err != nil {
			return fmt.Errorf("clear the reachability alarm of removed deployment manager %s: %w", name, err)
		}
		klog.FromContext(ctx).V(2).Info("Cleared the reachability alarm of a removed deployment manager", "deploymentManager", name)
	}
	delete(r.reported, name)
	if !known {
		return nil
	}
	rep := reported{Observation: o, uid: dm.UID}
	if err := r.sink.Observe(ctx, o); err != nil {
		// Remembered as possibly active: the alarm raised before (or by a write that failed
		// half-way) is still there, and a manager removed before the retry must clear it
		// then, not at the next restatement.
		rep.Active = true
		r.reported[name] = rep
		return fmt.Errorf("report reachability of deployment manager %s: %w", name, err)
	}
	r.reported[name] = rep
	return nil
}

// syncAll states the unreachable managers in the cache as the complete active set: alarms of
// managers that came back or went away while no replica watched are cleared.
func (r *run) syncAll(ctx context.Context) error {
	dms, err := r.managers.DeploymentManagers(r.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list deployment managers: %w", err)
	}
	now := r.cfg.Clock.Now()
	active := []alarms.Observation{}
	for _, dm := range dms {
		if o, ok := observation(dm, now); ok && o.Active {
			active = append(active, o)
		}
	}
	if err := r.sink.Sync(ctx, Name, active, now); err != nil {
		return fmt.Errorf("restate cluster reachability alarms: %w", err)
	}
	klog.FromContext(ctx).V(3).Info("Restated cluster reachability alarms", "deploymentManagers", len(dms), "active", len(active))
	return nil
}

// Key is the Observation.Key of a manager's reachability: its O2 id, which is derived from the
// O-Cloud and the member's name, so it is the same after a wiped store is re-synced.
func Key(deploymentManagerID string) string {
	return deploymentManagerID + "/" + v1alpha1.DeploymentManagerClusterReachable
}

// observation states dm's reachability as a fault present or not; false when dm says nothing
// about it (the local cluster's manager, or a member whose first check has not finished).
func observation(dm *v1alpha1.DeploymentManager, now time.Time) (alarms.Observation, bool) {
	c := reachable(dm)
	if c == nil || c.Status == metav1.ConditionUnknown || dm.Spec.DeploymentManagerID == "" {
		return alarms.Observation{}, false
	}
	o := alarms.Observation{
		Source: Name,
		Key:    Key(dm.Spec.DeploymentManagerID),
		Object: alarms.ObjectRef{Class: "DeploymentManager", ID: dm.Spec.DeploymentManagerID, Namespace: dm.Namespace},
		// The standard's node cluster is what a DeploymentManager manages: a Kubernetes cluster.
		Definition:    standard.DefinitionName(standard.NodeCluster, Severity),
		ProbableCause: standard.ClusterCommunication,
		Severity:      Severity,
		Active:        c.Status == metav1.ConditionFalse,
		// When the condition last changed: the outage's start while it is False, its end once
		// True. The inventory sync keeps this time across restarts (second precision).
		Since: c.LastTransitionTime.Time,
		Text:  fmt.Sprintf("The API server of cluster %s does not answer: %s", dm.Spec.Name, c.Message),
		Extensions: map[string]string{
			"deploymentManagerName": dm.Name,
			"reason":                c.Reason,
		},
	}
	if member := dm.Labels[v1alpha1.LabelCluster]; member != "" {
		o.Extensions["memberCluster"] = member
	}
	if !o.Active {
		o.Text = fmt.Sprintf("The API server of cluster %s answers again", dm.Spec.Name)
	}
	if o.Since.IsZero() {
		o.Since = now
	}
	return o, true
}

func reachable(dm *v1alpha1.DeploymentManager) *metav1.Condition {
	return meta.FindStatusCondition(dm.Status.Conditions, v1alpha1.DeploymentManagerClusterReachable)
}

func equalCondition(a, b *metav1.Condition) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Status == b.Status && a.Reason == b.Reason && a.Message == b.Message && a.LastTransitionTime.Equal(&b.LastTransitionTime)
}
