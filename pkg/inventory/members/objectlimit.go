package members

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// DefaultMaxNodes is Config.MaxNodes when unset: the most Nodes a Kubernetes cluster is
// supported with upstream.
const DefaultMaxNodes = 5000

// MaxStorageClasses is the most StorageClasses of one member its inventory reads (each becomes
// a ResourceType): a cluster has a handful.
const MaxStorageClasses = 1000

// objectLimit admits at most max objects of one kind of a member into its informer, and so
// into the inventory (each Node becomes a Resource, its labels pools; each StorageClass a
// ResourceType; Cluster API MachineDeployments and MachineSets name pools): a tenant's member is
// a server the tenant may run, and one reporting a million of them would otherwise fill
// netweave's memory and Redis for every tenant. Past the limit the objects listed (or added)
// first are kept and the others left out; while any is, limited reports it and the
// DeploymentManager's InventoryComplete condition says so. An object left out is admitted by
// its next change once another has gone, or by the next list.
//
// The set of admitted keys mirrors the informer's store: a list (or a watch that sends its
// initial events) starts it over, a watch's events change it, and only events about admitted
// objects reach the informer. Of the objects left out only their number is kept (each counted
// once: when listed or added, until deleted or admitted), so a member's objects cost nothing
// past max.
type objectLimit struct {
	// kind names the objects in the condition's message and the log, plural ("Nodes").
	kind string
	// reason is the condition's reason while objects are left out.
	reason string
	// setting names what sets max, for the condition's message.
	setting string
	max     int
	// onChange is called when limited changes (set before the informer starts).
	onChange func()

	mu       sync.Mutex
	admitted sets.Set[string]
	// dropped counts the objects left out since the set last started over.
	dropped int
	limited bool
	// since is when limited last changed (to the second, so an unchanged state costs no write).
	since metav1.Time
}

// newNodeLimit admits at most limit Nodes (DefaultMaxNodes when not positive).
func newNodeLimit(limit int) *objectLimit {
	if limit <= 0 {
		limit = DefaultMaxNodes
	}
	return newObjectLimit("Nodes", v1alpha1.ReasonTooManyNodes, "--inventory-member-max-nodes", limit)
}

func newObjectLimit(kind, reason, setting string, limit int) *objectLimit {
	return &objectLimit{kind: kind, reason: reason, setting: setting, max: limit, admitted: sets.New[string]()}
}

// isLimited reports whether objects were left out of the inventory at the last count.
func (l *objectLimit) isLimited() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limited
}

// condition is the DeploymentManager's InventoryComplete condition: nil while every object is
// read.
func (l *objectLimit) condition() *metav1.Condition {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.limited {
		return nil
	}
	return &metav1.Condition{Type: v1alpha1.DeploymentManagerInventoryComplete, Status: metav1.ConditionFalse,
		Reason: l.reason, LastTransitionTime: l.since,
		Message: fmt.Sprintf("the cluster reports more than %d %s (%s): the inventory holds those listed first", l.max, l.kind, l.setting)}
}

// setLimited records limited, and when it changed; mu is held. It reports whether it changed.
func (l *objectLimit) setLimited(limited bool) bool {
	if limited == l.limited {
		return false
	}
	l.limited, l.since = limited, metav1.NewTime(time.Now().Truncate(time.Second))
	return true
}

// listWatch reads the kind through the limit: list and watch are the member's own.
func (l *objectLimit) listWatch(list func(context.Context, metav1.ListOptions) (runtime.Object, error),
	watchFn func(context.Context, metav1.ListOptions) (watch.Interface, error)) *cache.ListWatch {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			obj, err := list(ctx, opts)
			if err != nil {
				return nil, err
			}
			if err := l.listed(obj, opts.Continue == ""); err != nil {
				return nil, err
			}
			return obj, nil
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			w, err := watchFn(ctx, opts)
			if err != nil {
				return nil, err
			}
			return l.watching(w, opts), nil
		},
	}
}

