// Package nodes is the alarm source of Node conditions: a node that is not Ready, under memory,
// disk or PID pressure, or without its network raises a standard O-Cloud Node alarm on the
// node's Resource.
package nodes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/sourceloop"
	"github.com/netweave-io/netweave/pkg/alarms/sourcemetrics"
	"github.com/netweave-io/netweave/pkg/inventory"
	"github.com/netweave-io/netweave/pkg/inventory/kube"
)

// Name is the Observation.Source of node condition alarms.
const Name = "node-conditions"

// syncKey queues the restatement of every active fault; no node name contains a "/".
const syncKey = "/sync"

// DefaultResyncPeriod is how often the complete set of active faults is restated when Config
// leaves it zero.
const DefaultResyncPeriod = 10 * time.Minute

// Config configures the source.
type Config struct {
	// Informers is the process's shared factory; the source takes its Node informer from it,
	// so Nodes are watched and cached once for the inventory and the alarms.
	Informers informers.SharedInformerFactory
	// IDs derive the O2 ids of the nodes' Resources and ResourceTypes, as the inventory does.
	IDs inventory.IDs
	// Namespace is the inventory namespace, where the alarms are stored.
	Namespace string
	// ResyncPeriod is how often the complete set of active faults is restated (Sink.Sync), so
	// an alarm whose clearing was missed does not stay; DefaultResyncPeriod when zero.
	ResyncPeriod time.Duration
	// Clock times restatements and deletions; the real clock when nil.
	Clock clock.WithTicker
	// Metrics, when not nil, count what the source reports.
	Metrics *sourcemetrics.Metrics
}

// Source reports Node conditions as alarms.
type Source struct {
	cfg      Config
	informer cache.SharedIndexInformer
	nodes    corelisters.NodeLister
	// running is the loop of the current run, for Restate.
	running sourceloop.Running
}

var _ alarms.Source = (*Source)(nil)

// New returns the source. It registers the Node informer with cfg.Informers, so call it before
// the factory is started, or Run starts the informer itself.
func New(cfg Config) *Source {
	if cfg.ResyncPeriod <= 0 {
		cfg.ResyncPeriod = DefaultResyncPeriod
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	nodes := cfg.Informers.Core().V1().Nodes()
	return &Source{cfg: cfg, informer: nodes.Informer(), nodes: nodes.Lister()}
}

// Name implements alarms.Source.
func (s *Source) Name() string { return Name }

// Restate implements alarms.Source.
func (s *Source) Restate() { s.running.Restate() }

// Run reports every node's conditions when the node changes, and restates the active ones after
// the initial list and every ResyncPeriod, until ctx is done.
func (s *Source) Run(ctx context.Context, sink alarms.Sink) error {
	defer utilruntime.HandleCrash()
	r := &run{Source: s, sink: s.cfg.Metrics.Instrument(sink), loop: sourceloop.New(Name, syncKey), reported: map[string]reported{},
		recovered: map[string][]alarms.Observation{}}
	defer s.running.Set(r.loop)()
	reg, err := s.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: r.enqueue,
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(*corev1.Node)
			n, ok2 := cur.(*corev1.Node)
			if !ok1 || !ok2 {
				r.enqueue(cur)
				return
			}
			if conditionsChanged(o, n) || s.object(o) != s.object(n) {
				r.recover(o, n)
				r.loop.Add(n.Name)
			}
		},
		DeleteFunc: r.enqueue,
	})
	if err != nil {
		return fmt.Errorf("watch nodes for alarms: %w", err)
	}
	defer func() { _ = s.informer.RemoveEventHandler(reg) }()
	s.cfg.Informers.Start(ctx.Done())
	if !cache.WaitForNamedCacheSync("alarms-"+Name, ctx.Done(), reg.HasSynced) {
		return fmt.Errorf("wait for the node cache: %w", errors.Join(ctx.Err(), errors.New("not synced")))
	}
	klog.FromContext(ctx).Info("Reporting node conditions as alarms", "source", Name)
	r.loop.Run(ctx, s.cfg.Clock, s.cfg.ResyncPeriod, r.handle)
	return nil
}

// object is the node's Resource, named exactly as the inventory names it.
func (s *Source) object(node *corev1.Node) alarms.ObjectRef {
	return alarms.ObjectRef{
		Class:     "Resource",
		ID:        kube.NodeResourceID(s.cfg.IDs, node),
		TypeID:    kube.NodeKindOf(node).ID(s.cfg.IDs),
		Namespace: s.cfg.Namespace,
	}
}

// reported is a node whose conditions were reported, so its alarms can be cleared once it is
// gone from the cache.
type reported struct {
	uid    types.UID
	object alarms.ObjectRef
}

