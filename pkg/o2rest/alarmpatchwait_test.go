package o2rest

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	k8stesting "k8s.io/client-go/testing"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/internal/goroutines"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// TestRegressionAlarmAckShownAfterLostRace: docs/o2ims.md promises that an alarm whose
// acknowledgement was accepted shows acknowledged at once. The PATCH looked the alarm up in
// its cache (version 5), lost the race to another writer (the recorder, version 150), made
// the acknowledgement on that version (151) and then waited only for the cache to show any
// version other than 5: the other writer's 150 ended the wait, and the caller's next GET
// showed the alarm not acknowledged. The wait must be for the caller's own version or a
// later one.
//
// The interleaving is fixed, not timed: the other writer's version is in the cache before
// the PATCH starts waiting, and the caller's version reaches the cache (the tracker, which
// feeds the informers) only once the handler is seen blocked in its wait, or after it has
// answered.
func TestRegressionAlarmAckShownAfterLostRace(t *testing.T) {
	e := newMonitoringEnv(t)
	tracker := e.client.Tracker()
	gvr := o2v1.SchemeGroupVersion.WithResource("alarmeventrecords")
	cachedVersion := func() string {
		obj, ok := e.source.Get(source.AlarmEventRecord, alarmA)
		if !ok {
			return ""
		}
		return obj.(*o2v1.AlarmEventRecord).ResourceVersion
	}
	var (
		mu      sync.Mutex
		calls   int
		written *o2v1.AlarmEventRecord // the caller's write, committed but not yet watched
	)
	e.client.PrependReactor("update", "alarmeventrecords", func(a k8stesting.Action) (bool, k8sruntime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		switch calls {
		case 1:
			// Another writer gets there first; its version reaches the cache before the
			// caller's write goes on (the monitoring env's reactor then refuses it: 409).
			stored, err := tracker.Get(gvr, "tenant-a", "worker-1-ready")
			if err != nil {
				return true, nil, err
			}
			other := stored.(*o2v1.AlarmEventRecord).DeepCopy()
			other.Status.PerceivedSeverity = o2v1.PerceivedSeverityCritical
			other.ResourceVersion = "150"
			if err := tracker.Update(gvr, other, "tenant-a"); err != nil {
				return true, nil, err
			}
			if err := wait.PollUntilContextTimeout(context.Background(), time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
				return cachedVersion() == "150", nil
			}); err != nil {
				t.Error("the other writer's version did not reach the cache")
			}
			return false, nil, nil
		case 2:
			// The caller's retry on the other writer's version: committed, but its watch
			// event is held back.
			obj := a.(k8stesting.UpdateAction).GetObject().(*o2v1.AlarmEventRecord)
			if obj.ResourceVersion != "150" {
				t.Errorf("retry on version %s, want 150", obj.ResourceVersion)
			}
			written = obj.DeepCopy()
			written.ResourceVersion = "151"
			return true, written.DeepCopy(), nil
		}
		return false, nil, nil
	})

	answered := make(chan response, 1)
	go func() {
		answered <- e.doWith("PATCH", "alice-token", monitoring+"/v1/alarms/"+alarmA, mergePatchType, `{"alarmAcknowledged":true}`)
	}()
	var r response
	var got bool
	if err := wait.PollUntilContextTimeout(context.Background(), time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		select {
		case r = <-answered:
			got = true
			return true, nil
		default:
		}
		return handlerAwaitingCache(), nil
	}); err != nil {
		t.Fatal("the PATCH neither answered nor waited for its write")
	}
	// What the caller reads as soon as it has its answer: the cache as the handler left it.
	// When the handler waited, the caller's version reaches the cache now, before the answer.
	mu.Lock()
	w := written
	mu.Unlock()
	if w == nil {
		t.Fatal("the PATCH did not write")
	}
	if !got {
		if err := tracker.Update(gvr, w, "tenant-a"); err != nil {
			t.Fatal(err)
		}
		r = <-answered
	}
	e.expect(r, http.StatusOK, "ack after a lost race")
	if etag := r.header.Get("ETag"); etag != `"151"` {
		t.Errorf("ETag %s, want the caller's version \"151\"", etag)
	}
	g := e.do(http.MethodGet, "alice-token", monitoring+"/v1/alarms/"+alarmA, "")
	e.expect(g, http.StatusOK, "GET after the ack")
	if doc := decodeObject(t, g.body); doc["alarmAcknowledged"] != true {
		t.Errorf("GET right after an accepted ack (answered with ETag %s) shows the alarm not acknowledged (ETag %s): %s",
			r.header.Get("ETag"), g.header.Get("ETag"), g.body)
	}
}

// handlerAwaitingCache reports whether a goroutine of patchAlarm is blocked in the handler's
// cache wait: its first look at the cache did not end the wait.
func handlerAwaitingCache() bool {
	return len(goroutines.In(" [select", "wait.loopConditionUntilContext", "(*handler).await", "(*handler).patchAlarm")) > 0
}
