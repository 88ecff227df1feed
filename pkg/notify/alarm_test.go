package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

const (
	alarmID      = "5f768e89-2ae1-477d-9978-173056154d5d"
	globalCloud  = "da4698ba-c8a7-429d-ae16-484f15f282c5"
	alarmDefID   = "a3a505c7-84dc-4cff-baf8-36f33b3e70fc"
	alarmCauseID = "b3cd1cc7-8e5c-42fe-aaf5-59fd94e33a8a"
)

// alarm is an AlarmEventRecord about the resource resourceID in ns, raised as MAJOR.
func alarm(ns string, rv int, mutate func(*v1alpha1.AlarmEventRecordStatus)) *v1alpha1.AlarmEventRecord {
	raised := metav1.NewTime(time.Date(2042, 7, 21, 20, 32, 28, 0, time.UTC))
	a := &v1alpha1.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "a", UID: types.UID("alarm-uid-" + ns), ResourceVersion: fmt.Sprint(rv)},
		Spec: v1alpha1.AlarmEventRecordSpec{AlarmEventRecordID: alarmID, Source: v1alpha1.AlarmSource{Name: "test", Key: "k"},
			ObjectClass: "Resource", ObjectID: resourceID, AlarmDefinitionID: alarmDefID, ProbableCauseID: alarmCauseID,
			AlarmName:  "CLUSTERNODE_MAJOR",
			Extensions: v1alpha1.Extensions{"node": {Raw: []byte(`"n1"`)}, "apiToken": {Raw: []byte(`"t0k"`)}}},
		Status: v1alpha1.AlarmEventRecordStatus{PerceivedSeverity: v1alpha1.PerceivedSeverityMajor, AlarmRaisedTime: &raised, Text: "down"},
	}
	if mutate != nil {
		mutate(&a.Status)
	}
	return a
}

func TestAlarmEvents(t *testing.T) {
	now := metav1.Now()
	severity := func(s v1alpha1.PerceivedSeverity) func(*v1alpha1.AlarmEventRecordStatus) {
		return func(st *v1alpha1.AlarmEventRecordStatus) { st.PerceivedSeverity = s }
	}
	ack := func(st *v1alpha1.AlarmEventRecordStatus) {
		st.AlarmAcknowledged, st.AlarmAcknowledgedTime, st.AcknowledgedBy = true, &now, "smo"
	}
	both := func(fs ...func(*v1alpha1.AlarmEventRecordStatus)) func(*v1alpha1.AlarmEventRecordStatus) {
		return func(st *v1alpha1.AlarmEventRecordStatus) {
			for _, f := range fs {
				f(st)
			}
		}
	}
	cleared := severity(v1alpha1.PerceivedSeverityCleared)
	for _, tc := range []struct {
		name        string
		typ         EventType
		prior, post func(*v1alpha1.AlarmEventRecordStatus)
		want        []AlarmEventType
	}{
		{"created", Create, nil, nil, []AlarmEventType{AlarmNew}},
		{"created already cleared is still new", Create, nil, cleared, []AlarmEventType{AlarmNew}},
		{"severity raised", Modify, nil, severity(v1alpha1.PerceivedSeverityCritical), []AlarmEventType{AlarmChange}},
		{"text changed while active", Modify, nil, func(st *v1alpha1.AlarmEventRecordStatus) { st.Text = "still down" }, []AlarmEventType{AlarmChange}},
		{"cleared", Modify, nil, cleared, []AlarmEventType{AlarmClear}},
		{"cleared with a new text is one CLEAR", Modify, nil, both(cleared, func(st *v1alpha1.AlarmEventRecordStatus) { st.Text = "gone" }), []AlarmEventType{AlarmClear}},
		{"acknowledged", Modify, nil, ack, []AlarmEventType{AlarmAcknowledge}},
		{"cleared and acknowledged at once", Modify, nil, both(cleared, ack), []AlarmEventType{AlarmClear, AlarmAcknowledge}},
		{"changed and acknowledged at once", Modify, nil, both(severity(v1alpha1.PerceivedSeverityMinor), ack), []AlarmEventType{AlarmChange, AlarmAcknowledge}},
		{"raised again from cleared", Modify, cleared, nil, []AlarmEventType{AlarmChange}},
		{"text of a cleared alarm", Modify, cleared, both(cleared, func(st *v1alpha1.AlarmEventRecordStatus) { st.Text = "x" }), nil},
		{"acknowledged again", Modify, ack, ack, nil},
		{"status unchanged (metadata, operator request)", Modify, nil, nil, nil},
		{"deleted (retention, purge)", Delete, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prior, post := alarm("ns", 5, tc.prior), alarm("ns", 6, tc.post)
			ev := event(tc.typ, prior, post)
			switch tc.typ {
			case Create:
				ev.Prior = nil
			case Delete:
				ev.Post = nil
			}
			if got := AlarmEvents(ev); !slices.Equal(got, tc.want) {
				t.Errorf("AlarmEvents = %v, want %v", got, tc.want)
			}
		})
	}
}