// watching passes on the events of w, a watch opened with opts, that are about admitted
// objects.
func (l *objectLimit) watching(w watch.Interface, opts metav1.ListOptions) watch.Interface {
	if opts.SendInitialEvents != nil && *opts.SendInitialEvents {
		l.startOver()
	}
	return watch.Filter(w, l.admit)
}

// startOver forgets the admitted objects: a list, or a watch's initial events, replaces the
// informer's store whole.
func (l *objectLimit) startOver() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.admitted = sets.New[string]()
	l.dropped = 0
}

// listed admits the objects of a list's page (first: the list's first page) and drops the rest
// from it; the last page settles whether the inventory is limited.
func (l *objectLimit) listed(list runtime.Object, first bool) error {
	items, err := meta.ExtractList(list)
	if err != nil {
		return fmt.Errorf("read the member's %s: %w", l.kind, err)
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return fmt.Errorf("read the member's %s: %w", l.kind, err)
	}
	if first {
		l.startOver()
	}
	l.mu.Lock()
	kept := items[:0]
	for _, o := range items {
		m, err := meta.Accessor(o)
		if err != nil {
			l.mu.Unlock()
			return fmt.Errorf("read the member's %s: %w", l.kind, err)
		}
		if l.added(keyOf(m)) {
			kept = append(kept, o)
		}
	}
	l.mu.Unlock()
	if len(kept) < cap(kept) {
		if err := meta.SetList(list, kept); err != nil {
			return fmt.Errorf("read the member's %s: %w", l.kind, err)
		}
	}
	if lm.GetContinue() == "" {
		l.settle()
	}
	return nil
}

// keyOf is an object's key in the admitted set (its name, behind its namespace if any).
func keyOf(m metav1.Object) string {
	if ns := m.GetNamespace(); ns != "" {
		return ns + "/" + m.GetName()
	}
	return m.GetName()
}

// added admits an object that appeared if there is room, and counts it left out otherwise; mu
// is held.
func (l *objectLimit) added(key string) bool {
	if l.admitted.Has(key) {
		return true
	}
	if l.admitted.Len() >= l.max {
		l.dropped++
		return false
	}
	l.admitted.Insert(key)
	return true
}

// admit is the watch's filter: events about admitted objects (or objects there is room for)
// pass.
func (l *objectLimit) admit(ev watch.Event) (watch.Event, bool) {
	if ev.Type == watch.Bookmark {
		if m, err := meta.Accessor(ev.Object); err == nil && m.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true" {
			// The initial events are all in: the informer's store is what was admitted.
			l.settle()
		}
		return ev, true
	}
	if ev.Type == watch.Error {
		return ev, true
	}
	m, err := meta.Accessor(ev.Object)
	if err != nil {
		return ev, true
	}
	key := keyOf(m)
	l.mu.Lock()
	pass := l.admitted.Has(key)
	switch {
	case ev.Type == watch.Added:
		pass = l.added(key)
	case ev.Type == watch.Deleted && pass:
		l.admitted.Delete(key)
	case ev.Type == watch.Deleted:
		l.dropped = max(l.dropped-1, 0)
	case !pass && l.admitted.Len() < l.max:
		// An object left out changed, and another has gone since: it is admitted now.
		l.admitted.Insert(key)
		l.dropped = max(l.dropped-1, 0)
		pass = true
	}
	grew := ev.Type == watch.Added && !pass
	l.mu.Unlock()
	if ev.Type != watch.Added || grew {
		// Not on every object admitted: while a watch sends its initial events the count
		// starts from none, and the list is settled by their end.
		l.settle()
	}
	return ev, pass
}

// settle records whether objects are left out, after a list or a watch's event.
func (l *objectLimit) settle() {
	l.mu.Lock()
	changed := l.setLimited(l.dropped > 0)
	l.mu.Unlock()
	if changed && l.onChange != nil {
		l.onChange()
	}
}
