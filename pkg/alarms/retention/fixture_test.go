package retention

import (
	"context"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	"github.com/netweave-io/netweave/generated/informers/externalversions"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a controller over a fake API whose deletes honour preconditions, as the real
// storage does. Its informers are not started unless a test runs the controller: refresh
// fills the caches from the fake API, as in client-go's sample-controller tests.
type fixture struct {
	t     *testing.T
	o2    *o2fake.Clientset
	inf   externalversions.SharedInformerFactory
	clock *testingclock.FakeClock
	c     *Controller
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{t: t, o2: o2fake.NewSimpleClientset(objs...), clock: testingclock.NewFakeClock(t0)}
	f.o2.PrependReactor("delete", "alarmeventrecords", func(a k8stesting.Action) (bool, runtime.Object, error) {
		d := a.(k8stesting.DeleteAction)
		pre := d.GetDeleteOptions().Preconditions
		live, err := f.o2.Tracker().Get(a.GetResource(), a.GetNamespace(), d.GetName())
		if err != nil || pre == nil || pre.ResourceVersion == nil {
			return false, nil, nil
		}
		if rv := live.(metav1.Object).GetResourceVersion(); rv != *pre.ResourceVersion {
			return true, nil, apierrors.NewConflict(a.GetResource().GroupResource(), d.GetName(),
				errString("precondition failed: resourceVersion "+*pre.ResourceVersion+", object has "+rv))
		}
		return false, nil, nil
	})
	f.inf = externalversions.NewSharedInformerFactory(f.o2, 0)
	var err error
	f.c, err = New(f.o2, f.inf, Config{Clock: f.clock, FieldManager: "test", MaxPurgeAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// watching returns a channel closed once an informer's watch of resource is established. The
// fake API's watches do not resume from a resourceVersion: a change made after an informer's
// list and before its watch reaches no one, so a test that changes an object under a running
// controller waits for this first.
func (f *fixture) watching(resource string) <-chan struct{} {
	started := make(chan struct{})
	var once sync.Once
	f.o2.PrependWatchReactor(resource, func(a k8stesting.Action) (bool, watch.Interface, error) {
		var opts metav1.ListOptions
		if w, ok := a.(k8stesting.WatchActionImpl); ok {
			opts = w.ListOptions
		}
		w, err := f.o2.Tracker().Watch(a.GetResource(), a.GetNamespace(), opts)
		if err == nil {
			once.Do(func() { close(started) })
		}
		return true, w, err
	})
	return started
}

type errString string

func (e errString) Error() string { return string(e) }

// refresh makes the caches what the fake API holds.
func (f *fixture) refresh() {
	f.t.Helper()
	ctx := context.Background()
	o2 := f.inf.O2ims().V1alpha1()
	c := f.o2.O2imsV1alpha1()
	records, err := c.AlarmEventRecords("").List(ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	configs, err := c.AlarmServiceConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	purges, err := c.AlarmPurges("").List(ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	replace(f.t, o2.AlarmEventRecords().Informer().GetIndexer(), records.Items)
	replace(f.t, o2.AlarmServiceConfigurations().Informer().GetIndexer(), configs.Items)
	replace(f.t, o2.AlarmPurges().Informer().GetIndexer(), purges.Items)
}

func replace[T any, P interface{ *T }](t *testing.T, idx cache.Indexer, items []T) {
	objs := make([]any, 0, len(items))
	for i := range items {
		objs = append(objs, P(&items[i]))
	}
	if err := idx.Replace(objs, ""); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) exists(namespace, name string) bool {
	f.t.Helper()
	_, err := f.o2.O2imsV1alpha1().AlarmEventRecords(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		f.t.Fatal(err)
	}
	return err == nil
}

func config(days int32) *v1alpha1.AlarmServiceConfiguration {
	return &v1alpha1.AlarmServiceConfiguration{ObjectMeta: metav1.ObjectMeta{Name: configName, ResourceVersion: "1"},
		Spec: v1alpha1.AlarmServiceConfigurationSpec{RetentionPeriod: &days}}
}

// record is an alarm of namespace named (and identified by) id, cleared clearedAgo before t0
// when clearedAgo > 0, acknowledged when acked.
func record(namespace, id string, clearedAgo time.Duration, acked bool) *v1alpha1.AlarmEventRecord {
	raised := metav1.NewTime(t0.Add(-clearedAgo - time.Hour))
	r := &v1alpha1.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: id, UID: types.UID("uid-" + id), ResourceVersion: "1"},
		Spec:       v1alpha1.AlarmEventRecordSpec{AlarmEventRecordID: id},
		Status: v1alpha1.AlarmEventRecordStatus{PerceivedSeverity: v1alpha1.PerceivedSeverityMajor,
			AlarmRaisedTime: &raised, AlarmAcknowledged: acked},
	}
	if clearedAgo > 0 {
		at := metav1.NewTime(t0.Add(-clearedAgo))
		r.Status.PerceivedSeverity = v1alpha1.PerceivedSeverityCleared
		r.Status.AlarmClearedTime = &at
	}
	return r
}

func durationDays(d float64) time.Duration { return time.Duration(d * float64(day)) }
