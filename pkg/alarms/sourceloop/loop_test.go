package sourceloop

import (
	"context"
	"testing"
)

// TestPanicWhileReportingIsRetried: a source handles what others send it (an alert's labels,
// a node's conditions); a panic on one of them must cost that key a retry with backoff, not
// end the process that serves every tenant's API.
func TestPanicWhileReportingIsRetried(t *testing.T) {
	l := New("test", "all")
	t.Cleanup(l.queue.ShutDown)
	l.Add("node-1")
	handled := l.next(context.Background(), func(context.Context, string) error {
		panic("assignment to entry in nil map")
	})
	if !handled {
		t.Fatal("the loop stopped")
	}
	if n := l.queue.NumRequeues("node-1"); n != 1 {
		t.Errorf("the key was requeued %d times after the panic, want 1 (retried with backoff)", n)
	}
}
