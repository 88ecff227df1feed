package redis

import (
	"context"
	"net/http"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/netweave-io/netweave/test/redisserver"
)

// TestRegressionWatchCatchUpFromRolledBackRevisionIsGone: this process (A) wrote revisions
// k+1 and k+2 and its watch reader is between polls; the store failed over to a replica that
// had only k, and another replica (B), which had seen only k, wrote k+1 and k+2 again. A
// client that listed through A at k+1 watches from it: the catch-up read the history of the
// new store from k+1 and handed the client B's k+2 as if it followed A's k+1 (the client
// never learns that its lost-1 is gone, nor of new-1). Nothing checked the store before the
// catch-up: only the reader's next poll (up to WatchPollInterval later) noticed and ended the
// watch. The watch must be told to relist (410 Gone) before any change of the new history.
func TestRegressionWatchCatchUpFromRolledBackRevisionIsGone(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	clientA := goredis.NewClient(&goredis.Options{Addr: env.server.Addr()})
	a := env.newStore(t, withInstallPrefix("catchup-rollback"), withWatchPollInterval(time.Minute), withClient(clientA))
	t.Cleanup(func() { _ = clientA.Close() })
	b := env.newStore(t, withInstallPrefix("catchup-rollback"))

	kept := createPod(ctx, t, b, "ns", "kept")
	snapshot, err := redisserver.TakeSnapshot(ctx, env.client)
	if err != nil {
		t.Fatal(err)
	}
	// A's reader runs (a watch is open, as the read cache's always is) and has handed out k+2.
	w0 := watchFrom(ctx, t, a, kept.ResourceVersion)
	lost1 := createPod(ctx, t, a, "ns", "lost-1")
	createPod(ctx, t, a, "ns", "lost-2")
	for range 2 {
		nextEvent(t, w0)
	}

	if err := snapshot.Restore(ctx, env.client); err != nil {
		t.Fatal(err)
	}
	createPod(ctx, t, b, "ns", "new-1")
	createPod(ctx, t, b, "ns", "new-2")

	w := watchFrom(ctx, t, a, lost1.ResourceVersion)
	select {
	case ev := <-w.ResultChan():
		if status, ok := ev.Object.(*metav1.Status); ev.Type == watch.Error && ok && status.Code == http.StatusGone {
			return
		}
		t.Fatalf("watch from revision %s of the discarded history (client holds kept, lost-1): first event %s, want 410 Gone",
			lost1.ResourceVersion, describe(ev))
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
}
