package redis

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestRegressionContinueTokenFromBeforeAWipeIsGone: a client paged through a list (limit 2)
// at revision 10 of a history that FLUSHALL then wiped; another replica, which never saw the
// old history, wrote the new one up to 10 before this process looked again. The next page's
// read was the one that noticed the wipe (its reset ran), yet the page it had read was served:
// the new history's objects at revision 10, appended to the old history's first page. A continue token
// of a history that went must be 410 Gone, as etcd answers a token at a compacted revision.
func TestRegressionContinueTokenFromBeforeAWipeIsGone(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	a := env.newStore(t, withInstallPrefix("continue-wipe"))
	createPodsUntil(ctx, t, a, "old", 11)
	first := &example.PodList{}
	opts := storage.ListOptions{Predicate: storage.Everything, Recursive: true}
	opts.Predicate.Limit = 2
	if err := a.GetList(ctx, "/pods/", opts, first); err != nil {
		t.Fatal(err)
	}
	if first.Continue == "" || first.ResourceVersion != "10" {
		t.Fatalf("first page at %s, continue %q; want revision 10 and a continue token", first.ResourceVersion, first.Continue)
	}
	if err := env.client.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	b := env.newStore(t, withInstallPrefix("continue-wipe"))
	// Named to sort after the token's key, so that the next page would hold them; and only up to
	// revision 10, so that the list reads no change after the token's revision (that read checks
	// the compaction point the reset moved).
	createPodsUntil(ctx, t, b, "z-new", 11)

	next := &example.PodList{}
	opts.Predicate.Continue = first.Continue
	err := a.GetList(ctx, "/pods/", opts, next)
	if !apierrors.IsResourceExpired(err) {
		names := make([]string, len(next.Items))
		for i := range next.Items {
			names[i] = next.Items[i].Name
		}
		t.Fatalf("next page of a list of the wiped history: %v at revision %s, err %v; want 410 Gone", names, next.ResourceVersion, err)
	}
}
