package fairqueue

import (
	"fmt"
	"reflect"
	"testing"

	"k8s.io/client-go/util/workqueue"
)

// TestRegressionOneTenantsBurstDelaysEveryOther: the O2-DMS and provisioning controllers'
// queues were first in, first out, so a tenant that applied 200 NfDeployments at once held
// another tenant's one NfDeployment, applied a moment later, behind all 200 (with a target
// that takes a minute per request, for over an hour). Keys now take turns by namespace: the
// other tenant's is the second handed out.
func TestRegressionOneTenantsBurstDelaysEveryOther(t *testing.T) {
	q := NewRateLimiting("", workqueue.DefaultTypedControllerRateLimiter[string](), 2)
	defer q.ShutDown()
	for i := range 200 {
		q.Add(fmt.Sprintf("tenant-a/nf-%d", i))
	}
	q.Add("tenant-b/nf")
	var got []string
	for range 3 {
		key, _ := q.Get()
		got = append(got, key)
		q.Done(key)
	}
	if want := []string{"tenant-a/nf-0", "tenant-b/nf", "tenant-a/nf-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("handed out %v, want %v", got, want)
	}
}

func TestRoundRobinByGroup(t *testing.T) {
	q := New(namespaceOf)
	for _, k := range []string{"a/1", "a/2", "a/3", "b/1", "c/1", "c/2", "cluster-scoped"} {
		q.Push(k)
	}
	if q.Len() != 7 {
		t.Fatalf("Len %d, want 7", q.Len())
	}
	var got []string
	for q.Len() > 0 {
		got = append(got, q.Pop())
		if len(got) == 2 {
			q.Push("b/2") // b had nothing left: it rejoins behind a, which still waits
		}
	}
	want := []string{"a/1", "b/1", "c/1", "cluster-scoped", "a/2", "b/2", "c/2", "a/3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("popped %v, want %v", got, want)
	}
}

// TestWorkqueueSemanticsKept: deduplication and one worker per key are the workqueue's, the
// order only is this queue's.
func TestWorkqueueSemanticsKept(t *testing.T) {
	q := NewRateLimiting("", workqueue.DefaultTypedControllerRateLimiter[string](), 2)
	defer q.ShutDown()
	q.Add("a/1")
	q.Add("a/1")
	q.Add("b/1")
	if q.Len() != 2 {
		t.Fatalf("Len %d after adding a/1 twice and b/1, want 2", q.Len())
	}
	key, _ := q.Get()
	q.Add(key) // added while processing: handed out again only after Done
	other, _ := q.Get()
	if key != "a/1" || other != "b/1" || q.Len() != 0 {
		t.Fatalf("got %s then %s, %d waiting; want a/1, b/1 and a/1 held back", key, other, q.Len())
	}
	q.Done(key)
	if q.Len() != 1 {
		t.Errorf("a/1 not back after Done: %d waiting", q.Len())
	}
	q.Done(other)
}

// TestParkedKeyHandedOutAfterDone: a key handed out by the workqueue while its namespace holds
// all the workers it may is kept back, the next namespace's is handed out instead, and the
// kept key goes to the next Get after one of its namespace's keys is Done.
func TestParkedKeyHandedOutAfterDone(t *testing.T) {
	q := NewRateLimiting("", workqueue.DefaultTypedControllerRateLimiter[string](), 3)
	defer q.ShutDown()
	for _, k := range []string{"a/1", "a/2", "a/3", "b/1"} {
		q.Add(k)
	}
	var got []string
	for range 3 {
		key, _ := q.Get()
		got = append(got, key)
	}
	// a/1, b/1 (turns), a/2; a/3 is a's third while a holds two of three workers.
	if want := []string{"a/1", "b/1", "a/2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("handed out %v, want %v", got, want)
	}
	q.Add("a/1") // added again while running: after its Done, behind a/3
	q.Done("b/1")
	q.Done("a/1")
	if key, _ := q.Get(); key != "a/3" {
		t.Fatalf("after a/1 was Done, got %s, want the kept a/3", key)
	}
	q.Done("a/2")
	if key, _ := q.Get(); key != "a/1" {
		t.Fatalf("got %s, want a/1 again", key)
	}
}
