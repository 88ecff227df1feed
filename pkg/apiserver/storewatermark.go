package apiserver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	coordinationclient "k8s.io/client-go/kubernetes/typed/coordination/v1"
	compbasemetrics "k8s.io/component-base/metrics"
	"k8s.io/klog/v2"

	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
)

// The annotations of the watermark Lease: the newest revision a replica saw of the store, the
// install epoch it was seen in, and its fingerprint (redisstore.Watermark).
const (
	watermarkEpochAnnotation    = "storage.netweave.io/epoch"
	watermarkRevisionAnnotation = "storage.netweave.io/revision"
	watermarkIDAnnotation       = "storage.netweave.io/revision-id"
)

// watermarkLoadTimeout bounds the read of the watermark at start; a kube-apiserver that does
// not answer in it leaves the stores unseeded rather than the server not starting.
const watermarkLoadTimeout = 10 * time.Second

// What a Record did: the result label of netweave_redis_watermark_records_total.
const (
	watermarkRecorded = "recorded" // the Lease now holds this replica's newest revision
	watermarkCurrent  = "current"  // the Lease held it or a newer one of the same epoch
	watermarkNothing  = "nothing"  // no store has seen a revision yet
	watermarkError    = "error"
)

// DefaultWatermarkInterval is how often a replica records the newest revision it saw, unless
// configured: writes acknowledged within the last interval before a rollback that every
// replica missed are what the watermark does not cover.
const DefaultWatermarkInterval = 2 * time.Second

// StoreWatermark keeps, in a Lease of the cluster, the newest revision the replicas saw of the
// Redis store, so that a replica that starts after the store went back while no replica ran
// (a failover to a lagging replica together with a restart of every replica) notices it: what
// is inside Redis (counter, epoch, fingerprints) went back with the data, the cluster's etcd
// did not. At start the server reads it (Load) and seeds every store with it before the store
// is used (add); while it runs it records what its stores saw (install, Record). A Lease,
// because netweave already may write Leases in its namespace and nothing else there does.
type StoreWatermark struct {
	leases    coordinationclient.LeaseInterface
	namespace string
	name      string
	interval  time.Duration

	mu     sync.Mutex
	seed   redisstore.Watermark
	stores []*redisstore.Store
}

// NewStoreWatermark returns the watermark kept in Lease name of leases (netweave's namespace
// there), recorded every interval (DefaultWatermarkInterval when not positive).
func NewStoreWatermark(leases coordinationclient.LeaseInterface, namespace, name string, interval time.Duration) *StoreWatermark {
	if interval <= 0 {
		interval = DefaultWatermarkInterval
	}
	return &StoreWatermark{leases: leases, namespace: namespace, name: name, interval: interval}
}

// Load reads the watermark the replicas recorded; the stores built afterwards start from it. A
// Lease that is missing (the first start) or unreadable leaves them as without one, which the
// log says: a rollback while no replica ran then goes unnoticed, as before the watermark.
func (w *StoreWatermark) Load(ctx context.Context) {
	logger := klog.FromContext(ctx).WithValues("lease", klog.KRef(w.namespace, w.name))
	lease, err := w.leases.Get(ctx, w.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		logger.V(2).Info("No store watermark recorded yet")
		return
	case err != nil:
		logger.Error(err, "Could not read the store watermark; a store that went back while no replica ran will not be noticed at this start")
		return
	}
	mark, err := parseWatermark(lease)
	if err != nil {
		logger.Error(err, "Ignoring a malformed store watermark")
		return
	}
	w.mu.Lock()
	w.seed = mark
	w.mu.Unlock()
	logger.Info("Stores start from the recorded watermark", "epoch", mark.Epoch, "revision", mark.Revision)
}

// add seeds a store built after Load and records from it.
func (w *StoreWatermark) add(s *redisstore.Store) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s.Seed(w.seed)
	w.stores = append(w.stores, s)
}

