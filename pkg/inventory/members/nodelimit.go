package members

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// DefaultMaxNodes is Config.MaxNodes when unset: the most Nodes a Kubernetes cluster is
// supported with upstream.
const DefaultMaxNodes = 5000

// nodeLimit admits at most max of a member's Nodes into its Node informer, and so into the
// inventory (each Node becomes a Resource, its labels pools): a tenant's member is a server
// the tenant may run, and one reporting a million Nodes would otherwise fill netweave's memory
// and Redis for every tenant. Past the limit the Nodes listed (or added) first are kept and the
// others left out; while any is, limited reports it and the DeploymentManager's
// InventoryComplete condition says so. A Node left out is admitted by its next change once
// another has gone, or by the next list.
//
// The set of admitted names mirrors the informer's store: a list (or a watch that sends its
// initial events) starts it over, a watch's events change it, and only events about admitted
// Nodes reach the informer. Of the Nodes left out only their number is kept (each counted once:
// when listed or added, until deleted or admitted), so a member's Nodes cost nothing past max.
type nodeLimit struct {
	max int
	// onChange is called when limited changes (set before the informer starts).
	onChange func()

	mu       sync.Mutex
	admitted sets.Set[string]
	// dropped counts the Nodes left out since the set last started over.
	dropped int
	limited bool
	// since is when limited last changed (to the second, so an unchanged state costs no write).
	since metav1.Time
}

// newNodeLimit admits at most limit Nodes (DefaultMaxNodes when not positive).
func newNodeLimit(limit int) *nodeLimit {
	if limit <= 0 {
		limit = DefaultMaxNodes
	}
	return &nodeLimit{max: limit, admitted: sets.New[string]()}
}

// isLimited reports whether Nodes were left out of the inventory at the last count.
func (l *nodeLimit) isLimited() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limited
}

// condition is the DeploymentManager's InventoryComplete condition: nil while every Node is
// in the inventory.
func (l *nodeLimit) condition() *metav1.Condition {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.limited {
		return nil
	}
	return &metav1.Condition{Type: v1alpha1.DeploymentManagerInventoryComplete, Status: metav1.ConditionFalse,
		Reason: v1alpha1.ReasonTooManyNodes, LastTransitionTime: l.since,
		Message: fmt.Sprintf("the cluster reports more than %d Nodes (--inventory-member-max-nodes): the inventory holds those listed first", l.max)}
}

// setLimited records limited, and when it changed; mu is held. It reports whether it changed.
func (l *nodeLimit) setLimited(limited bool) bool {
	if limited == l.limited {
		return false
	}
	l.limited, l.since = limited, metav1.NewTime(time.Now().Truncate(time.Second))
	return true
}

// informer is the member's Node informer (what the shared informer factory's would be),
// reading through the limit.
func (l *nodeLimit) informer(client kubernetes.Interface, resync time.Duration) cache.SharedIndexInformer {
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			list, err := client.CoreV1().Nodes().List(ctx, opts)
			if err != nil {
				return nil, err
			}
			l.listed(list, opts.Continue == "")
			return list, nil
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			w, err := client.CoreV1().Nodes().Watch(ctx, opts)
			if err != nil {
				return nil, err
			}
			if opts.SendInitialEvents != nil && *opts.SendInitialEvents {
				l.startOver()
			}
			return watch.Filter(w, l.admit), nil
		},
	}
	// As client-go's own informers do: a client that cannot stream lists (a fake) is listed.
	return cache.NewSharedIndexInformerWithOptions(cache.ToListWatcherWithWatchListSemantics(lw, client), &corev1.Node{}, cache.SharedIndexInformerOptions{
		ResyncPeriod: resync,
		Indexers:     cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
	})
}

// startOver forgets the admitted Nodes: a list, or a watch's initial events, replaces the
// informer's store whole.
func (l *nodeLimit) startOver() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.admitted = sets.New[string]()
	l.dropped = 0
}

// listed admits the Nodes of a list's page (first: the list's first page) and drops the rest
// from it; the last page settles whether the inventory is limited.
func (l *nodeLimit) listed(list *corev1.NodeList, first bool) {
	if first {
		l.startOver()
	}
	l.mu.Lock()
	kept := list.Items[:0]
	for i := range list.Items {
		if l.added(list.Items[i].Name) {
			kept = append(kept, list.Items[i])
		}
	}
	clear(list.Items[len(kept):])
	list.Items = kept
	last := list.Continue == ""
	l.mu.Unlock()
	if last {
		l.settle()
	}
}

// added admits a Node that appeared if there is room, and counts it left out otherwise; mu is
// held.
func (l *nodeLimit) added(name string) bool {
	if l.admitted.Has(name) {
		return true
	}
	if l.admitted.Len() >= l.max {
		l.dropped++
		return false
	}
	l.admitted.Insert(name)
	return true
}

// admit is the watch's filter: events about admitted Nodes (or Nodes there is room for) pass.
func (l *nodeLimit) admit(ev watch.Event) (watch.Event, bool) {
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
	name := m.GetName()
	l.mu.Lock()
	pass := l.admitted.Has(name)
	switch {
	case ev.Type == watch.Added:
		pass = l.added(name)
	case ev.Type == watch.Deleted && pass:
		l.admitted.Delete(name)
	case ev.Type == watch.Deleted:
		l.dropped = max(l.dropped-1, 0)
	case !pass && l.admitted.Len() < l.max:
		// A Node left out changed, and another has gone since: it is admitted now.
		l.admitted.Insert(name)
		l.dropped = max(l.dropped-1, 0)
		pass = true
	}
	grew := ev.Type == watch.Added && !pass
	l.mu.Unlock()
	if ev.Type != watch.Added || grew {
		// Not on every Node admitted: while a watch sends its initial events the count starts
		// from none, and the list is settled by their end.
		l.settle()
	}
	return ev, pass
}

// settle records whether Nodes are left out, after a list or a watch's event.
func (l *nodeLimit) settle() {
	l.mu.Lock()
	changed := l.setLimited(l.dropped > 0)
	l.mu.Unlock()
	if changed && l.onChange != nil {
		l.onChange()
	}
}
