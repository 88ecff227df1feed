package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
	"k8s.io/klog/v2"
)

// Store is a storage.Interface for one resource backed by Redis.
type Store struct {
	client goredis.UniversalClient
	// writes runs the write scripts (Config.WriteClient); ownWrites when the store made it.
	writes         goredis.UniversalClient
	ownWrites      bool
	codec          runtime.Codec
	versioner      storage.Versioner
	newFunc        func() runtime.Object
	newListFunc    func() runtime.Object
	pathPrefix     string
	resourcePrefix string
	groupResource  schema.GroupResource
	// resourceKey is the prepared key prefix of every object of the
	// resource, e.g. "/registry/pods/".
	resourceKey string
	keys        redisKeys
	trim        trimBounds
	cfg         Config

	// transformer sits behind an atomic so tests (and key rotation) can swap
	// it while watchers decode concurrently.
	transformer atomic.Pointer[transformerBox]
	// compacted caches the newest compaction point seen in any reply.
	compacted atomic.Int64
	// sizeEstimation reports average object size in Stats once enabled.
	sizeEstimation atomic.Bool

	hub   *hub
	guard epochGuard
	// rebaseMu orders the attempts at the rebase a reset owes (pendingRebase), set while
	// rebasePending.
	rebaseMu      sync.Mutex
	pendingRebase pendingRebase
	rebasePending atomic.Bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type transformerBox struct{ value.Transformer }

var _ storage.Interface = (*Store)(nil)

// New validates cfg and returns a running store. Call Close to stop its
// background goroutines (stream reader, TTL reaper).
func New(cfg Config) (*Store, error) {
	if err := cfg.complete(); err != nil {
		return nil, err
	}
	writes, ownWrites := cfg.WriteClient, false
	if writes == nil {
		w, err := NewWriteClient(cfg.Client)
		if err != nil {
			return nil, err
		}
		writes, ownWrites = w, true
	}
	s := &Store{
		client:         cfg.Client,
		writes:         writes,
		ownWrites:      ownWrites,
		codec:          cfg.Codec,
		versioner:      cfg.Versioner,
		newFunc:        cfg.NewFunc,
		newListFunc:    cfg.NewListFunc,
		pathPrefix:     normalizePathPrefix(cfg.PathPrefix),
		resourcePrefix: cfg.ResourcePrefix,
		groupResource:  cfg.GroupResource,
		cfg:            cfg,
	}
	resourceKey, err := s.prepareKey(cfg.ResourcePrefix, true)
	if err != nil {
		if ownWrites {
			_ = writes.Close()
		}
		return nil, fmt.Errorf("redis storage: %w", err)
	}
	s.resourceKey = resourceKey
	s.keys = newRedisKeys(cfg.InstallPrefix, resourceKey)
	s.trim = cfg.trimArgs()
	s.transformer.Store(&transformerBox{cfg.Transformer})
	// The store's own commands (the change reader, its progress and epoch reads) wait on a
	// Redis that stopped answering instead of being refused by the Breaker: their reply is how
	// it learns that Redis answers again.
	s.ctx, s.cancel = context.WithCancel(Background(context.Background()))
	s.hub = newHub(s)
	s.guard.last = s.resetAfterWentBack
	cfg.Metrics.initResets(cfg.GroupResource)

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runTTLReaper()
	}()
	if cfg.UniqueIndex != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.runUniqueBackfill()
		}()
	}
	return s, nil
}

// Close stops background work and ends all watches. The Redis client (and a
// WriteClient it was given) is left open because it is usually shared between
// stores.
func (s *Store) Close() {
	s.cancel()
	s.hub.shutdown()
	s.wg.Wait()
	if s.ownWrites {
		_ = s.writes.Close() // a second Close only reports the client closed
	}
}

func (s *Store) getTransformer() value.Transformer { return s.transformer.Load().Transformer }

// SetTransformer swaps the value transformer (e.g. after an encryption key
// rotation) and returns the previous one.
func (s *Store) SetTransformer(t value.Transformer) value.Transformer {
	return s.transformer.Swap(&transformerBox{t}).Transformer
}

// Versioner implements storage.Interface.
func (s *Store) Versioner() storage.Versioner { return s.versioner }