// install records the watermark every interval while the server runs, counting the attempts in
// records (by result; nil counts nothing).
func (w *StoreWatermark) install(s *genericapiserver.GenericAPIServer, records *compbasemetrics.CounterVec) error {
	return s.AddPostStartHook("redis-watermark", func(hctx genericapiserver.PostStartHookContext) error {
		logger := klog.FromContext(hctx).WithValues("lease", klog.KRef(w.namespace, w.name))
		go wait.UntilWithContext(hctx, func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, w.interval+5*time.Second)
			defer cancel()
			result, err := w.Record(ctx)
			if records != nil {
				records.WithLabelValues(result).Inc()
			}
			if err != nil {
				logger.V(2).Info("Could not record the store watermark; will try again", "err", err)
			}
		}, w.interval)
		return nil
	})
}

// Record writes the newest revision the stores saw into the Lease, unless it holds that or a
// newer one of the same epoch. The revision is read through a store and checked, as every
// revision read is, and against the Lease's (redisstore.Store.Watermark): a store that went
// back, even below revisions only another replica saw, is noticed and rebased before its state
// could be recorded. A Lease of another epoch is replaced, because Redis has just answered
// with this one.
func (w *StoreWatermark) Record(ctx context.Context) (result string, err error) {
	w.mu.Lock()
	var store *redisstore.Store
	if len(w.stores) > 0 {
		store = w.stores[0]
	}
	w.mu.Unlock()
	if store == nil {
		return watermarkNothing, nil
	}
	lease, err := w.leases.Get(ctx, w.name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return watermarkError, fmt.Errorf("read the store watermark: %w", err)
	}
	missing := err != nil
	var held redisstore.Watermark
	if !missing {
		// A malformed one is checked against as none and replaced.
		held, _ = parseWatermark(lease)
	}
	mark, err := store.Watermark(ctx, held)
	if err != nil {
		return watermarkError, fmt.Errorf("read the store's revision: %w", err)
	}
	switch {
	case mark.IsZero():
		return watermarkNothing, nil
	case held.Epoch == mark.Epoch && held.Revision >= mark.Revision:
		return watermarkCurrent, nil
	case missing:
		lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: w.name, Namespace: w.namespace}}
		setWatermark(lease, mark)
		_, err = w.leases.Create(ctx, lease, metav1.CreateOptions{FieldManager: "netweave-store-watermark"})
	default:
		setWatermark(lease, mark)
		// The read's resourceVersion makes a concurrent record by another replica a conflict,
		// tried again at the next interval, rather than overwritten with an older revision.
		_, err = w.leases.Update(ctx, lease, metav1.UpdateOptions{FieldManager: "netweave-store-watermark"})
	}
	if err != nil {
		return watermarkError, fmt.Errorf("record the store watermark: %w", err)
	}
	return watermarkRecorded, nil
}

func setWatermark(lease *coordinationv1.Lease, mark redisstore.Watermark) {
	if lease.Annotations == nil {
		lease.Annotations = map[string]string{}
	}
	lease.Annotations[watermarkEpochAnnotation] = mark.Epoch
	lease.Annotations[watermarkRevisionAnnotation] = strconv.FormatInt(mark.Revision, 10)
	lease.Annotations[watermarkIDAnnotation] = mark.ID
}

// maxWatermarkRevision bounds what a Lease may claim: the store's scripts count revisions in
// Lua numbers (exact to 2^53), and a start rebases the counter past the Lease's revision, so a
// Lease edited to a revision near the int64 limit would leave the counter unable to grow and
// every write failing.
const maxWatermarkRevision = 1 << 53

func parseWatermark(lease *coordinationv1.Lease) (redisstore.Watermark, error) {
	a := lease.Annotations
	rev, err := strconv.ParseInt(a[watermarkRevisionAnnotation], 10, 64)
	if err != nil {
		return redisstore.Watermark{}, fmt.Errorf("annotation %s: %w", watermarkRevisionAnnotation, err)
	}
	if rev > maxWatermarkRevision {
		return redisstore.Watermark{}, fmt.Errorf("annotation %s: %d is beyond any revision the store makes", watermarkRevisionAnnotation, rev)
	}
	mark := redisstore.Watermark{Epoch: a[watermarkEpochAnnotation], Revision: rev, ID: a[watermarkIDAnnotation]}
	if mark.IsZero() {
		return redisstore.Watermark{}, errors.New("no epoch or no positive revision")
	}
	return mark, nil
}