// run is the state of one Run; only its single loop goroutine touches reported.
type run struct {
	*Source
	sink     alarms.Sink
	loop     *sourceloop.Loop
	reported map[string]reported
	// mu guards recovered, which the informer's handler fills and the loop drains.
	mu sync.Mutex
	// recovered holds, per node name, the end of each fault seen in an update that the loop
	// has not reported yet (one per condition). The loop reads a node's latest state only: a
	// fault that ended and began again before it got to the node (a flap while it was busy or
	// backing off) would read as one occurrence, and the new one would never be raised under
	// its own id and time.
	recovered map[string][]alarms.Observation
}

// recover remembers the faults of node that the update from old to cur ended, each with the
// start of the occurrence it ends, for syncNode to report before cur's state.
func (r *run) recover(old, cur *corev1.Node) {
	before := observations(old, r.object(old), r.cfg.Clock.Now())
	var ended []alarms.Observation
	for i, o := range observations(cur, r.object(cur), r.cfg.Clock.Now()) {
		if before[i].Active && !o.Active {
			o.Started = before[i].Since
			ended = append(ended, o)
		}
	}
	if len(ended) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// One end per condition: the first is that of the occurrence the loop may have reported;
	// later ones end occurrences it never saw, and a node flapping while the recorder is down
	// must not grow this without bound.
	for _, o := range ended {
		if !slices.ContainsFunc(r.recovered[cur.Name], func(p alarms.Observation) bool { return p.Key == o.Key }) {
			r.recovered[cur.Name] = append(r.recovered[cur.Name], o)
		}
	}
}

// reportRecovered reports the ends recover remembered for the node name; those not reported
// are kept for the retry.
func (r *run) reportRecovered(ctx context.Context, name string) error {
	r.mu.Lock()
	ended := r.recovered[name]
	delete(r.recovered, name)
	r.mu.Unlock()
	for i, o := range ended {
		if err := r.sink.Observe(ctx, o); err != nil {
			r.mu.Lock()
			r.recovered[name] = append(ended[i:len(ended):len(ended)], r.recovered[name]...)
			r.mu.Unlock()
			return fmt.Errorf("report the end of condition %s of node %s: %w", o.Extensions["condition"], name, err)
		}
	}
	return nil
}

func (r *run) enqueue(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if node, ok := obj.(*corev1.Node); ok {
		r.loop.Add(node.Name)
	}
}

func (r *run) handle(ctx context.Context, key string) error {
	if key == syncKey {
		return r.syncAll(ctx)
	}
	return r.syncNode(ctx, key)
}

// syncNode reports the conditions of the node name, or clears the alarms of the node that had
// this name when it is gone or was replaced by another of the same name.
func (r *run) syncNode(ctx context.Context, name string) error {
	node, err := r.nodes.Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("get node %s: %w", name, err)
	}
	if err := r.reportRecovered(ctx, name); err != nil {
		return err
	}
	if prev, ok := r.reported[name]; ok && (node == nil || node.UID != prev.uid) {
		for _, o := range cleared(prev.uid, name, prev.object, r.cfg.Clock.Now()) {
			if err := r.sink.Observe(ctx, o); err != nil {
				return fmt.Errorf("clear alarms of deleted node %s: %w", name, err)
			}
		}
		delete(r.reported, name)
		klog.FromContext(ctx).V(2).Info("Cleared the alarms of a deleted node", "node", name, "uid", prev.uid)
	}
	if node == nil {
		return nil
	}
	obj := r.object(node)
	// Remembered before reporting: a report that fails half-way may have raised alarms, and
	// the node may be gone by the retry, which must then clear them.
	r.reported[name] = reported{uid: node.UID, object: obj}
	for _, o := range observations(node, obj, r.cfg.Clock.Now()) {
		if err := r.sink.Observe(ctx, o); err != nil {
			return fmt.Errorf("report condition %s of node %s: %w", o.Extensions["condition"], name, err)
		}
	}
	return nil
}

// syncAll states the faults of every node in the cache as the complete active set: alarms of
// nodes deleted while nobody watched, or of clearings missed, are cleared.
func (r *run) syncAll(ctx context.Context) error {
	nodes, err := r.nodes.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	now := r.cfg.Clock.Now()
	active := []alarms.Observation{}
	for _, node := range nodes {
		for _, o := range observations(node, r.object(node), now) {
			if o.Active {
				active = append(active, o)
			}
		}
	}
	if err := r.sink.Sync(ctx, Name, active, now); err != nil {
		return fmt.Errorf("restate node condition alarms: %w", err)
	}
	klog.FromContext(ctx).V(3).Info("Restated node condition alarms", "nodes", len(nodes), "active", len(active))
	return nil
}