// ReadinessCheck implements storage.Interface with a PING.
func (s *Store) ReadinessCheck() error {
	ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	err := s.client.Ping(ctx).Err()
	s.recordRequest(ctx, "ping", err, start)
	if err != nil {
		return fmt.Errorf("redis storage readiness: %w", err)
	}
	return nil
}

// GetCurrentResourceVersion implements storage.Interface. It also checks
// that the store did not go back (see epochGuard).
func (s *Store) GetCurrentResourceVersion(ctx context.Context) (uint64, error) {
	rev, err := s.currentRevision(ctx)
	return uint64(rev), err
}

// CompactRevision implements storage.Interface: the newest compaction point
// this store has observed in Redis replies.
func (s *Store) CompactRevision() int64 { return s.compacted.Load() }

func (s *Store) observeCompacted(rev int64) {
	for {
		cur := s.compacted.Load()
		if rev <= cur || s.compacted.CompareAndSwap(cur, rev) {
			return
		}
	}
}

// Compact forgets the change history below rev: reads and watches at older
// revisions then fail with 410 Gone. Normally trimming is automatic
// (Config.HistoryLength); this is for operators and tests.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	start := time.Now()
	c, err := compactScript.Run(ctx, s.client, []string{s.keys.stream, s.keys.compacted, s.keys.rev, s.keys.historyBytes, s.keys.revIDs},
		rev, newRevisionToken()).Int64()
	s.recordRequest(ctx, "compact", err, start)
	if err != nil {
		return fmt.Errorf("redis storage compact to %d: %w", rev, err)
	}
	s.observeCompacted(c)
	return nil
}

// RequestWatchProgress implements storage.Interface: every watcher that asked
// for progress notifications gets a bookmark at the current revision soon.
func (s *Store) RequestWatchProgress(ctx context.Context) error {
	return s.hub.requestProgress(ctx)
}

// EnableResourceSizeEstimation implements storage.Interface. Sizes are kept
// exactly by the write scripts, so the keys function is not needed.
func (s *Store) EnableResourceSizeEstimation(getKeys storage.KeysFunc) error {
	if getKeys == nil {
		return errors.New("KeysFunc cannot be nil")
	}
	if !s.sizeEstimation.CompareAndSwap(false, true) {
		return errors.New("resource size estimation already enabled")
	}
	return nil
}

// Stats implements storage.Interface.
func (s *Store) Stats(ctx context.Context) (storage.Stats, error) {
	start := time.Now()
	res, err := statsScript.Run(ctx, s.client, []string{s.keys.index, s.keys.size}).Int64Slice()
	s.recordRequest(ctx, "stats", err, start)
	if err != nil {
		return storage.Stats{}, fmt.Errorf("redis storage stats: %w", err)
	}
	stats := storage.Stats{ObjectCount: res[0]}
	if s.sizeEstimation.Load() && res[0] > 0 {
		stats.EstimatedAverageObjectSizeBytes = res[1] / res[0]
	}
	return stats, nil
}

// Get implements storage.Interface.
func (s *Store) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	m := s.guard.mark()
	start := time.Now()
	res, err := getScript.Run(ctx, s.client, s.getKeys(preparedKey), m.seen).Slice()
	s.recordRequest(ctx, "get", err, start)
	if err != nil {
		return requestError("get", preparedKey, err)
	}
	if len(res) != 6 {
		return fmt.Errorf("redis storage get %q: malformed script reply %v", preparedKey, res)
	}
	current, _ := res[0].(int64)
	// The object handed out is at a revision up to current: the guard must have seen it.
	s.observeRead(m, current, res[3], res[4], res[5])
	if err := s.validateMinimumResourceVersion(opts.ResourceVersion, uint64(current)); err != nil {
		return err
	}
	data, ok := res[1].(string)
	if !ok {
		if opts.IgnoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(preparedKey, 0)
	}
	modRev, err := parseInt(res[2])
	if err != nil {
		return requestError("get", preparedKey, err)
	}
	plain, _, err := s.getTransformer().TransformFromStorage(ctx, []byte(data), value.DefaultContext(preparedKey))
	if err != nil {
		return storage.NewInternalError(err)
	}
	return s.decode(plain, out, modRev)
}