func alarmSub(t *testing.T, ns, filter string, version int, subscriber *v1alpha1.SubscriberInfo) *Subscription {
	t.Helper()
	s, err := CompileAlarm(&v1alpha1.AlarmSubscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "s", UID: types.UID("alarm-sub-" + ns),
			Annotations: map[string]string{v1alpha1.AnnotationNotificationVersion: fmt.Sprint(version)}},
		Spec: v1alpha1.AlarmSubscriptionSpec{AlarmSubscriptionID: "16d5fc54-cee0-4532-9826-2369f8240e1b",
			ConsumerSubscriptionID: consumerID, Filter: filter, Callback: "https://smo.example.com/alarms", Subscriber: subscriber},
	}, "o2ims-system")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rendered returns the event types of the notifications sub gets for ev.
func rendered(t *testing.T, sub *Subscription, ev *Event) []AlarmEventType {
	t.Helper()
	var out []AlarmEventType
	err := newAlarmDocs(ev, nil).render(sub, access{}, func(_ string, body []byte) {
		var n struct{ NotificationEventType AlarmEventType }
		if err := json.Unmarshal(body, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n.NotificationEventType)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAlarmFilterExcludes(t *testing.T) {
	clearAndAck := event(Modify, alarm("ns", 5, nil), alarm("ns", 6, func(st *v1alpha1.AlarmEventRecordStatus) {
		st.PerceivedSeverity, st.AlarmAcknowledged = v1alpha1.PerceivedSeverityCleared, true
	}))
	created := event(Create, nil, alarm("ns", 4, nil))
	for _, tc := range []struct {
		filter   string
		version  int
		want     []AlarmEventType // for clearAndAck
		wantNew  bool
		wantNote bool
	}{
		{"", 1, []AlarmEventType{AlarmClear, AlarmAcknowledge}, true, false},
		{"CLEAR", 1, []AlarmEventType{AlarmAcknowledge}, true, false},
		{"ACKNOWLEDGE", 1, []AlarmEventType{AlarmClear}, true, false},
		{"NEW", 1, []AlarmEventType{AlarmClear, AlarmAcknowledge}, false, false},
		// 1.0.0 knows one name, exactly: anything else is not understood and excludes nothing.
		{"CLEAR,ACKNOWLEDGE", 1, []AlarmEventType{AlarmClear, AlarmAcknowledge}, true, true},
		{"clear", 1, []AlarmEventType{AlarmClear, AlarmAcknowledge}, true, true},
		{"CLEAR", 2, []AlarmEventType{AlarmAcknowledge}, true, false},
		{"clear, acknowledge", 2, nil, true, false},
		{"0,3", 2, []AlarmEventType{AlarmClear}, false, false},
		{"NEW,2", 2, []AlarmEventType{AlarmAcknowledge}, false, false},
		{"(eq,perceivedSeverity,0)", 2, []AlarmEventType{AlarmClear, AlarmAcknowledge}, true, true},
		{"4", 2, []AlarmEventType{AlarmClear, AlarmAcknowledge}, true, true},
	} {
		t.Run(fmt.Sprintf("v%d %q", tc.version, tc.filter), func(t *testing.T) {
			sub := alarmSub(t, "ns", tc.filter, tc.version, &v1alpha1.SubscriberInfo{Username: "smo"})
			if got := rendered(t, sub, clearAndAck); !slices.Equal(got, tc.want) {
				t.Errorf("clear+ack sent as %v, want %v", got, tc.want)
			}
			if got := len(rendered(t, sub, created)) == 1; got != tc.wantNew {
				t.Errorf("NEW sent = %v, want %v", got, tc.wantNew)
			}
			if (sub.FilterNote != "") != tc.wantNote {
				t.Errorf("filter note %q, want one: %v", sub.FilterNote, tc.wantNote)
			}
		})
	}
}

// The note of a filter that is not understood is the status.lastError while deliveries
// succeed; a delivery failure takes precedence, and the note returns with the recovery.
func TestFilterNoteInStatus(t *testing.T) {
	s := &stats{}
	if !s.setNote("filter not understood") || s.snapshot().LastError != "filter not understood" {
		t.Fatalf("note not shown: %+v", s.snapshot())
	}
	s.failure(time.Now(), &StatusError{Code: 503})
	if s.snapshot().LastError != "HTTP 503" {
		t.Errorf("failure hidden by the note: %q", s.snapshot().LastError)
	}
	s.success(time.Now())
	if s.snapshot().LastError != "filter not understood" {
		t.Errorf("note not back after recovery: %q", s.snapshot().LastError)
	}
	if !s.setNote("") || s.snapshot().LastError != "" {
		t.Errorf("fixed filter still reported: %q", s.snapshot().LastError)
	}
}

func TestAlarmBodies(t *testing.T) {
	schemas := modeltest.New(t)
	ack := alarm("ns", 6, func(st *v1alpha1.AlarmEventRecordStatus) {
		now := metav1.NewTime(time.Date(2042, 7, 21, 22, 0, 0, 0, time.UTC))
		st.AlarmAcknowledged, st.AlarmAcknowledgedTime = true, &now
	})
	// The O-Cloud itself: no type, a bare record.
	bare := &v1alpha1.AlarmEventRecord{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b", UID: "b", ResourceVersion: "3",
		CreationTimestamp: metav1.NewTime(time.Date(2042, 1, 1, 0, 0, 0, 0, time.UTC))},
		Spec: v1alpha1.AlarmEventRecordSpec{ObjectClass: "OCloud"}}
	// A CLEAR: the record has alarmClearedTime, which the v2 notification does not carry.
	cleared := alarm("ns", 7, func(st *v1alpha1.AlarmEventRecordStatus) {
		at := metav1.NewTime(time.Date(2042, 7, 21, 23, 0, 0, 0, time.UTC))
		st.PerceivedSeverity, st.AlarmClearedTime, st.AlarmChangedTime = v1alpha1.PerceivedSeverityCleared, &at, &at
	})
	for _, ev := range []*Event{event(Create, nil, alarm("ns", 5, nil)), event(Modify, alarm("ns", 5, nil), ack),
		event(Modify, alarm("ns", 5, nil), cleared), event(Create, nil, bare)} {
		for _, version := range []int{1, 2} {
			sub := alarmSub(t, "ns", "", version, &v1alpha1.SubscriberInfo{Username: "smo"})
			d := newAlarmDocs(ev, related{globalCloud})
			var bodies [][]byte
			if err := d.render(sub, access{}, func(id string, body []byte) {
				if id != notificationID(sub.UID, ev, int(AlarmEvents(ev)[len(bodies)])) {
					t.Errorf("notification id %s is not derived from the change", id)
				}
				bodies = append(bodies, body)
			}); err != nil || len(bodies) != 1 {
				t.Fatalf("v%d: %d bodies, err %v", version, len(bodies), err)
			}
			var n map[string]any
			if err := json.Unmarshal(bodies[0], &n); err != nil {
				t.Fatal(err)
			}
			ref := "/o2ims-infrastructureMonitoring/v" + fmt.Sprint(version) + "/alarms/"
			if n["consumerSubscriptionId"] != consumerID || n["notificationEventType"] != float64(AlarmEvents(ev)[0]) ||
				n["objectRef"] != ref+orNil(ev.Post.(*v1alpha1.AlarmEventRecord).Spec.AlarmEventRecordID) {
				t.Errorf("v%d: header fields %s", version, bodies[0])
			}
			if ext, ok := n["extensions"].(map[string]any); !ok || (len(ext) > 0 && ext["apiToken"] != "REDACTED") {
				t.Errorf("v%d: extensions not redacted: %v", version, n["extensions"])
			}
			if version == 1 {
				schemas.Validate(t, 1, "AlarmEventNotification", bodies[0])
				if n["globalCloudID"] != globalCloud {
					t.Errorf("v1 globalCloudID %v", n["globalCloudID"])
				}
				continue
			}
			// netweave's description of spec v10 admits exactly the notification's attributes.
			schemas.Validate(t, 2, "AlarmEventNotification", bodies[0])
			// Its cardinality 1 stands for "once acknowledged": the time is there exactly then.
			if _, has := n["alarmAcknowledgeTime"]; has != (ev.Post.(*v1alpha1.AlarmEventRecord).Status.AlarmAcknowledgedTime != nil) {
				t.Errorf("v2 alarmAcknowledgeTime present=%v for %s", has, bodies[0])
			}
			if n["globalCloudId"] != globalCloud {
				t.Errorf("v2 globalCloudId %v", n["globalCloudId"])
			}
		}
	}
}

// related is a Related that only knows the globalCloudId.
type related struct{ globalCloudID string }

func (related) SitesAt(string, string) []string { return nil }
func (related) PoolsIn(string, string) []string { return nil }
func (r related) GlobalCloudID() string         { return r.globalCloudID }

// alarmRig is a replay rig with an alarm subscription set and an authorizer.
func alarmRig(t *testing.T, r rbac) *replayRig {
	rig := newReplayRig(t)
	rig.n.vis = newVisibility(r.authorizer(), nil)
	rig.n.subs[alarmFamily] = &subscriptions{workers: map[string]*worker{}, delivery: rig.n.delivery, admit: rig.n.admit}
	return rig
}

func (r *replayRig) add(t *testing.T, sub *Subscription) {
	t.Helper()
	set := r.n.subs[sub.family]
	w := newWorker(r.n.delivery, sub, v1alpha1.InventorySubscriptionStatus{})
	set.admit(context.Background(), w, "1", func() { set.insert(sub.Key(), w) })
}

func (r *replayRig) emitAll(t *testing.T, evs ...*Event) {
	t.Helper()
	for _, ev := range evs {
		ev.Observed = time.Now()
		if err := r.n.emit(context.Background(), ev, []byte("{}"), ""); err != nil {
			t.Fatal(err)
		}
	}
}

// Alarm subscriptions follow the inventory tenancy rule, and the two families never mix.
func TestAlarmTenancy(t *testing.T) {
	r := alarmRig(t, rbac{
		"alice": {"tenant-a": true},
		"bob":   {"tenant-b": true},
		"smo":   {"tenant-a": true, "o2ims-system": true},
		"admin": {"tenant-a": true, "tenant-b": true, "ns": true},
	})
	subA := alarmSub(t, "tenant-a", "", 1, &v1alpha1.SubscriberInfo{Username: "alice"})
	// bob's subscription in tenant-b, and one bob made in tenant-a (where he may read nothing).
	subB := alarmSub(t, "tenant-b", "", 1, &v1alpha1.SubscriberInfo{Username: "bob"})
	subBInA := alarmSub(t, "tenant-a", "", 1, &v1alpha1.SubscriberInfo{Username: "bob"})
	subBInA.UID, subBInA.Name = "bob-in-a", "bob"
	subSMO := alarmSub(t, "o2ims-system", "", 2, &v1alpha1.SubscriberInfo{Username: "smo"})
	// An admin-made subscription in tenant-b stays in tenant-b.
	subAdminB := alarmSub(t, "tenant-b", "", 1, &v1alpha1.SubscriberInfo{Username: "admin"})
	subAdminB.UID, subAdminB.Name = "admin-in-b", "admin"
	ownerless := alarmSub(t, "o2ims-system", "", 1, nil)
	ownerless.UID, ownerless.Name = "ownerless", "ownerless"
	inventory := compiled(t, "o2ims-system", &v1alpha1.SubscriberInfo{Username: "admin"}, nil)
	for _, s := range []*Subscription{subA, subB, subBInA, subSMO, subAdminB, ownerless, inventory} {
		r.add(t, s)
	}
	r.emitAll(t,
		event(Create, nil, alarm("tenant-a", 10, nil)),
		event(Create, nil, alarm("tenant-b", 11, nil)),
		event(Create, nil, pool("x")),
	)
	for _, tc := range []struct {
		sub  *Subscription
		want int
	}{
		{subA, 1}, {subB, 1}, {subBInA, 0}, {subSMO, 1}, {subAdminB, 1}, {ownerless, 0},
		// The inventory subscription gets the pool, not the alarms its owner may read too.
		{inventory, 1},
	} {
		if got := len(r.queue(tc.sub.UID)); got != tc.want {
			t.Errorf("%s (%s): %d notifications, want %d", tc.sub.Key(), tc.sub.Subscriber, got, tc.want)
		}
	}
	// Subscriptions the notifier learns of late replay their own family's changes only.
	lateAlarms := alarmSub(t, "o2ims-system", "", 1, &v1alpha1.SubscriberInfo{Username: "admin"})
	lateAlarms.UID, lateAlarms.Name = "late-alarms", "late-alarms"
	lateInventory := compiled(t, "o2ims-system", &v1alpha1.SubscriberInfo{Username: "admin"}, nil)
	lateInventory.UID, lateInventory.Name = "late-inventory", "late-inventory"
	r.add(t, lateAlarms)
	r.add(t, lateInventory)
	if a, i := len(r.queue(lateAlarms.UID)), len(r.queue(lateInventory.UID)); a != 2 || i != 1 {
		t.Errorf("late subscriptions replayed %d alarms (want 2) and %d inventory changes (want 1)", a, i)
	}
	// Which alarm each got: the one of its namespace.
	wantID := func(sub *Subscription, ns string) string {
		return notificationID(sub.UID, event(Create, nil, alarm(ns, map[string]int{"tenant-a": 10, "tenant-b": 11}[ns], nil)), int(AlarmNew))
	}
	for sub, ns := range map[*Subscription]string{subA: "tenant-a", subB: "tenant-b", subSMO: "tenant-a", subAdminB: "tenant-b"} {
		if q := r.queue(sub.UID); len(q) == 1 && q[0] != wantID(sub, ns) {
			t.Errorf("%s received an alarm of another namespace", sub.Key())
		}
	}
}
