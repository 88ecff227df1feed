package recorder

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/alarms"
)

// restateCounter is a source that counts the restatements asked of it.
type restateCounter struct {
	name     string
	restates atomic.Int32
	asked    chan struct{}
}

func newRestateCounter(name string) *restateCounter {
	return &restateCounter{name: name, asked: make(chan struct{}, 16)}
}

func (s *restateCounter) Name() string                           { return s.name }
func (s *restateCounter) Run(context.Context, alarms.Sink) error { return nil }
func (s *restateCounter) Restate() {
	s.restates.Add(1)
	s.asked <- struct{}{}
}

func vanishingRecord(name, source string, severity v1alpha1.PerceivedSeverity) *v1alpha1.AlarmEventRecord {
	return &v1alpha1.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: inventoryNS, ResourceVersion: "5"},
		Spec:       v1alpha1.AlarmEventRecordSpec{Source: v1alpha1.AlarmSource{Name: source, Key: name}},
		Status:     v1alpha1.AlarmEventRecordStatus{PerceivedSeverity: severity},
	}
}

// TestRegressionWipedAlarmIsRestated: after Redis lost its data under a running netweave, the
// alarm of a node still NotReady came back only at the node source's next periodic
// restatement, ten minutes later (an hour for a certificate). The records informer relists
// after the wipe's 410 and finds the alarm gone without a deletion: its source is asked to
// restate now. A deletion the informer saw (an operator's) asks nothing.
func TestRegressionWipedAlarmIsRestated(t *testing.T) {
	nodes, certs := newRestateCounter("node-conditions"), newRestateCounter("certificates")
	var lists atomic.Int32
	watches := make(chan *watch.FakeWatcher, 2)
	lw := &listOnlyWatch{ListWatch: &cache.ListWatch{
		ListWithContextFunc: func(context.Context, metav1.ListOptions) (runtime.Object, error) {
			if lists.Add(1) == 1 {
				return &v1alpha1.AlarmEventRecordList{ListMeta: metav1.ListMeta{ResourceVersion: "10"}, Items: []v1alpha1.AlarmEventRecord{
					*vanishingRecord("node-down", "node-conditions", v1alpha1.PerceivedSeverityCritical),
					*vanishingRecord("cert-expiring", "certificates", v1alpha1.PerceivedSeverityMajor),
				}}, nil
			}
			// The store was wiped: nothing is there any more.
			return &v1alpha1.AlarmEventRecordList{ListMeta: metav1.ListMeta{ResourceVersion: "3"}}, nil
		},
		WatchFuncWithContext: func(context.Context, metav1.ListOptions) (watch.Interface, error) {
			w := watch.NewFake()
			watches <- w
			return w, nil
		},
	}}
	records := cache.NewSharedIndexInformer(lw, &v1alpha1.AlarmEventRecord{}, 0, cache.Indexers{})
	if err := RestateVanished(records, []alarms.Source{nodes, certs}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go records.Run(stop)
	if !cache.WaitForCacheSync(stop, records.HasSynced) {
		t.Fatal("not synced")
	}
	w := <-watches
	// An operator deletes the certificate alarm: seen, so nothing is restated for it.
	deleted := vanishingRecord("cert-expiring", "certificates", v1alpha1.PerceivedSeverityMajor)
	deleted.ResourceVersion = "11"
	w.Delete(deleted)
	// The wipe: the watch ends with 410 and the informer lists again.
	w.Error(&metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired, Message: "the store was wiped"})
	select {
	case <-nodes.asked:
	case <-time.After(30 * time.Second):
		t.Fatal("the node source was not asked to restate the alarm the wipe took")
	}
	// One handler hears its events in order: the seen deletion came before the relist.
	if n := certs.restates.Load(); n != 0 {
		t.Errorf("the certificate source was asked to restate %d times after a deletion it saw", n)
	}
}

// TestVanishedClearedAlarmRestatesNothing: a cleared alarm that vanished (the retention purge
// ran while the watch was down) has no fault to restate.
func TestVanishedClearedAlarmRestatesNothing(t *testing.T) {
	nodes := newRestateCounter("node-conditions")
	records := cache.NewSharedIndexInformer(&cache.ListWatch{}, &v1alpha1.AlarmEventRecord{}, 0, cache.Indexers{})
	var handler cache.ResourceEventHandler
	// The handler is taken from a registration on a recording informer, so the same function
	// the live path uses is called directly, without ordering across handlers.
	rec := &recordingInformer{SharedIndexInformer: records, added: &handler}
	if err := RestateVanished(rec, []alarms.Source{nodes}); err != nil {
		t.Fatal(err)
	}
	handler.OnDelete(cache.DeletedFinalStateUnknown{Key: "o2ims-system/old", Obj: vanishingRecord("old", "node-conditions", v1alpha1.PerceivedSeverityCleared)})
	handler.OnDelete(cache.DeletedFinalStateUnknown{Key: "o2ims-system/other", Obj: vanishingRecord("other", "nobody", v1alpha1.PerceivedSeverityCritical)})
	if n := nodes.restates.Load(); n != 0 {
		t.Errorf("restated %d times for a cleared alarm or another source's", n)
	}
	handler.OnDelete(cache.DeletedFinalStateUnknown{Key: "o2ims-system/live", Obj: vanishingRecord("live", "node-conditions", v1alpha1.PerceivedSeverityMinor)})
	if n := nodes.restates.Load(); n != 1 {
		t.Errorf("restated %d times for an active alarm that vanished, want 1", n)
	}
}

// recordingInformer keeps the handler registered with it.
type recordingInformer struct {
	cache.SharedIndexInformer
	added *cache.ResourceEventHandler
}

func (r *recordingInformer) AddEventHandler(h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error) {
	*r.added = h
	return nil, nil
}

// listOnlyWatch is a ListWatch without the streaming list (sendInitialEvents): the test's
// fake watches send no initial events, so the reflector must list.
type listOnlyWatch struct{ *cache.ListWatch }

func (*listOnlyWatch) IsWatchListSemanticsUnSupported() bool { return true }