// getKeys are getScript's keys for preparedKey.
func (s *Store) getKeys(preparedKey string) []string {
	return []string{s.keys.rev, s.keys.object(preparedKey), s.keys.epoch, s.keys.revIDs}
}

// Create implements storage.Interface.
func (s *Store) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	if version, err := s.versioner.ObjectResourceVersion(obj); err == nil && version != 0 {
		return storage.ErrResourceVersionSetOnCreate
	}
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return fmt.Errorf("PrepareObjectForStorage failed: %w", err)
	}
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return err
	}
	if out, err = s.readsBack(data, out); err != nil {
		return err
	}
	stored, err := s.getTransformer().TransformToStorage(ctx, data, value.DefaultContext(preparedKey))
	if err != nil {
		return storage.NewInternalError(err)
	}
	uniqueValue, err := s.uniqueKeyOf(obj)
	if err != nil {
		return fmt.Errorf("redis storage create %q: %w", preparedKey, err)
	}
	res, err := s.put(ctx, "create", preparedKey, s.guard.mark(), 0, stored, ttl, uniqueValue, false)
	if err != nil {
		return err
	}
	if res.uniqueHolder != "" {
		return s.uniqueConflict(obj, res.uniqueHolder)
	}
	if !res.ok {
		return storage.NewKeyExistsError(preparedKey, 0)
	}
	return s.setRevision(out, res.rev)
}

// writeResult is the outcome of a conditional write script.
type writeResult struct {
	ok  bool
	rev int64
	// On conflict, the current state (curValue nil when absent).
	curRev   int64
	curValue []byte
	// uniqueHolder is the key holding the written unique value, when that
	// is what failed the write.
	uniqueHolder string
	// epoch is the install epoch a successful write was made in.
	epoch string
	// seenID is the fingerprint slot of the newest revision the writer had
	// seen, as the write found it.
	seenID revisionID
	// wentBack: the write was refused, and nothing written, because the store
	// went back since the writer's mark (luaWentBack); rev is then the store's
	// current revision and curID its fingerprint slot.
	wentBack bool
	curID    revisionID
}

func (s *Store) writeKeys(preparedKey string) []string {
	return []string{s.keys.rev, s.keys.index, s.keys.stream, s.keys.compacted, s.keys.size, s.keys.ttl, s.keys.unique, s.keys.object(preparedKey), s.keys.epoch, s.keys.historyBytes, s.keys.revIDs}
}

// put writes data at preparedKey if its mod revision is expectedRev (0: absent). An update
// (fenced) is refused when the store went back since m, what the guard knew before the object
// the update was computed from was read (writeResult.wentBack): expectedRev may then name
// another object than that one.
func (s *Store) put(ctx context.Context, op, preparedKey string, m epochMark, expectedRev int64, data []byte, ttl uint64, uniqueValue string, fenced bool) (writeResult, error) {
	token := newRevisionToken()
	start := time.Now()
	fence := "0"
	if fenced {
		fence = "1"
	}
	res, err := s.write(ctx, m, token, putScript, s.writeKeys(preparedKey),
		preparedKey, expectedRev, data, ttl, s.trim.maxLen, s.trim.slack, uniqueValue, s.trim.maxBytes, token, m.seen,
		fence, m.epoch, m.slot())
	s.recordRequest(ctx, op, err, start)
	if err != nil {
		return writeResult{}, requestError(op, preparedKey, err)
	}
	return s.parseWriteResult(m, token, res)
}

// parseWriteResult parses a write script's reply and shows a successful
// write's revision, epoch and fingerprints to the guard.
func (s *Store) parseWriteResult(m epochMark, token string, reply []interface{}) (writeResult, error) {
	res, err := parseWriteResult(reply)
	switch {
	case err != nil:
	case res.ok:
		s.observeWrite(m, token, res)
	case res.wentBack:
		// What the fence found resets the guard (unless a reset since the mark already did),
		// so the writer's retry, from a fresh read, is fenced by the new baseline.
		s.observeEpoch(m, observation{epoch: res.epoch, rev: res.rev, id: res.curID.of(res.rev), seenID: res.seenID.of(m.seen)})
	}
	return res, err
}

func parseWriteResult(res []interface{}) (writeResult, error) {
	if len(res) < 2 {
		return writeResult{}, fmt.Errorf("malformed script reply %v", res)
	}
	ok, _ := res[0].(int64)
	rev, _ := res[1].(int64)
	if ok == 3 {
		if len(res) < 6 {
			return writeResult{}, fmt.Errorf("malformed script reply %v", res)
		}
		r := writeResult{wentBack: true, rev: rev, seenID: parseRevisionID(res[4]), curID: parseRevisionID(res[5])}
		r.epoch, _ = res[3].(string)
		return r, nil
	}
	if ok == 2 {
		var holder string
		if len(res) > 2 {
			holder, _ = res[2].(string)
		}
		if holder == "" {
			return writeResult{}, fmt.Errorf("malformed script reply %v", res)
		}
		return writeResult{uniqueHolder: holder}, nil
	}
	if ok == 1 {
		r := writeResult{ok: true, rev: rev}
		if len(res) > 2 {
			if v, isStr := res[2].(string); isStr {
				r.curValue = []byte(v)
			}
		}
		if len(res) > 3 {
			r.epoch, _ = res[3].(string)
		}
		if len(res) > 4 {
			r.seenID = parseRevisionID(res[4])
		}
		return r, nil
	}
	r := writeResult{curRev: rev}
	if len(res) > 2 {
		if v, isStr := res[2].(string); isStr {
			r.curValue = []byte(v)
		}
	}
	return r, nil
}

// readsBack decodes data, an object about to be written, into out (a new object when out is
// nil) and returns it: what is written must read back, or every read that meets it fails, a
// list of the whole resource included, for every tenant. A value that encodes but does not
// decode (a time whose UTC year has five digits, which metav1.Time writes and cannot parse) is
// refused here, whatever field or kind holds it, and nothing is written. The decode is the
// one the write's answer needs anyway; setRevision gives it its revision once written.
func (s *Store) readsBack(data []byte, out runtime.Object) (runtime.Object, error) {
	if out == nil {
		out = s.newFunc()
	}
	if err := emptied(out); err != nil {
		return nil, err
	}
	if _, _, err := s.codec.Decode(data, nil, out); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the object cannot be stored: it would not read back: %v", err))
	}
	return out, nil
}

// setRevision gives out the revision it was written or read at.
func (s *Store) setRevision(out runtime.Object, rev int64) error {
	if err := s.versioner.UpdateObject(out, uint64(rev)); err != nil {
		return fmt.Errorf("setting resourceVersion %d: %w", rev, err)
	}
	return nil
}

func (s *Store) decode(data []byte, out runtime.Object, rev int64) error {
	if err := emptied(out); err != nil {
		return err
	}
	if _, _, err := s.codec.Decode(data, nil, out); err != nil {
		return err
	}
	return s.setRevision(out, rev)
}

// emptied zeroes out before a decode into it: decoding into an object merges (what the data
// leaves out keeps what out held), and an update may decode into its destination more than
// once (readsBack before a write that then conflicts, the answer after).
func emptied(out runtime.Object) error {
	if err := runtime.SetZeroValue(out); err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %w", err)
	}
	return nil
}

// validateMinimumResourceVersion enforces "not older than": data we can
// serve is at actualRevision, so a larger minimum is answered with 504 and a
// Retry-After, exactly like etcd3.
func (s *Store) validateMinimumResourceVersion(minimumResourceVersion string, actualRevision uint64) error {
	if minimumResourceVersion == "" {
		return nil
	}
	minimumRV, err := s.versioner.ParseResourceVersion(minimumResourceVersion)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
	}
	if minimumRV > actualRevision {
		return storage.NewTooLargeResourceVersionError(minimumRV, actualRevision, 0)
	}
	return nil
}

func parseInt(v interface{}) (int64, error) {
	switch t := v.(type) {
	case int64:
		return t, nil
	case string:
		return strconv.ParseInt(t, 10, 64)
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("unexpected %T in script reply", v)
}

func (s *Store) logger() klog.Logger {
	return klog.Background().WithValues("storage", "redis", "resource", s.groupResource.String())
}
